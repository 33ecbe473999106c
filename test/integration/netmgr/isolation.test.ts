import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import * as net from '../../../netmgr/netmgr.ts';
import { netEnv, hostSnapshot, leaks, inNs, nftRuleset } from './helpers.ts';

const id = () => randomBytes(32).toString('hex');

test('containers on different networks cannot reach each other; an internal network has no masquerade and no default route', async () => {
  const env = netEnv('netiso');
  const before = hostSnapshot();
  const ours: string[] = [];
  const a = id(); const b = id(); const both = id();
  const front = `${env.project}_front`; const back = `${env.project}_back`;
  try {
    const sf = await net.ensureNetwork(env.project, 'front', { name: front });
    const sb = await net.ensureNetwork(env.project, 'back', { name: back, internal: true });
    ours.push(sf.bridge, sb.bridge);
    assert.notEqual(sf.subnet, sb.subnet);
    const nsA = net.createNetns(a); const nsB = net.createNetns(b); const nsBoth = net.createNetns(both);
    const [ea] = await net.attach(nsA, { id: a, name: `${env.project}-web-1`, service: 'web', aliases: [], hostname: 'web' }, [{ network: sf, cfg: null }]);
    const [eb] = await net.attach(nsB, { id: b, name: `${env.project}-db-1`, service: 'db', aliases: [], hostname: 'db' }, [{ network: sb, cfg: null }]);
    // On both networks; `back` has the higher priority, so it is eth0.
    const eboth = await net.attach(nsBoth, { id: both, name: `${env.project}-api-1`, service: 'api', aliases: [], hostname: 'api' },
      [{ network: sf, cfg: null }, { network: sb, cfg: { priority: 10 } }]);
    ours.push(ea!.veth, eb!.veth, ...eboth.map((e) => e.veth));
    assert.deepEqual(eboth.map((e) => [e.network, e.ifname]), [[back, 'eth0'], [front, 'eth1']]);

    // Same network: reachable. Different networks: dropped by the isolation chains.
    assert.equal(inNs(nsBoth, ['ping', '-c1', '-W1', ea!.address]).code, 0, 'api reaches web on front');
    assert.equal(inNs(nsBoth, ['ping', '-c1', '-W1', eb!.address]).code, 0, 'api reaches db on back');
    assert.notEqual(inNs(nsA, ['ping', '-c1', '-W1', eb!.address]).code, 0, 'web must not reach db across networks');
    assert.notEqual(inNs(nsB, ['ping', '-c1', '-W1', ea!.address]).code, 0, 'db must not reach web across networks');

    // Internal: no default route inside, no masquerade rule; the other network has both.
    assert.doesNotMatch(inNs(nsB, ['ip', 'route']).out, /default/);
    assert.match(inNs(nsA, ['ip', 'route']).out, /default via/);
    // api's default route goes via front (back is internal), though back is eth0.
    assert.match(inNs(nsBoth, ['ip', 'route']).out, new RegExp(`default via ${sf.gateway.replace(/\./g, '\\.')} dev eth1`));
    const rules = nftRuleset();
    const natBack = new RegExp(`chain nat-${sb.bridge} \\{([^}]*)\\}`).exec(rules)?.[1] ?? '';
    const natFront = new RegExp(`chain nat-${sf.bridge} \\{([^}]*)\\}`).exec(rules)?.[1] ?? '';
    assert.match(natFront, /oifname != "tsc-[0-9a-f]{8}" masquerade/);
    assert.doesNotMatch(natBack, /oifname !=/, 'internal network must not masquerade');
    assert.match(new RegExp(`chain from-${sb.bridge} \\{([^}]*)\\}`).exec(rules)?.[1] ?? '', /^\s*oifname "tsc-[0-9a-f]{8}" accept\s*drop/m);

    // A network in use by a container is kept when its project lets go, and refused by `network rm`.
    await net.removeNetwork(front, { project: env.project });
    assert.ok(net.inspectNetwork(front), 'front is kept while containers use it');
    for (const c of [a, b, both]) { await net.detach(c); net.removeNetns(c); }
    await net.removeNetwork(front, { project: env.project });
    await net.removeNetwork(back, { project: env.project });
    assert.deepEqual([net.inspectNetwork(front), net.inspectNetwork(back)], [undefined, undefined]);
  } finally {
    for (const c of [a, b, both]) net.removeNetns(c);
    for (const n of [front, back]) await net.removeNetwork(n, { project: env.project }).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});

test('an external network must exist; one made by `network create` survives projects and is removed by `network rm` only', async () => {
  const env = netEnv('netext');
  const before = hostSnapshot();
  const ours: string[] = [];
  const shared = `${env.project}_shared`;
  try {
    await assert.rejects(net.ensureNetwork(env.project, 'x', { name: shared, external: true }), /declared as external, but could not be found/);
    const made = await net.createNetwork({ name: shared, ipam: { config: [{ subnet: '10.211.7.0/24' }] } });
    ours.push(made.bridge);
    assert.equal(made.gateway, '10.211.7.1');
    await assert.rejects(net.createNetwork({ name: `${env.project}_clash`, ipam: { config: [{ subnet: '10.211.0.0/16' }] } }),
      new RegExp(`"${env.project}_clash".*overlaps network "${shared}"`));
    const used = await net.ensureNetwork(env.project, 'x', { name: shared, external: true });
    assert.equal(used.id, made.id);
    await net.removeNetwork(shared, { project: env.project });
    assert.ok(net.inspectNetwork(shared), 'a project does not remove a network it did not create');
    await net.removeNetwork(shared, { cli: true });
    assert.equal(net.inspectNetwork(shared), undefined);
  } finally {
    await net.removeNetwork(shared, { cli: true }).catch(() => undefined);
    const left = await leaks(env, before, ours);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
