import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import * as net from '../../../netmgr/netmgr.ts';
import { netEnv, hostSnapshot, leaks, inNs, serveInNs, nftRuleset } from './helpers.ts';

const id = () => randomBytes(32).toString('hex');

test('two containers on one network reach each other by address, and nothing is left after removal', async () => {
  const env = netEnv('netbr');
  const before = hostSnapshot();
  const ours: string[] = [];
  const a = id(); const b = id();
  const name = `${env.project}_default`;
  try {
    const st = await net.ensureNetwork(env.project, 'default', { name });
    ours.push(st.bridge);
    assert.match(st.bridge, /^tsc-[0-9a-f]{8}$/);
    assert.equal(execFileSync('cat', [`/sys/class/net/${st.bridge}/operstate`], { encoding: 'utf8' }).trim() !== '', true);
    const nsA = net.createNetns(a); const nsB = net.createNetns(b);
    const [ea] = await net.attach(nsA, { id: a, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web1' }, [{ network: st, cfg: null }]);
    const [eb] = await net.attach(nsB, { id: b, name: `${env.project}-db-1`, service: 'db', aliases: [], hostname: 'db1' }, [{ network: st, cfg: { ipv4_address: st.subnet.replace(/0\/24$/, '77') } }]);
    assert.ok(ea && eb);
    ours.push(ea.veth, eb.veth);
    assert.equal(ea.ifname, 'eth0');
    assert.equal(eb.address, st.subnet.replace(/0\/24$/, '77'), 'ipv4_address is honoured');
    assert.match(inNs(nsA, ['ip', '-o', 'addr', 'show', 'eth0']).out, new RegExp(`inet ${ea.address.replace(/\./g, '\\.')}/24`));
    assert.match(inNs(nsA, ['ip', 'route']).out, new RegExp(`default via ${st.gateway.replace(/\./g, '\\.')} dev eth0`));
    const ping = inNs(nsA, ['ping', '-c1', '-W1', eb.address]);
    assert.equal(ping.code, 0, ping.out);
    // TCP between the two namespaces with nc.
    const srv = serveInNs(nsB, ['nc', '-l', '-p', '7000']);
    let got = '';
    srv.stdout?.on('data', (d: Buffer) => { got += d.toString(); });
    await new Promise((r) => setTimeout(r, 150));
    const sent = execFileSync('nsenter', [`--net=${nsA}`, 'busybox', 'nc', '-w', '2', eb.address, '7000'], { input: 'hello over veth\n', timeout: 5000 });
    assert.ok(sent !== undefined);
    await new Promise((r) => setTimeout(r, 100));
    srv.kill('SIGKILL');
    assert.equal(got, 'hello over veth\n');
    // Masquerade for the subnet exists (checked on the ruleset, never by sending traffic out).
    assert.match(nftRuleset(), new RegExp(`chain nat-${st.bridge} \\{[^}]*oifname != "${st.bridge}" masquerade`));
    await net.detach(a); await net.detach(b);
    net.removeNetns(a); net.removeNetns(b);
    await net.removeNetwork(name, { project: env.project });
    assert.equal(net.inspectNetwork(name), undefined);
  } finally {
    net.removeNetns(a); net.removeNetns(b);
    await net.removeNetwork(name, { project: env.project }).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
