// Intent: on examples/stacks/networks, containers find each other by name on shared networks only,
// modes none and service: get the namespace they ask for, a published port answers on loopback,
// and `down` leaves no link, no nft rule and the ip_forward value as it found them.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { e2eEnv, freePort, STACKS } from './cli.ts';

const stack = `${STACKS}/networks`;
// Names that are not ours must not be forwarded off the machine from a test.
const e = e2eEnv('networks');
const env = { TSCOMPOSE_DNS_UPSTREAMS: '' };
after(() => {
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

function hasTable(): boolean {
  try { execFileSync('nft', ['list', 'table', 'inet', 'tscompose'], { stdio: 'ignore' }); return true; } catch { return false; }
}

function links(): string[] {
  return execFileSync('ip', ['-o', 'link'], { encoding: 'utf8' }).split('\n').map((l) => l.split(':')[1]?.trim().split('@')[0] ?? '').filter(Boolean);
}

test('names, isolation, modes and a published port work on real containers, and down removes every network object', async () => {
  const forward = readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim();
  // ip_forward belongs to whoever holds the table; compare only when nobody (other tests) held it before.
  const tableBefore = hasTable();
  const port = String(await freePort());
  const run = { ...env, WEB_PORT: port };
  const p = ['-p', e.project];
  const x = (service: string, ...argv: string[]) => e.tsc([...p, 'exec', service, ...argv], { cwd: stack, env: run });
  let r = e.tsc([...p, 'up', '-d', '--wait'], { cwd: stack, env: run });
  assert.equal(r.code, 0, r.stderr);

  const nets = JSON.parse(e.tsc(['network', 'inspect', `${e.project}_front`, `${e.project}_back`], { env: run }).stdout) as
    { Options: Record<string, string>; Containers: Record<string, { Name: string; IPv4Address: string }> }[];
  const bridges = nets.map((n) => n.Options['com.docker.network.bridge.name']!);
  const addrOf = (i: number, name: string) => Object.values(nets[i]!.Containers).find((c) => c.Name === name)?.IPv4Address.split('/')[0];
  const api1 = addrOf(1, `${e.project}-api-1`); const api2 = addrOf(1, `${e.project}-api-2`);
  assert.ok(api1 && api2);

  // Names: every replica, an alias, the hostname; /etc/hosts and resolv.conf from the init layer.
  const look = x('web', 'nslookup', 'api');
  assert.equal(look.code, 0, look.stdout + look.stderr);
  for (const a of [api1, api2]) assert.ok(look.stdout.includes(a), `${a} in ${look.stdout}`);
  assert.ok(x('web', 'nslookup', 'backend').stdout.includes(api1));
  assert.equal(x('edge', 'nslookup', 'www').code, 0, 'web answers to its hostname on front');
  assert.equal(x('web', 'wget', '-q', '-O', '-', 'http://backend:8080/who').code, 0);
  assert.match(x('web', 'cat', '/etc/hosts').stdout, /^\d+\.\d+\.\d+\.\d+\thost\.docker\.internal$/m);
  assert.match(x('web', 'cat', '/etc/resolv.conf').stdout, /^nameserver 10\.\d+\.\d+\.1$/m);
  assert.match(x('lone', 'cat', '/etc/resolv.conf').stdout, /^search svc\.example$/m, 'dns_search is honoured');

  // Isolation: edge (front only) does not know api, and cannot reach it by address.
  assert.notEqual(x('edge', 'nslookup', 'api').stdout.includes(api1), true);
  assert.notEqual(x('edge', 'ping', '-c1', '-W1', api1).code, 0);
  // Internal network: no default route for api; web's default route goes via front.
  assert.doesNotMatch(x('api', 'ip', 'route').stdout, /default/);
  assert.match(x('web', 'ip', 'route').stdout, /default via/);

  // Modes: none has only lo; service:web shares web's interfaces.
  assert.deepEqual(x('lone', 'ip', '-o', 'link').stdout.trim().split('\n').map((l) => l.split(':')[1]?.trim()), ['lo']);
  assert.match(x('sidecar', 'cat', '/etc/resolv.conf').stdout, /^nameserver 10\.\d+\.\d+\.1$/m, 'service: mode uses our DNS');
  assert.equal(x('sidecar', 'ip', '-o', 'addr').stdout.replace(/valid_lft.*$/gm, ''), x('web', 'ip', '-o', 'addr').stdout.replace(/valid_lft.*$/gm, ''));

  // Published on 127.0.0.1.
  const res = await fetch(`http://127.0.0.1:${port}/`, { signal: AbortSignal.timeout(5000) });
  assert.equal((await res.text()).trim(), 'hello from web');

  r = e.tsc([...p, 'down', '-t', '0'], { cwd: stack, env: run });
  assert.equal(r.code, 0, r.stderr);
  for (let i = 0; i < 50 && links().some((l) => bridges.includes(l) || l.startsWith('tsv')); i++) await new Promise((res2) => setTimeout(res2, 20));
  const now = links();
  for (const b of bridges) assert.ok(!now.includes(b), `bridge ${b} is gone`);
  let rules = '';
  try { rules = execFileSync('nft', ['list', 'table', 'inet', 'tscompose'], { encoding: 'utf8' }); } catch { /* table gone */ }
  for (const b of bridges) assert.ok(!rules.includes(b), `no nft rule mentions ${b}`);
  // Forwarding on with no table before means another test was between its sysctl and its table.
  if (!rules && !tableBefore && forward === '0') assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), forward);
});
