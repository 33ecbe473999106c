import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { execFileSync } from 'node:child_process';
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs';
import { join, dirname } from 'node:path';
import type { Project } from '../../../schema/model.ts';
import { paths } from '../../../executor/state/paths.ts';
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
    // Forwarding is on while a (non-internal) network of ours exists; the old value is in the table's comment.
    assert.equal(readFileSync('/proc/sys/net/ipv4/ip_forward', 'utf8').trim(), '1');
    if (!before.table && before.forward !== '1') assert.match(execFileSync('nft', ['list', 'table', 'inet', 'tscompose'], { encoding: 'utf8' }), new RegExp(`restore net\\.ipv4\\.ip_forward=${before.forward}`));
    const nsA = net.createNetns(a); const nsB = net.createNetns(b);
    // The init layer's files, written before the network had addresses, are rewritten by attach.
    const project = {
      name: env.project, services: { web: { environment: {}, labels: {}, depends_on: {}, extra_hosts: { 'host.docker.internal': ['host-gateway'] }, dns_search: ['svc.test'] } },
      networks: { default: { name } },
    } as unknown as Project;
    const files = net.initFiles(project, 'web', { id: a, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web1' });
    for (const [f, text] of Object.entries(files)) {
      mkdirSync(dirname(join(paths.container(a), 'init', f)), { recursive: true });
      writeFileSync(join(paths.container(a), 'init', f), text);
    }
    const [ea] = await net.attach(nsA, { id: a, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web1' }, [{ network: st, cfg: null }]);
    const [eb] = await net.attach(nsB, { id: b, name: `${env.project}-db-1`, service: 'db', aliases: [], hostname: 'db1' }, [{ network: st, cfg: { ipv4_address: st.subnet.replace(/0\/24$/, '77') } }]);
    assert.ok(ea && eb);
    ours.push(ea.veth, eb.veth);
    assert.equal(ea.ifname, 'eth0');
    const hosts = readFileSync(join(paths.container(a), 'init', 'etc', 'hosts'), 'utf8');
    assert.match(hosts, new RegExp(`^${ea.address.replace(/\./g, '\\.')}\tweb1 `, 'm'));
    assert.match(hosts, new RegExp(`^${st.gateway.replace(/\./g, '\\.')}\thost\.docker\.internal$`, 'm'));
    assert.equal(readFileSync(join(paths.container(a), 'init', 'etc', 'resolv.conf'), 'utf8'), `nameserver ${st.gateway}\nsearch svc.test\n`);
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
