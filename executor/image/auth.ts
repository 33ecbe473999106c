// Registry credentials and the WWW-Authenticate challenge. Credentials come from the docker CLI's
// config (`$DOCKER_CONFIG/config.json` or `~/.docker/config.json`, `auths` entries with `auth`
// or username/password), so a `docker login` done before works with tscompose. Credential helpers
// (credsStore/credHelpers) are not run. Pure except for reading the file.
import { readFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';

export interface Credentials { username: string; password: string }

export interface Challenge { scheme: string; params: Record<string, string> }

/** Parses `Bearer realm="https://auth",service="reg",scope="repository:a:pull"` (one challenge). */
export function parseChallenge(header: string | undefined): Challenge | undefined {
  if (!header) return undefined;
  const m = /^\s*(\w+)\s*(.*)$/s.exec(header);
  if (!m) return undefined;
  const params: Record<string, string> = {};
  const re = /([\w-]+)\s*=\s*(?:"((?:[^"\\]|\\.)*)"|([^,\s]*))/g;
  for (let p = re.exec(m[2] ?? ''); p; p = re.exec(m[2] ?? '')) {
    params[p[1]!.toLowerCase()] = (p[2] ?? p[3] ?? '').replace(/\\(.)/g, '$1');
  }
  return { scheme: m[1]!.toLowerCase(), params };
}

export function dockerConfigPath(env: NodeJS.ProcessEnv = process.env): string {
  return join(env.DOCKER_CONFIG ?? join(env.HOME ?? homedir(), '.docker'), 'config.json');
}

interface DockerConfig { auths?: Record<string, { auth?: string; username?: string; password?: string }> }

/** The keys docker uses for a registry in `auths` (docker.io has historical spellings). */
function authKeys(domain: string): string[] {
  if (domain === 'docker.io') return ['https://index.docker.io/v1/', 'index.docker.io', 'docker.io', 'registry-1.docker.io'];
  return [domain, `https://${domain}`, `http://${domain}`, `https://${domain}/v1/`, `https://${domain}/v2/`];
}

export function credentialsFor(domain: string, configText: string | undefined): Credentials | undefined {
  if (!configText) return undefined;
  let cfg: DockerConfig;
  try { cfg = JSON.parse(configText) as DockerConfig; } catch { return undefined; }
  for (const k of authKeys(domain)) {
    const a = cfg.auths?.[k];
    if (!a) continue;
    if (a.username && a.password) return { username: a.username, password: a.password };
    if (a.auth) {
      const dec = Buffer.from(a.auth, 'base64').toString('utf8');
      const i = dec.indexOf(':');
      if (i > 0) return { username: dec.slice(0, i), password: dec.slice(i + 1) };
    }
  }
  return undefined;
}

export function readDockerConfig(path = dockerConfigPath()): string | undefined {
  try { return readFileSync(path, 'utf8'); } catch { return undefined; }
}

export function basicHeader(c: Credentials): string {
  return 'Basic ' + Buffer.from(`${c.username}:${c.password}`).toString('base64');
}
