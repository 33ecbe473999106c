// Builds tar archives byte by byte for tests, including ones no honest tool would write (paths
// with "..", links pointing out of the tree, whiteouts, device nodes, PAX xattrs). Headers are
// encoded by node-tar's Header; the rest is the tar format: 512-byte blocks, two zero blocks at the end.
import { Header } from 'tar';
import { gzipSync, zstdCompressSync } from 'node:zlib';

export interface CraftEntry {
  path: string;
  type?: 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';
  data?: string | Buffer;
  linkpath?: string;
  mode?: number;
  uid?: number;
  gid?: number;
  mtime?: Date;
  devmaj?: number;
  devmin?: number;
  xattrs?: Record<string, string>;
}

const block = (n: number) => Math.ceil(n / 512) * 512;

function paxRecord(key: string, value: string): string {
  const body = ` ${key}=${value}\n`;
  let len = Buffer.byteLength(body) + 1;
  while (String(len).length + Buffer.byteLength(body) !== len) len = String(len).length + Buffer.byteLength(body);
  return `${len}${body}`;
}

function headerBlock(h: ConstructorParameters<typeof Header>[0]): Buffer {
  const buf = Buffer.alloc(512);
  new Header(h as never).encode(buf, 0);
  return buf;
}

export function craftTar(entries: CraftEntry[]): Buffer {
  const parts: Buffer[] = [];
  for (const e of entries) {
    const type = e.type ?? (e.data !== undefined ? 'File' : 'Directory');
    const data = e.data === undefined ? Buffer.alloc(0) : Buffer.from(e.data);
    if (e.xattrs) {
      const body = Buffer.from(Object.entries(e.xattrs).map(([k, v]) => paxRecord(`SCHILY.xattr.${k}`, v)).join(''));
      parts.push(headerBlock({ path: 'PaxHeader', type: 'ExtendedHeader', size: body.length, mode: 0o644, mtime: new Date(0) }));
      parts.push(Buffer.concat([body, Buffer.alloc(block(body.length) - body.length)]));
    }
    parts.push(headerBlock({
      path: e.path, type, size: type === 'File' ? data.length : 0, mode: e.mode ?? (type === 'Directory' ? 0o755 : 0o644),
      uid: e.uid ?? 0, gid: e.gid ?? 0, mtime: e.mtime ?? new Date(1_000_000_000_000),
      ...(e.linkpath !== undefined ? { linkpath: e.linkpath } : {}),
      devmaj: e.devmaj ?? 0, devmin: e.devmin ?? 0,
    }));
    if (type === 'File' && data.length) parts.push(Buffer.concat([data, Buffer.alloc(block(data.length) - data.length)]));
  }
  parts.push(Buffer.alloc(1024));
  return Buffer.concat(parts);
}

export const gzip = (b: Buffer) => gzipSync(b);
export const zstd = (b: Buffer) => zstdCompressSync(b);
