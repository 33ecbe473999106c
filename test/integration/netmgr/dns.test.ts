import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawnSync } from 'node:child_process';
import * as net from '../../../netmgr/netmgr.ts';
import { NameRegistry } from '../../../netmgr/registry.ts';
import { netEnv, hostSnapshot, leaks, inNsAsync } from './helpers.ts';

const id = () => randomBytes(32).toString('hex');

function addresses(out: string): string[] {
  // busybox nslookup prints the server first, then "Name: … Address: …" lines of the answer.
  const after = out.split(/Name:\s/).slice(1).join('\n');
  return [...after.matchAll(/Address(?: \d+)?:\s+(\d+\.\d+\.\d+\.\d+)/g)].map((m) => m[1]!).sort();
}

test('the embedded DNS answers service names (all replicas), container names, hostnames and aliases per network, and follows changes', async () => {
  const env = netEnv('netdns');
  const before = hostSnapshot();
  const ours: string[] = [];
  const web1 = id(); const web2 = id(); const db = id(); const other = id();
  const name = `${env.project}_default`; const name2 = `${env.project}_other`;
  const registry = new NameRegistry();
  const lateIds: string[] = [];
  // No upstream: names that are not ours must never leave the machine from a test (they get SERVFAIL).
  const dnsErrors: string[] = [];
  const dns = await net.startDns(registry, { upstreams: [], onError: (e) => dnsErrors.push(String(e)) });
  try {
    const st = await net.ensureNetwork(env.project, 'default', { name });
    const st2 = await net.ensureNetwork(env.project, 'other', { name: name2 });
    ours.push(st.bridge, st2.bridge);
    const ns1 = net.createNetns(web1); const ns2 = net.createNetns(web2); const nsDb = net.createNetns(db); const nsO = net.createNetns(other);
    const [e1] = await net.attach(ns1, { id: web1, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web1' }, [{ network: st, cfg: null }]);
    const [e2] = await net.attach(ns2, { id: web2, name: `${env.project}-web-2`, service: 'web', aliases: [], hostname: 'web2' }, [{ network: st, cfg: null }]);
    const [ed] = await net.attach(nsDb, { id: db, name: `${env.project}-db-1`, service: 'db', aliases: [], hostname: 'dbhost' }, [{ network: st, cfg: { aliases: ['database'] } }]);
    const [eo] = await net.attach(nsO, { id: other, name: `${env.project}-cache-1`, service: 'cache', aliases: [], hostname: 'cache' }, [{ network: st2, cfg: null }]);
    ours.push(e1!.veth, e2!.veth, ed!.veth, eo!.veth);
    await dns.sync();
    assert.deepEqual(dns.addresses().filter((a) => a === st.gateway || a === st2.gateway).sort(), [st.gateway, st2.gateway].sort());

    const q = (ns: string, n: string) => inNsAsync(ns, ['nslookup', n, gatewayOf(ns)]);
    const gatewayOf = (ns: string) => (ns === nsO ? st2.gateway : st.gateway);
    assert.deepEqual(addresses((await q(nsDb, 'web')).out), [e1!.address, e2!.address].sort(), 'a service name answers every replica');
    assert.deepEqual(addresses((await q(nsDb, `${env.project}-web-2`)).out), [e2!.address], 'container name');
    assert.deepEqual(addresses((await q(ns1, 'dbhost')).out), [ed!.address], 'hostname');
    assert.deepEqual(addresses((await q(ns1, 'database')).out), [ed!.address], 'network alias');
    assert.deepEqual(addresses((await q(nsO, 'web')).out), [], 'names are scoped per network');
    assert.deepEqual(addresses((await q(nsO, 'cache')).out), [eo!.address]);

    // Round robin: the first answer rotates between replicas.
    const firsts = new Set<string>();
    for (let i = 0; i < 4; i++) {
      const out = (await q(nsDb, 'web')).out.split(/Name:\s/).slice(1).join('\n');
      const m = /Address(?: \d+)?:\s+(\d+\.\d+\.\d+\.\d+)/.exec(out);
      if (m?.[1]) firsts.add(m[1]);
    }
    assert.equal(firsts.size, 2, 'replicas rotate');

    // A container attached by another process (another `up`, `run`) is answered within 1 s (file watch).
    const late = id();
    lateIds.push(late);
    const mod = new URL('../../../netmgr/netmgr.ts', import.meta.url).href;
    const child = spawnSync(process.execPath, ['--input-type=module', '-e', `
      const net = await import(${JSON.stringify(mod)});
      await net.attach(net.createNetns('${late}'), { id: '${late}', name: '${env.project}-late-1', service: 'late', aliases: [], hostname: 'late' }, [{ network: { name: '${name}' }, cfg: null }]);
    `], { env: env.env, encoding: 'utf8', timeout: 20000 });
    assert.equal(child.status, 0, child.stderr);
    ours.push(...Object.values(net.inspectNetwork(name)?.endpoints ?? {}).filter((e) => e.containerId === late).map((e) => e.veth));
    const lateAddr = net.inspectNetwork(name)?.endpoints[late]?.address;
    // The registry (what the server answers from) has it within 1 s of the other process finishing …
    const t0 = Date.now();
    while (Date.now() - t0 < 1000 && registry.resolve(st.gateway, 'late', false).length === 0) await new Promise((r) => setTimeout(r, 20));
    assert.deepEqual(registry.resolve(st.gateway, 'late', false), [lateAddr], `not visible after ${Date.now() - t0} ms`);
    // … and a container gets it from the server (a lookup lost under heavy machine load is retried).
    let seen: string[] = [];
    for (let i = 0; i < 5 && seen.length === 0; i++) seen = addresses((await inNsAsync(nsDb, ['nslookup', 'late', st.gateway], 3000)).out);
    assert.deepEqual(seen, [lateAddr], `errors from the DNS server: ${dnsErrors.join('; ')}`);
    await net.detach(late); net.removeNetns(late);

    // A container going away disappears from the answers at once.
    await net.detach(web2); net.removeNetns(web2);
    assert.deepEqual(addresses((await q(nsDb, 'web')).out), [e1!.address]);
  } finally {
    await dns.close();
    registry.close();
    for (const c of [web1, web2, db, other, ...lateIds]) { await net.detach(c); net.removeNetns(c); }
    for (const n of [name, name2]) await net.removeNetwork(n, { project: env.project }).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
