// A minimal OCI distribution client (pull side): manifests and blobs over HTTPS, or HTTP for
// registries marked insecure (loopback registries count as insecure, as in docker), with anonymous,
// bearer-token (WWW-Authenticate challenge) and basic auth. node:http(s) rather than fetch: it lets
// an insecure registry use a self-signed certificate and gives a plain Readable body to stream.
import { request as httpRequest, type IncomingMessage } from 'node:http';
import { request as httpsRequest } from 'node:https';
import { ImageError } from './errors.ts';
import { basicHeader, credentialsFor, parseChallenge, readDockerConfig, type Credentials } from './auth.ts';
import { registryHost } from './ref.ts';

export const MANIFEST_ACCEPT = [
  'application/vnd.oci.image.index.v1+json',
  'application/vnd.oci.image.manifest.v1+json',
  'application/vnd.docker.distribution.manifest.list.v2+json',
  'application/vnd.docker.distribution.manifest.v2+json',
].join(', ');

export interface RegistryOptions {
  /** true: every registry may use plain HTTP / unverified TLS; or a list of hosts that may. */
  insecure?: boolean | string[];
  /** docker config.json text (default: read from ~/.docker/config.json). */
  dockerConfig?: string;
  credentials?: Credentials;
  signal?: AbortSignal;
  /** A connection with no data for this long fails (default 60 s). */
  idleTimeoutMs?: number;
}

export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/:\d+$/, '').replace(/^\[|\]$/g, '');
  return h === 'localhost' || h === '::1' || /^127\./.test(h);
}

export class RegistryClient {
  readonly domain: string;
  readonly host: string;
  private insecure: boolean;
  private scheme: 'https' | 'http' | undefined;
  private creds: Credentials | undefined;
  private auth = new Map<string, string>(); // scope → Authorization header value
  private signal: AbortSignal | undefined;
  private idleTimeoutMs: number;

  constructor(domain: string, opts: RegistryOptions = {}) {
    this.domain = domain;
    this.host = registryHost(domain);
    this.insecure = opts.insecure === true || (Array.isArray(opts.insecure) && opts.insecure.includes(domain)) || isLoopbackHost(this.host);
    this.creds = opts.credentials ?? credentialsFor(domain, opts.dockerConfig ?? readDockerConfig());
    this.signal = opts.signal;
    this.idleTimeoutMs = opts.idleTimeoutMs ?? 60_000;
  }

  /** GET `/v2/<repo>/<kind>/<ref>` with auth; follows redirects (blob storage) without our credentials. */
  async get(repo: string, path: string, headers: Record<string, string> = {}): Promise<IncomingMessage> {
    const scope = `repository:${repo}:pull`;
    for (let attempt = 0; attempt < 2; attempt++) {
      const h = { ...headers };
      const a = this.auth.get(scope);
      if (a) h.authorization = a;
      const res = await this.send(`/v2/${repo}/${path}`, h);
      if (res.statusCode === 401 && attempt === 0) {
        res.resume();
        await this.authenticate(res.headers['www-authenticate'], scope);
        continue;
      }
      if (res.statusCode && res.statusCode >= 200 && res.statusCode < 300) return res;
      const body = await readBody(res, 64 * 1024).catch(() => Buffer.alloc(0));
      throw this.httpError(res.statusCode ?? 0, `${repo}/${path}`, body.toString('utf8'));
    }
    throw new ImageError('REGISTRY_AUTH', `${this.domain}: authentication failed for ${repo}`, {
      hint: this.creds ? 'check the credentials in ~/.docker/config.json' : 'log in first (credentials are read from ~/.docker/config.json)',
    });
  }

  private httpError(status: number, what: string, body: string): ImageError {
    let detail = body.slice(0, 300);
    try {
      const j = JSON.parse(body) as { errors?: { code?: string; message?: string }[] };
      if (j.errors?.length) detail = j.errors.map((e) => `${e.code ?? ''} ${e.message ?? ''}`.trim()).join('; ');
    } catch { /* not JSON */ }
    const code = status === 404 ? 'NOT_FOUND' : status === 401 || status === 403 ? 'REGISTRY_AUTH' : 'REGISTRY';
    return new ImageError(code, `${this.domain}/${what}: HTTP ${status}${detail ? ` (${detail})` : ''}`);
  }

