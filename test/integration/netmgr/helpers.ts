// Shared by netmgr's integration tests: a test env wired into process.env (netmgr reads paths from
// it), a host snapshot of what netmgr may touch, and busybox run inside a pinned namespace.
import { execFile, execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { testEnv, leftovers, type TestEnv } from '../../helpers/env.ts';

export function netEnv(label: string): TestEnv {
  const env = testEnv(label);
  process.env.TSCOMPOSE_ROOT = env.root;
  process.env.TSCOMPOSE_RUN = env.run;
  return env;
}

export interface HostSnapshot {
  links: string[];
  forward: string;
  /** Someone's tscompose table existed (another test's network): ip_forward is theirs to restore. */
  table: boolean;
}

export function hostSnapshot(): HostSnapshot {
  return { links: linkNames(), forward: readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), table: tableExists() };
}

export function linkNames(): string[] {
  return execFileSync('ip', ['-o', 'link', 'show'], { encoding: 'utf8' }).split('\n')
    .map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter(Boolean).sort();
}

export function nftRuleset(): string {
  return execFileSync('nft', ['list', 'ruleset'], { encoding: 'utf8' });
}

export function tableExists(): boolean {
  try { execFileSync('nft', ['list', 'table', 'inet', 'tscompose'], { stdio: 'ignore' }); return true; } catch { return false; }
}

/**
 * Problems left on the host by a test that created `ours` (bridge and veth names): links, nft chains,
 * mounts under the env dir; and ip_forward when no tscompose network of anyone is left (other
 * engineers' tests may hold the table, and with it forwarding, while ours run).
 */
export async function leaks(env: TestEnv, before: HostSnapshot, ours: string[]): Promise<string[]> {
  const out = leftovers(env.dir);
  // veth host ends vanish asynchronously after their namespace goes (FACTS.md: ~60 ms).
  for (let i = 0; i < 50; i++) {
    const l = linkNames();
    if (!ours.some((n) => l.includes(n))) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  const now = linkNames();
  for (const n of ours) if (now.includes(n)) out.push(`link ${n}`);
  const rules = nftRuleset();
  for (const n of ours) if (rules.includes(n)) out.push(`nft mentions ${n}`);
  // ip_forward is host-wide and parallel tests change it: compare only from a quiet start (no table
  // of anyone's, forwarding off). Forwarding on with no table means another test was between its
  // sysctl and its table; the runner's whole-suite snapshot still checks the final value.
  const quiet = !before.table && before.forward === '0';
  if (quiet && !tableExists() && hostSnapshot().forward !== before.forward) out.push(`ip_forward is ${hostSnapshot().forward}, was ${before.forward}`);
  return out;
}

/** Runs busybox inside the namespace file, bounded in time. */
export function inNs(netns: string, args: string[], timeoutMs = 5000): { code: number; out: string } {
  try {
    const out = execFileSync('nsenter', [`--net=${netns}`, 'busybox', ...args], { encoding: 'utf8', timeout: timeoutMs, stdio: ['ignore', 'pipe', 'pipe'] });
    return { code: 0, out };
  } catch (e) {
    const err = e as { status?: number; stdout?: string; stderr?: string };
    return { code: err.status ?? 1, out: `${err.stdout ?? ''}${err.stderr ?? ''}` };
  }
}

/** Starts a busybox server inside the namespace; kill it by its pid when done. */
export function serveInNs(netns: string, args: string[]): ChildProcess {
  return spawn('nsenter', [`--net=${netns}`, 'busybox', ...args], { stdio: ['pipe', 'pipe', 'pipe'] });
}

/** HTTP GET from inside the namespace with busybox nc (Debian's static busybox wget crashes resolving). */
export function httpGetInNs(netns: string, host: string, port: number, path = '/'): { code: number; out: string } {
  try {
    const out = execFileSync('nsenter', [`--net=${netns}`, 'busybox', 'nc', '-w', '2', host, String(port)], {
      encoding: 'utf8', timeout: 5000, input: `GET ${path} HTTP/1.0\r\n\r\n`, stdio: ['pipe', 'pipe', 'pipe'],
    });
    return { code: /^HTTP\/1\.\d 200/.test(out) ? 0 : 1, out };
  } catch (e) {
    return { code: 1, out: String((e as { stderr?: string }).stderr ?? e) };
  }
}

/** inNs without blocking the event loop (needed when this process serves the other end, e.g. DNS). */
export function inNsAsync(netns: string, args: string[], timeoutMs = 5000): Promise<{ code: number; out: string }> {
  return new Promise((resolve) => {
    execFile('nsenter', [`--net=${netns}`, 'busybox', ...args], { encoding: 'utf8', timeout: timeoutMs }, (err, stdout, stderr) => {
      resolve({ code: err ? ((err as { code?: unknown }).code as number) ?? 1 : 0, out: `${stdout}${stderr}` });
    });
  });
}
