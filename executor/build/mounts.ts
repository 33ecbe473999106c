// `RUN --mount=…` as BuildKit spells it (pure parsing):
//   type=cache  a persistent host dir per cache id (default: the target), bind-mounted for the RUN;
//               its contents never go into the layer; sharing=locked serialises its users;
//   type=bind   a file or dir of the build context, read-only (rw would write into the user's
//               context: refused), from=<stage> is not supported;
//   type=tmpfs  an empty tmpfs.
// secret and ssh mounts are refused with a clear error.
import { posix } from 'node:path';

export type RunMount =
  | { type: 'cache'; id: string; target: string; sharing: 'shared' | 'private' | 'locked'; readOnly: boolean }
  | { type: 'bind'; source: string; target: string }
  | { type: 'tmpfs'; target: string; size?: number };

/** The cache-mount form, kept for callers that only deal with caches. */
export type CacheMount = Extract<RunMount, { type: 'cache' }>;

const OPTIONS: Record<RunMount['type'], string[]> = {
  cache: ['type', 'target', 'dst', 'destination', 'id', 'sharing', 'readonly', 'ro', 'mode', 'uid', 'gid'],
  bind: ['type', 'target', 'dst', 'destination', 'source', 'src', 'readonly', 'ro', 'rw', 'readwrite'],
  tmpfs: ['type', 'target', 'dst', 'destination', 'size'],
};

export function parseRunMount(spec: string, workdir = '/'): RunMount {
  const fields: Record<string, string> = {};
  for (const part of spec.split(',')) {
    if (!part) continue;
    const i = part.indexOf('=');
    const k = (i < 0 ? part : part.slice(0, i)).trim().toLowerCase();
    fields[k] = i < 0 ? 'true' : part.slice(i + 1).trim();
  }
  const type = fields.type ?? 'bind';
  if (type !== 'cache' && type !== 'bind' && type !== 'tmpfs') throw new Error(`mount type "${type}" is not supported (cache, bind and tmpfs are)`);
  const allowed = OPTIONS[type];
  for (const k of Object.keys(fields)) if (!allowed.includes(k)) throw new Error(`unsupported ${type} mount option "${k}"`);
  const target = fields.target ?? fields.dst ?? fields.destination;
  if (!target) throw new Error(`a ${type} mount needs target=PATH`);
  const abs = posix.normalize(target.startsWith('/') ? target : posix.join(workdir, target));
  const truthy = (v: string | undefined) => v === 'true' || v === '1';
  if (type === 'bind') {
    if (truthy(fields.rw) || truthy(fields.readwrite)) throw new Error('rw bind mounts are not supported (writes would reach the build context)');
    return { type, source: fields.source ?? fields.src ?? '.', target: abs };
  }
  if (type === 'tmpfs') {
    const size = fields.size !== undefined ? Number(fields.size) : undefined;
    if (size !== undefined && !Number.isInteger(size)) throw new Error(`size=${fields.size}: bytes expected`);
    return { type, target: abs, ...(size !== undefined ? { size } : {}) };
  }
  const sharing = (fields.sharing ?? 'shared') as CacheMount['sharing'];
  if (!['shared', 'private', 'locked'].includes(sharing)) throw new Error(`sharing=${sharing}: expected shared, private or locked`);
  return { type, id: fields.id || abs, target: abs, sharing, readOnly: truthy(fields.readonly ?? fields.ro) };
}

/** Only cache mounts (kept for tests and callers of the first version). */
export function parseCacheMount(spec: string, workdir = '/'): CacheMount {
  const m = parseRunMount(spec.includes('type=') ? spec : `type=cache,${spec}`, workdir);
  if (m.type !== 'cache') throw new Error(`mount type "${m.type}" is not supported here (only type=cache)`);
  return m;
}