  private async authenticate(header: string | string[] | undefined, scope: string): Promise<void> {
    const ch = parseChallenge(Array.isArray(header) ? header[0] : header);
    if (!ch || ch.scheme === 'basic') {
      if (!this.creds) throw new ImageError('REGISTRY_AUTH', `${this.domain} requires credentials`, { hint: 'add them to ~/.docker/config.json (docker login)' });
      this.auth.set(scope, basicHeader(this.creds));
      return;
    }
    if (ch.scheme !== 'bearer' || !ch.params.realm) throw new ImageError('REGISTRY_AUTH', `${this.domain}: unsupported auth challenge ${ch.scheme}`);
    const url = new URL(ch.params.realm);
    if (ch.params.service) url.searchParams.set('service', ch.params.service);
    url.searchParams.set('scope', ch.params.scope ?? scope);
    const headers: Record<string, string> = {};
    if (this.creds) headers.authorization = basicHeader(this.creds);
    const res = await this.sendUrl(url, headers, 0);
    const body = await readBody(res, 1024 * 1024);
    if ((res.statusCode ?? 0) >= 300) throw this.httpError(res.statusCode ?? 0, `token ${url.host}`, body.toString('utf8'));
    const j = JSON.parse(body.toString('utf8')) as { token?: string; access_token?: string };
    const token = j.token ?? j.access_token;
    if (!token) throw new ImageError('REGISTRY_AUTH', `${url.host} returned no token`);
    this.auth.set(scope, `Bearer ${token}`);
  }

  private async send(path: string, headers: Record<string, string>): Promise<IncomingMessage> {
    if (this.scheme) return this.sendUrl(new URL(`${this.scheme}://${this.host}${path}`), headers, 0);
    try {
      const res = await this.sendUrl(new URL(`https://${this.host}${path}`), headers, 0);
      this.scheme = 'https';
      return res;
    } catch (e) {
      // An insecure registry may speak plain HTTP: docker falls back the same way.
      if (!this.insecure) throw e;
      const res = await this.sendUrl(new URL(`http://${this.host}${path}`), headers, 0);
      this.scheme = 'http';
      return res;
    }
  }

  private sendUrl(url: URL, headers: Record<string, string>, redirects: number): Promise<IncomingMessage> {
    return new Promise((resolve, reject) => {
      const fn = url.protocol === 'http:' ? httpRequest : httpsRequest;
      const req = fn(url, {
        method: 'GET',
        headers: { 'user-agent': 'tscompose', ...headers },
        rejectUnauthorized: !this.insecure,
        ...(this.signal ? { signal: this.signal } : {}),
      }, (res) => {
        const loc = res.headers.location;
        if (res.statusCode && [301, 302, 303, 307, 308].includes(res.statusCode) && loc) {
          res.resume();
          if (redirects >= 5) return reject(new ImageError('REGISTRY', `${url.host}: too many redirects`));
          const next = new URL(loc, url);
          // Blob storage gets a presigned URL: our registry credentials must not travel there.
          const h = { ...headers };
          if (next.host !== url.host) delete h.authorization;
          this.sendUrl(next, h, redirects + 1).then(resolve, reject);
          return;
        }
        resolve(res);
      });
      // A registry that stops sending must not hang a pull for ever: idle sockets fail after a while.
      req.setTimeout(this.idleTimeoutMs, () => req.destroy(Object.assign(new Error(`no data for ${this.idleTimeoutMs / 1000} s`), { code: 'ETIMEDOUT' })));
      req.on('error', (e) => reject(new ImageError('REGISTRY_UNREACHABLE', `${url.protocol}//${url.host}: ${(e as NodeJS.ErrnoException).code ?? e.message}`, { cause: e })));
      req.end();
    });
  }
}

export async function readBody(res: IncomingMessage, limit: number): Promise<Buffer> {
  const parts: Buffer[] = [];
  let n = 0;
  for await (const c of res as AsyncIterable<Buffer>) {
    n += c.length;
    if (n > limit) { res.destroy(); throw new ImageError('REGISTRY', `response larger than ${limit} bytes`); }
    parts.push(c);
  }
  return Buffer.concat(parts);
}
