import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { spawn } from 'node:child_process';
import { createServer } from 'node:net';
import * as net from '../../../netmgr/netmgr.ts';
import { netEnv, hostSnapshot, leaks, inNs, tableExists, nftRuleset } from './helpers.ts';

const id = () => randomBytes(32).toString('hex');

async function freePort(): Promise<number> {
  const s = createServer();
  await new Promise<void>((r) => s.listen(0, '127.0.0.1', () => r()));
  const p = (s.address() as { port: number }).port;
  await new Promise((r) => s.close(r));
  return p;
}

test('after kill -9 of the process that made a network, a container and a published port, another process removes every trace from the state files', async () => {
  const env = netEnv('netcrash');
  const before = hostSnapshot();
  const c = id();
  const name = `${env.project}_default`;
  const port = await freePort();
  const mod = new URL('../../../netmgr/netmgr.ts', import.meta.url).href;
  const script = `
    const net = await import(${JSON.stringify(mod)});
    const st = await net.ensureNetwork(${JSON.stringify(env.project)}, 'default', { name: ${JSON.stringify(name)} });
    const ns = net.createNetns(${JSON.stringify(c)});
    const [a] = await net.attach(ns, { id: ${JSON.stringify(c)}, name: '${env.project}-web-1', service: 'web', aliases: [], hostname: 'web' }, [{ network: st, cfg: null }]);
    await net.publish(${JSON.stringify(c)}, [{ mode: 'ingress', host_ip: '127.0.0.1', target: 80, published: '${port}', protocol: 'tcp' }]);
    console.log(JSON.stringify({ bridge: st.bridge, veth: a.veth, address: a.address }));
    setInterval(() => {}, 1000);
  `;
  const child = spawn(process.execPath, ['--input-type=module', '-e', script], { env: env.env, stdio: ['ignore', 'pipe', 'pipe'] });
  let out = ''; let err = '';
  child.stdout.on('data', (d: Buffer) => { out += d.toString(); });
  child.stderr.on('data', (d: Buffer) => { err += d.toString(); });
  const ours: string[] = [];
  try {
    for (let i = 0; i < 200 && !out.includes('\n'); i++) await new Promise((r) => setTimeout(r, 25));
    const made = JSON.parse(out.trim() || '{}') as { bridge?: string; veth?: string; address?: string };
    assert.ok(made.bridge && made.veth && made.address, `child did not finish: ${err}`);
    ours.push(made.bridge!, made.veth!);
    child.kill('SIGKILL');
    await new Promise((r) => child.once('exit', r));

    // The state outlives the process: a restarted container keeps its address (attach is idempotent).
    const st = net.inspectNetwork(name);
    assert.ok(st);
    const again = await net.attach(net.createNetns(c), { id: c, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web' }, [{ network: st, cfg: null }]);
    assert.equal(again[0]?.address, made.address);
    assert.match(inNs(net.createNetns(c), ['ip', '-o', 'addr', 'show', 'eth0']).out, new RegExp(made.address!.replace(/\./g, '\\.')));
    assert.match(nftRuleset(), new RegExp(`127\\.0\\.0\\.1 \\. ${port} : ${made.address!.replace(/\./g, '\\.')} \\. 80`));

    // `down`: unpublish, detach, drop the namespace, remove the network — all from disk state.
    await net.unpublish(c);
    await net.detach(c);
    net.removeNetns(c);
    await net.removeNetwork(name);
    assert.equal(net.inspectNetwork(name), undefined);
    assert.doesNotMatch(tableExists() ? nftRuleset() : '', new RegExp(`${port}`));

    // A container recreated under the same name gets its old address back when that is free,
    // though a lower one is free too (web-2 took .2 first, web-1 had .3; both namespaces vanish).
    const st2 = await net.ensureNetwork(env.project, 'default', { name });
    ours.push(st2.bridge);
    const w2 = id(); const w1 = id(); const w1b = id();
    const at = (cid: string, n: string) => net.attach(net.createNetns(cid), { id: cid, name: n, service: 'web', aliases: [], hostname: 'web' }, [{ network: st2, cfg: null }]);
    const [x2] = await at(w2, `${env.project}-web-2`);
    const [x1] = await at(w1, `${env.project}-web-1`);
    ours.push(x2!.veth, x1!.veth);
    assert.deepEqual([x2!.address, x1!.address], [st2.subnet.replace(/0\/24$/, '2'), st2.subnet.replace(/0\/24$/, '3')]);
    net.removeNetns(w2); net.removeNetns(w1);
    const [y1] = await at(w1b, `${env.project}-web-1`);
    ours.push(y1!.veth);
    assert.equal(y1?.address, x1!.address);
    await net.detach(w1b); net.removeNetns(w1b);
    await net.detach(w1); await net.detach(w2);
  } finally {
    child.kill('SIGKILL');
    await net.unpublish(c).catch(() => undefined);
    await net.detach(c).catch(() => undefined);
    net.removeNetns(c);
    await net.removeNetwork(name).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});

test('network_mode none has only lo; a joined namespace (service:/container:) sees the same interfaces', async () => {
  const env = netEnv('netmode');
  const before = hostSnapshot();
  const ours: string[] = [];
  const lone = id(); const web = id();
  const name = `${env.project}_default`;
  try {
    const nsNone = net.createNetns(lone);
    assert.equal(net.createNetns(lone), nsNone, 'createNetns is idempotent');
    const links = inNs(nsNone, ['ip', '-o', 'link']).out.trim().split('\n');
    assert.equal(links.length, 1);
    assert.match(links[0]!, /^1: lo:/);
    const st = await net.ensureNetwork(env.project, 'default', { name });
    ours.push(st.bridge);
    const nsWeb = net.createNetns(web);
    const [e] = await net.attach(nsWeb, { id: web, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web' }, [{ network: st, cfg: null }]);
    ours.push(e!.veth);
    const joined = net.joinPath(net.parseNetworkMode('service:web'), { netnsOfService: (s) => (s === 'web' ? nsWeb : undefined), netnsOfContainer: () => undefined });
    assert.equal(joined, nsWeb);
    assert.match(inNs(joined!, ['ip', '-o', 'addr', 'show', 'eth0']).out, new RegExp(`inet ${e!.address.replace(/\./g, '\\.')}/`));
  } finally {
    await net.detach(web);
    net.removeNetns(web); net.removeNetns(lone); net.removeNetns(lone);
    await net.removeNetwork(name).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
