import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostLines, containerLines } from '../../../netmgr/veth.ts';
import { createBridgeLines, mtuOf } from '../../../netmgr/bridge.ts';
import { bridgeName, vethName, macFor } from '../../../netmgr/names.ts';
import { orderNetworks } from '../../../netmgr/attach.ts';
import { parseNetworkMode, joinPath } from '../../../netmgr/modes.ts';

test('link names follow ARCHITECTURE.md: tsc-<8 hex>, tsv<11 hex>, stable per container and network', () => {
  assert.equal(bridgeName('0123456789abcdef'), 'tsc-01234567');
  const v = vethName('a'.repeat(64), 'b'.repeat(64));
  assert.match(v, /^tsv[0-9a-f]{11}$/);
  assert.equal(v.length, 14, 'fits IFNAMSIZ');
  assert.equal(vethName('a'.repeat(64), 'b'.repeat(64)), v);
  assert.notEqual(vethName('a'.repeat(64), 'c'.repeat(64)), v);
  assert.equal(macFor('10.89.0.2'), '02:42:0a:59:00:02');
});

test('a container is two ip batches: veths born inside the namespace, then addresses, lo and one default route', () => {
  const links = [
    { veth: 'tsv00000000001', ifname: 'eth0', bridge: 'tsc-aaaa0000', address: '10.89.0.2', prefix: 24, mac: '02:42:0a:59:00:02', mtu: 1400 },
    { veth: 'tsv00000000002', ifname: 'eth1', bridge: 'tsc-bbbb0000', address: '10.89.1.2', prefix: 24, mac: '02:42:0a:59:01:02' },
  ];
  assert.deepEqual(hostLines('/run/tscompose/netns/x', links), [
    'link add tsv00000000001 mtu 1400 type veth peer name eth0 mtu 1400 address 02:42:0a:59:00:02 netns /run/tscompose/netns/x',
    'link set tsv00000000001 master tsc-aaaa0000 up',
    'link add tsv00000000002 type veth peer name eth1 address 02:42:0a:59:01:02 netns /run/tscompose/netns/x',
    'link set tsv00000000002 master tsc-bbbb0000 up',
  ]);
  assert.deepEqual(containerLines(links, { ifname: 'eth0', gateway: '10.89.0.1' }), [
    'link set lo up',
    'addr add 10.89.0.2/24 dev eth0', 'link set eth0 up',
    'addr add 10.89.1.2/24 dev eth1', 'link set eth1 up',
    'route add default via 10.89.0.1 dev eth0',
  ]);
  assert.deepEqual(containerLines([], undefined), ['link set lo up']);
});

test('a bridge gets its gateway address and MTU from driver_opts', () => {
  assert.deepEqual(createBridgeLines({ bridge: 'tsc-aaaa0000', gateway: '10.89.0.1', prefix: 24, mtu: 1400 }),
    ['link add tsc-aaaa0000 mtu 1400 type bridge', 'addr add 10.89.0.1/24 dev tsc-aaaa0000', 'link set tsc-aaaa0000 up']);
  assert.equal(mtuOf({ 'com.docker.network.driver.mtu': '1400' }), 1400);
  assert.equal(mtuOf({ mtu: '9000' }), 9000);
  assert.equal(mtuOf({ mtu: 'big' }), undefined);
  assert.equal(mtuOf(undefined), undefined);
});

test('networks are ordered by priority, highest first, ties in declared order', () => {
  const nets = [{ k: 'a', cfg: null }, { k: 'b', cfg: { priority: 5 } }, { k: 'c', cfg: {} }, { k: 'd', cfg: { priority: 5 } }];
  assert.deepEqual(orderNetworks(nets).map((n) => n.k), ['b', 'd', 'a', 'c']);
});

test('network_mode: bridge/host/none, and service:/container: join the other namespace file (or /proc/<pid>/ns/net)', () => {
  assert.deepEqual(parseNetworkMode(undefined), { kind: 'bridge' });
  assert.deepEqual(parseNetworkMode('host'), { kind: 'host' });
  assert.deepEqual(parseNetworkMode('service:db'), { kind: 'service', target: 'db' });
  assert.throws(() => parseNetworkMode('macvlan'), /Unsupported network_mode "macvlan"/);
  const lookup = { netnsOfService: (s: string) => (s === 'db' ? '/run/tscompose/netns/1' : undefined), netnsOfContainer: (n: string) => (n === 'p-db-1' ? '/run/tscompose/netns/1' : undefined) };
  assert.equal(joinPath({ kind: 'service', target: 'db' }, lookup), '/run/tscompose/netns/1');
  assert.equal(joinPath({ kind: 'container', target: 'p-db-1' }, lookup), '/run/tscompose/netns/1');
  assert.equal(joinPath({ kind: 'container', target: '4242' }, lookup), '/proc/4242/ns/net');
  assert.throws(() => joinPath({ kind: 'service', target: 'web' }, lookup), /service:web.*no container/);
  assert.equal(joinPath({ kind: 'none' }, lookup), undefined);
});
