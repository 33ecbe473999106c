import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet } from './stack.ts';
import { renderConfig } from '../../../schema/config-output.ts';

test('command and entrypoint strings are split like a shell; lists stay; null means unset', () => {
  const p = loadSnippet(`
services:
  a: {image: x, command: "sh -c 'echo \\"hi there\\"' two\\\\ words", entrypoint: [/bin/tini, --]}
  b: {image: x, command: null}
`);
  assert.deepEqual(p.services.a!.command, ['sh', '-c', 'echo "hi there"', 'two words']);
  assert.deepEqual(p.services.a!.entrypoint, ['/bin/tini', '--']);
  assert.equal(p.services.b!.command, undefined);
});

test('extra_hosts: list with ":" or "=", or mapping; printed as sorted host=ip', () => {
  const p = loadSnippet(`
services:
  a: {image: x, extra_hosts: ["db:10.0.0.2", "v6=::1", "host.docker.internal:host-gateway"]}
  b: {image: x, extra_hosts: {db: 10.0.0.2, multi: [10.0.0.3, 10.0.0.4]}}
`);
  assert.deepEqual(p.services.a!.extra_hosts, { db: ['10.0.0.2'], v6: ['::1'], 'host.docker.internal': ['host-gateway'] });
  assert.deepEqual(p.services.b!.extra_hosts, { db: ['10.0.0.2'], multi: ['10.0.0.3', '10.0.0.4'] });
  assert.match(renderConfig(p), /extra_hosts:\n\s+- db=10\.0\.0\.2\n\s+- host\.docker\.internal=host-gateway\n\s+- v6=::1/);
});

test('devices, tmpfs, dns, sysctls, expose and booleans take their long forms', () => {
  const p = loadSnippet(`
services:
  a:
    image: x
    devices: ["/dev/fuse", "/dev/sda:/dev/xvda:r"]
    tmpfs: /run
    dns: 1.1.1.1
    sysctls: [net.core.somaxconn=1024]
    expose: [3000, "4000/udp"]
    init: "true"
    read_only: yes
    tty: false
`);
  const a = p.services.a!;
  assert.deepEqual(a.devices, [{ source: '/dev/fuse', target: '/dev/fuse', permissions: 'rwm' }, { source: '/dev/sda', target: '/dev/xvda', permissions: 'r' }]);
  assert.deepEqual(a.tmpfs, ['/run']);
  assert.deepEqual(a.dns, ['1.1.1.1']);
  assert.deepEqual(a.sysctls, { 'net.core.somaxconn': '1024' });
  assert.deepEqual(a.expose, ['3000', '4000/udp']);
  assert.equal(a.init, true);
  assert.equal(a.read_only, true);
  assert.equal(a.tty, false);
});

test('x- extensions are kept at the top and in services, and printed back', () => {
  const p = loadSnippet('x-owner: team-a\nservices:\n  a:\n    image: x\n    x-note: {why: test}\n');
  assert.deepEqual(p.extensions, { 'x-owner': 'team-a' });
  assert.deepEqual(p.services.a!.extensions, { 'x-note': { why: 'test' } });
  const out = renderConfig(p);
  assert.match(out, /x-note:\n\s+why: test/);
  assert.match(out, /^x-owner: team-a$/m);
});

test('config output starts with name and orders service keys like compose', () => {
  const out = renderConfig(loadSnippet('name: demo\nservices:\n  z: {image: x, ports: ["80"], environment: {B: "1", A: "2"}, command: run}\n  a: {image: y}\n'));
  const lines = out.split('\n');
  assert.equal(lines[0], 'name: demo');
  assert.equal(lines[1], 'services:');
  assert.equal(lines[2], '  a:');
  const z = out.slice(out.indexOf('  z:'));
  const order = ['command:', 'environment:', 'image:', 'networks:', 'ports:'].map((k) => z.indexOf(k));
  assert.deepEqual([...order].sort((x, y) => x - y), order);
  assert.ok(z.indexOf('A: "2"') < z.indexOf('B: "1"'), 'environment keys are sorted');
});

test('pull_policy if_not_present is normalized to missing', () => {
  assert.equal(loadSnippet('services:\n  a: {image: x, pull_policy: if_not_present}\n').services.a!.pull_policy, 'missing');
});
