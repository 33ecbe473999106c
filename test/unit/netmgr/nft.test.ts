import { test } from 'node:test';
import assert from 'node:assert/strict';
import { addNetworkScript, createTableScript, parseTable, publishScript, removeNetworkScript, savedForwardOf, tableComment, unpublishScript } from '../../../netmgr/nft.ts';

test('the table records the ip_forward value to restore, and it can be read back from `nft list` text', () => {
  const script = createTableScript('0');
  assert.match(script, /^add table inet tscompose \{ comment "tscompose networks; restore net\.ipv4\.ip_forward=0"; \}/);
  assert.equal(savedForwardOf(`table inet tscompose {\n\tcomment "${tableComment('1')}"\n}`), '1');
  assert.equal(savedForwardOf('table inet other {}'), undefined);
});

test('the table hooks forward and nat through verdict maps keyed by interface, so networks never need rule handles', () => {
  const s = createTableScript('0');
  assert.match(s, /add rule inet tscompose forward iifname vmap @from_net/);
  assert.match(s, /add rule inet tscompose forward oifname vmap @to_net/);
  assert.match(s, /add rule inet tscompose postrouting iifname vmap @nat_net/);
  assert.match(s, /add rule inet tscompose output fib daddr type local jump published/);
  // The jump target exists before any rule jumps to it (nft refuses a forward reference).
  assert.ok(s.indexOf('add chain inet tscompose published') < s.indexOf('jump published'));
});

test('a network gets accept-within, isolation from other bridges and masquerade; an internal one gets no masquerade and no way out', () => {
  const open = addNetworkScript({ bridge: 'tsc-aaaa0000', name: 'p_front', subnet: '10.89.0.0/24', internal: false });
  assert.match(open, /add rule inet tscompose from-tsc-aaaa0000 oifname "tsc-aaaa0000" accept\n/);
  assert.match(open, /add rule inet tscompose from-tsc-aaaa0000 oifname "tsc-\*" drop\n/);
  assert.match(open, /add rule inet tscompose nat-tsc-aaaa0000 oifname != "tsc-aaaa0000" masquerade\n/);
  assert.match(open, /add element inet tscompose from_net \{ "tsc-aaaa0000" : jump from-tsc-aaaa0000 \}/);
  const internal = addNetworkScript({ bridge: 'tsc-bbbb0000', name: 'p_back', subnet: '10.89.1.0/24', internal: true });
  assert.doesNotMatch(internal, /oifname != "tsc-bbbb0000" masquerade/);
  assert.match(internal, /from-tsc-bbbb0000 oifname "tsc-bbbb0000" accept\nadd rule inet tscompose from-tsc-bbbb0000 drop\n/);
  assert.match(internal, /add rule inet tscompose to-tsc-bbbb0000 drop\n/);
  const rm = removeNetworkScript('tsc-aaaa0000');
  assert.ok(rm.indexOf('delete element') < rm.indexOf('delete chain'), 'map elements go before the chains they jump to');
});

test('published ports become map elements: by address and port, or by port alone for 0.0.0.0', () => {
  const ports = [
    { protocol: 'tcp' as const, hostIp: '127.0.0.1', hostPort: 8080, containerIp: '10.89.0.2', containerPort: 80 },
    { protocol: 'udp' as const, hostIp: '0.0.0.0', hostPort: 5353, containerIp: '10.89.0.2', containerPort: 53 },
  ];
  assert.equal(publishScript(ports),
    'add element inet tscompose pub_tcp { 127.0.0.1 . 8080 : 10.89.0.2 . 80 }\nadd element inet tscompose pub_udp_any { 5353 : 10.89.0.2 . 53 }\n');
  assert.equal(unpublishScript(ports),
    'delete element inet tscompose pub_tcp { 127.0.0.1 . 8080 }\ndelete element inet tscompose pub_udp_any { 5353 }\n');
});

test('parseTable lists our bridges, chains and published ports from `nft -j` output', () => {
  const json = { nftables: [
    { metainfo: { version: '1.0.6' } },
    { table: { family: 'inet', name: 'tscompose' } },
    { map: { family: 'inet', table: 'tscompose', name: 'from_net', elem: [['tsc-bbbb0000', { jump: { target: 'from-tsc-bbbb0000' } }], ['tsc-aaaa0000', { jump: { target: 'from-tsc-aaaa0000' } }]] } },
    { map: { family: 'inet', table: 'tscompose', name: 'pub_tcp', elem: [[{ concat: ['127.0.0.1', 8080] }, { concat: ['10.89.0.2', 80] }]] } },
    { map: { family: 'inet', table: 'tscompose', name: 'pub_udp_any', elem: [[5353, { concat: ['10.89.0.2', 53] }]] } },
    { map: { family: 'inet', table: 'tscompose', name: 'to_net' } },
    { chain: { family: 'inet', table: 'tscompose', name: 'from-tsc-aaaa0000' } },
    { chain: { family: 'inet', table: 'other', name: 'from-tsc-cccc0000' } },
  ] };
  assert.deepEqual(parseTable(json), {
    bridges: ['tsc-aaaa0000', 'tsc-bbbb0000'],
    chains: ['from-tsc-aaaa0000'],
    published: ['pub_tcp 127.0.0.1 . 8080', 'pub_udp_any 5353'],
  });
  assert.deepEqual(parseTable(undefined), { bridges: [], chains: [], published: [] });
});
