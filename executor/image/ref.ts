// Image references, normalised as docker does: `redis` = `docker.io/library/redis:latest`,
// `localhost:5000/app` keeps its registry, `name@sha256:…` pins a manifest. Pure.
import { ImageError } from './errors.ts';

export interface ImageRef {
  /** Registry host (`docker.io`, `127.0.0.1:5000`). */
  domain: string;
  /** Repository path in the registry (`library/redis`). */
  path: string;
  tag: string | undefined;
  digest: string | undefined;
}

const PATH_COMPONENT = /^[a-z0-9]+(?:(?:[._]|__|-+)[a-z0-9]+)*$/;
const TAG = /^[\w][\w.-]{0,127}$/;
const DIGEST = /^sha256:[a-f0-9]{64}$/;

export function parseRef(input: string): ImageRef {
  const bad = (why: string) => new ImageError('BAD_REFERENCE', `invalid image reference "${input}": ${why}`, { ref: input });
  let rest = input.trim();
  if (!rest) throw bad('empty');
  let digest: string | undefined;
  const at = rest.indexOf('@');
  if (at >= 0) {
    digest = rest.slice(at + 1);
    rest = rest.slice(0, at);
    if (!DIGEST.test(digest)) throw bad('digest must be sha256:<64 hex>');
  }
  let tag: string | undefined;
  const lastSlash = rest.lastIndexOf('/');
  const colon = rest.lastIndexOf(':');
  if (colon > lastSlash) {
    tag = rest.slice(colon + 1);
    rest = rest.slice(0, colon);
    if (!TAG.test(tag)) throw bad(`tag "${tag}" is not valid`);
  }
  let domain = 'docker.io';
  const slash = rest.indexOf('/');
  if (slash >= 0) {
    const first = rest.slice(0, slash);
    if (first.includes('.') || first.includes(':') || first === 'localhost' || first !== first.toLowerCase()) {
      domain = first;
      rest = rest.slice(slash + 1);
    }
  }
  if (domain === 'index.docker.io') domain = 'docker.io';
  if (domain === 'docker.io' && !rest.includes('/')) rest = `library/${rest}`;
  for (const c of rest.split('/')) {
    if (!PATH_COMPONENT.test(c)) throw bad(`"${c}" must be lowercase letters, digits and separators`);
  }
  if (tag === undefined && digest === undefined) tag = 'latest';
  return { domain, path: rest, tag, digest };
}

/** `docker.io/library/redis:latest`, `host:5000/a/b@sha256:…`: the key of the refs index. */
export function canonical(r: ImageRef): string {
  return `${r.domain}/${r.path}${r.tag !== undefined ? `:${r.tag}` : ''}${r.digest !== undefined ? `@${r.digest}` : ''}`;
}

export function normalizeRef(input: string): string {
  return canonical(parseRef(input));
}

/** The repository part without tag or digest (`docker.io/library/redis`). */
export function repository(r: ImageRef): string {
  return `${r.domain}/${r.path}`;
}

/** The short form docker prints: `redis:latest`, `me/app:1`, `127.0.0.1:5000/x:y`. */
export function familiar(canonicalRef: string): string {
  if (canonicalRef.startsWith('docker.io/library/')) return canonicalRef.slice('docker.io/library/'.length);
  if (canonicalRef.startsWith('docker.io/')) return canonicalRef.slice('docker.io/'.length);
  return canonicalRef;
}

/** The host to talk to for a domain (`docker.io` is served by registry-1.docker.io). */
export function registryHost(domain: string): string {
  return domain === 'docker.io' ? 'registry-1.docker.io' : domain;
}
