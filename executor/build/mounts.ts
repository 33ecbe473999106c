// `RUN --mount=…` as BuildKit spells it. Only `type=cache` is supported: a persistent host dir per
// cache id (default: the target path), bind-mounted at the target for the RUN; its contents never
// go into the layer. Other types (bind, tmpfs, secret, ssh) are refused with a clear error. Pure.
import { posix } from 'node:path';

export interface CacheMount { id: string; target: string; sharing: 'shared' | 'private' | 'locked'; readOnly: boolean }

export function parseCacheMount(spec: string, workdir = '/'): CacheMount {
  const fields: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    fields[k] = i < 0 ? 'true' : part.slice(i + 1).trim();
  }
  const type = fields.type ?? 'bind';
  if (type !== 'cache') throw new Error(`mount type "${type}" is not supported (only type=cache)`);
  const target = fields.target ?? fields.dst ?? fields.destination;
  if (!target) throw new Error('a cache mount needs target=PATH');
  for (const k of Object.keys(fields)) {
    if (!['type', 'target', 'dst', 'destination', 'id', 'sharing', 'readonly', 'ro', 'mode', 'uid', 'gid'].includes(k)) {
      throw new Error(`unsupported cache mount option "${k}"`);
    }
  }
  const abs = posix.normalize(target.startsWith('/') ? target : posix.join(workdir, target));
  const sharing = (fields.sharing ?? 'shared') as CacheMount['sharing'];
  if (!['shared', 'private', 'locked'].includes(sharing)) throw new Error(`sharing=${sharing}: expected shared, private or locked`);
  const ro = fields.readonly ?? fields.ro;
  return { id: fields.id || abs, target: abs, sharing, readOnly: ro === 'true' || ro === '1' };
}
