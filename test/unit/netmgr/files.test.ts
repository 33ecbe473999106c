import { test } from 'node:test';
import assert from 'node:assert/strict';
import { hostsFile, hostnameFile } from '../../../netmgr/hosts.ts';
import { resolvConf, nameservers } from '../../../netmgr/resolv.ts';

test('/etc/hosts has localhost entries, the own address with hostname and names, and extra_hosts with host-gateway resolved', () => {
  const text = hostsFile({
    hostname: 'web', domainname: 'example.test', address: '10.89.0.2', names: ['p-web-1', 'web'],
    extraHosts: { 'db.local': ['10.0.0.9'], 'host.docker.internal': ['host-gateway'] }, hostGateway: '10.89.0.1',
  });
  const lines = text.trimEnd().split('\n');
  assert.equal(lines[0], '127.0.0.1\tlocalhost');
  assert.ok(lines.includes('::1\tlocalhost ip6-localhost ip6-loopback'));
  assert.ok(lines.includes('10.89.0.2\tweb.example.test web p-web-1'));
  assert.ok(lines.includes('10.0.0.9\tdb.local'));
  assert.ok(lines.includes('10.89.0.1\thost.docker.internal'));
});

test('/etc/hosts without a network maps the hostname to 127.0.1.1', () => {
  assert.match(hostsFile({ hostname: 'solo' }), /^127\.0\.1\.1\tsolo$/m);
  assert.equal(hostnameFile('solo'), 'solo\n');
});

test('resolv.conf points at our DNS and keeps dns_search and dns_opt', () => {
  assert.equal(resolvConf({ embedded: '10.89.0.1', dns: ['9.9.9.9'], dnsSearch: ['svc.test'], dnsOpt: ['ndots:2', 'timeout:1'] }),
    'nameserver 10.89.0.1\nsearch svc.test\noptions ndots:2 timeout:1\n');
});

test('resolv.conf without our DNS uses dns: servers, else the host file, whose search/options the service overrides', () => {
  assert.equal(resolvConf({ dns: ['1.1.1.1', '8.8.8.8'] }), 'nameserver 1.1.1.1\nnameserver 8.8.8.8\n');
  const host = '# generated\nnameserver 192.0.2.53\nsearch corp.test\noptions edns0\n';
  assert.equal(resolvConf({ hostResolv: host }), 'nameserver 192.0.2.53\nsearch corp.test\noptions edns0\n');
  assert.equal(resolvConf({ hostResolv: host, dnsSearch: ['mine.test'] }), 'nameserver 192.0.2.53\noptions edns0\nsearch mine.test\n');
  assert.deepEqual(nameservers(host), ['192.0.2.53']);
});
