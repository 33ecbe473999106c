// node-tar parses PAX headers into known fields only and drops `SCHILY.xattr.*` (the records GNU
// tar, docker and buildkit use for file xattrs such as security.capability). We wrap its Pax.parse
// once to keep those records on the Pax object that becomes `entry.extended`. node-tar decodes PAX
// bodies as UTF-8 before parsing, so binary values that are not valid UTF-8 arrive mangled; we skip
// a value whose re-encoded length disagrees with its record length rather than apply a wrong one.
import { Pax, type ReadEntry } from 'tar';

const XATTRS = Symbol.for('tscompose.pax.xattrs');
type WithX = { [XATTRS]?: Record<string, Buffer> };

/** Parses `<len> SCHILY.xattr.<name>=<value>\n` records (length-prefixed: values may hold newlines). */
export function parsePaxXattrs(body: string): Record<string, Buffer> | undefined {
  const buf = Buffer.from(body, 'utf8');
  let out: Record<string, Buffer> | undefined;
  let pos = 0;
  while (pos < buf.length) {
    const sp = buf.indexOf(0x20, pos);
    if (sp < 0) break;
    const len = Number(buf.subarray(pos, sp).toString('latin1'));
    // A record must end exactly at its stated length with "\n"; after a lossy UTF-8 decode of a
    // binary value it does not, and we stop rather than apply a misread value.
    if (!Number.isInteger(len) || len <= sp - pos || pos + len > buf.length || buf[pos + len - 1] !== 0x0a) break;
    const rec = buf.subarray(sp + 1, pos + len - 1); // without the trailing \n
    const eq = rec.indexOf(0x3d);
    if (eq > 0) {
      const key = rec.subarray(0, eq).toString('utf8');
      if (key.startsWith('SCHILY.xattr.')) (out ??= {})[key.slice('SCHILY.xattr.'.length)] = Buffer.from(rec.subarray(eq + 1));
    }
    pos += len;
  }
  return out;
}

const marker = Symbol.for('tscompose.pax.patched');
const P = Pax as unknown as { parse: (s: string, ex?: unknown, g?: boolean) => Pax; [marker]?: boolean };
if (!P[marker]) {
  P[marker] = true;
  const orig = P.parse;
  P.parse = function parse(str: string, ex?: unknown, g?: boolean): Pax {
    const p = orig.call(Pax, str, ex, g) as Pax & WithX;
    const x = parsePaxXattrs(str);
    if (x) p[XATTRS] = x;
    return p;
  };
}

export function entryXattrs(e: ReadEntry): Record<string, Buffer> | undefined {
  return (e.extended as (Pax & WithX) | undefined)?.[XATTRS];
}
