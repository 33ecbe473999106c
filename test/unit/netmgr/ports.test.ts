import { test } from 'node:test';
import assert from 'node:assert/strict';
import { wantedPorts, formatBinding } from '../../../netmgr/ports.ts';
import { NetError } from '../../../netmgr/errors.ts';

test('published ports: host ip defaults to every address, a range becomes candidates, none means random', () => {
  assert.deepEqual(wantedPorts('web', [
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 53, published: '5300-5302', protocol: 'udp' },
    { mode: 'ingress', target: 9000, protocol: 'tcp' },
  ]), [
    { protocol: 'tcp', hostIp: '0.0.0.0', hostPorts: [8080], containerPort: 80 },
    { protocol: 'udp', hostIp: '127.0.0.1', hostPorts: [5300, 5301, 5302], containerPort: 53 },
    { protocol: 'tcp', hostIp: '0.0.0.0', hostPorts: [], containerPort: 9000 },
  ]);
});

test('published ports refuse sctp, IPv6 host addresses and bad ranges, naming the service', () => {
  const bad = (p: Parameters<typeof wantedPorts>[1][number], re: RegExp) =>
    assert.throws(() => wantedPorts('api', [p]), (e: unknown) => e instanceof NetError && re.test(e.message) && e.message.includes('"api"'));
  bad({ mode: 'ingress', target: 1, published: '1', protocol: 'sctp' }, /only tcp and udp/);
  bad({ mode: 'ingress', host_ip: '::1', target: 1, published: '1', protocol: 'tcp' }, /IPv6/);
  bad({ mode: 'ingress', target: 1, published: '90-80', protocol: 'tcp' }, /Invalid published port "90-80"/);
  bad({ mode: 'ingress', target: 1, published: '70000', protocol: 'tcp' }, /Invalid published port/);
});

test('bindings print like docker ps', () => {
  assert.equal(formatBinding({ protocol: 'udp', hostIp: '127.0.0.1', hostPort: 5353, containerIp: '10.0.0.2', containerPort: 53 }), '127.0.0.1:5353->53/udp');
});
