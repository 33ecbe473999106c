// A minimal tar writer for the layers we make: ustar headers (node-tar's Header encodes them),
// a PAX extended header when a path, link target, size or id does not fit ustar, or when an entry
// carries xattrs (file capabilities). The rest is the format: 512-byte blocks, two zero blocks at the end.
import { Header } from 'tar';

export type TarType = 'File' | 'Directory' | 'SymbolicLink' | 'Link' | 'CharacterDevice' | 'BlockDevice' | 'FIFO';

export interface TarHeader {
  path: string;
  type: TarType;
  mode: number;
  uid: number;
  gid: number;
  size: number;
  mtime: Date;
  linkpath?: string;
  devmaj?: number;
  devmin?: number;
  xattrs?: Record<string, Buffer>;
}

const BLOCK = 512;
export const padding = (n: number) => (BLOCK - (n % BLOCK)) % BLOCK;
export const END_OF_ARCHIVE = Buffer.alloc(BLOCK * 2);

function paxRecord(key: string, value: Buffer): Buffer {
  // "<len> <key>=<value>\n" where len counts itself.
  const rest = Buffer.byteLength(` ${key}=`) + value.length + 1;
  let len = rest + 1;
  while (String(len).length + rest !== len) len = String(len).length + rest;
  return Buffer.concat([Buffer.from(`${len} ${key}=`), value, Buffer.from('\n')]);
}

function fitsUstar(h: TarHeader): boolean {
  const nameOk = Buffer.byteLength(h.path) <= 100 || splitsPrefix(h.path);
  return nameOk && Buffer.byteLength(h.linkpath ?? '') <= 100 && h.size < 0o77777777777 && h.uid < 0o7777777 && h.gid < 0o7777777;
}

function splitsPrefix(p: string): boolean {
  if (Buffer.byteLength(p) > 255) return false;
  for (let i = p.indexOf('/'); i >= 0; i = p.indexOf('/', i + 1)) {
    if (Buffer.byteLength(p.slice(0, i)) <= 155 && Buffer.byteLength(p.slice(i + 1)) <= 100 && i + 1 < p.length) return true;
  }
  return false;
}

/** The header blocks of one entry (a PAX header first when needed); the caller writes data + padding. */
export function headerBlocks(h: TarHeader): Buffer {
  const out: Buffer[] = [];
  const records: Buffer[] = [];
  if (!fitsUstar(h)) {
    records.push(paxRecord('path', Buffer.from(h.path)));
    if (h.linkpath !== undefined) records.push(paxRecord('linkpath', Buffer.from(h.linkpath)));
    if (h.size >= 0o77777777777) records.push(paxRecord('size', Buffer.from(String(h.size))));
    if (h.uid >= 0o7777777) records.push(paxRecord('uid', Buffer.from(String(h.uid))));
    if (h.gid >= 0o7777777) records.push(paxRecord('gid', Buffer.from(String(h.gid))));
  }
  for (const [k, v] of Object.entries(h.xattrs ?? {})) records.push(paxRecord(`SCHILY.xattr.${k}`, v));
  if (records.length) {
    const body = Buffer.concat(records);
    const ph = Buffer.alloc(BLOCK);
    new Header({ path: 'PaxHeader', type: 'ExtendedHeader', size: body.length, mode: 0o644, uid: 0, gid: 0, mtime: h.mtime } as never).encode(ph, 0);
    out.push(ph, body, Buffer.alloc(padding(body.length)));
  }
  const b = Buffer.alloc(BLOCK);
  const short = fitsUstar(h) ? h.path : h.path.slice(-100).replace(/^[^/]*\//, '') || 'x';
  new Header({
    path: short, type: h.type, mode: h.mode & 0o7777, uid: Math.min(h.uid, 0o7777776), gid: Math.min(h.gid, 0o7777776),
    size: h.type === 'File' ? Math.min(h.size, 0o77777777776) : 0, mtime: h.mtime,
    ...(h.linkpath !== undefined ? { linkpath: Buffer.byteLength(h.linkpath) <= 100 ? h.linkpath : '' } : {}),
    devmaj: h.devmaj ?? 0, devmin: h.devmin ?? 0, uname: '', gname: '',
  } as never).encode(b, 0);
  out.push(b);
  return Buffer.concat(out);
}
