import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadSnippet, problemsOf, stack } from './stack.ts';
import { parsePort } from '../../../schema/rules/shorthand.ts';

test('short port syntax expands to the long form with compose defaults', () => {
  const p = loadSnippet(`
services:
  web:
    image: nginx
    ports:
      - "8080:80"
      - "127.0.0.1:8443:443/tcp"
      - "53:53/udp"
      - 9000
      - "[::1]:6000:6000"
`);
  assert.deepEqual(p.services.web!.ports, [
    { mode: 'ingress', target: 80, published: '8080', protocol: 'tcp' },
    { mode: 'ingress', host_ip: '127.0.0.1', target: 443, published: '8443', protocol: 'tcp' },
    { mode: 'ingress', target: 53, published: '53', protocol: 'udp' },
    { mode: 'ingress', target: 9000, protocol: 'tcp' },
    { mode: 'ingress', host_ip: '::1', target: 6000, published: '6000', protocol: 'tcp' },
  ]);
});

test('a port range maps one to one, a host range for one target stays a range', () => {
  const p = loadSnippet(`
services:
  web:
    image: nginx
    ports: ["8000-8002:9000-9002", "7000-7010:80"]
`);
  assert.deepEqual(p.services.web!.ports!.map((x) => `${x.published}->${x.target}`), ['8000->9000', '8001->9001', '8002->9002', '7000-7010->80']);
});

test('long port syntax gets mode and protocol defaults and a string published port', () => {
  const p = loadSnippet(`
services:
  web:
    image: nginx
    ports:
      - target: 80
        published: 8080
        host_ip: 127.0.0.1
      - {target: "53", protocol: udp, mode: host}
`);
  assert.deepEqual(p.services.web!.ports, [
    { target: 80, published: '8080', host_ip: '127.0.0.1', mode: 'ingress', protocol: 'tcp' },
    { target: 53, protocol: 'udp', mode: 'host' },
  ]);
});

test('interpolated ports are parsed after interpolation', () => {
  const p = loadSnippet(`
services:
  web:
    image: nginx
    ports: ["\${HOST_PORT:-8080}:80"]
`);
  assert.equal(p.services.web!.ports![0]!.published, '8080');
});

test('bad port syntax is reported with its position, every bad entry at once', () => {
  const s = stack({ 'compose.yaml': 'services:\n  web:\n    image: nginx\n    ports:\n      - "80:80:80:80"\n      - "abc"\n      - "1-3:4-5"\n' });
  try {
    const probs = problemsOf(() => s.load());
    assert.deepEqual(probs.map((p) => [p.keyPath, p.origin?.line]), [
      ['services.web.ports[0]', 5], ['services.web.ports[1]', 6], ['services.web.ports[2]', 7],
    ]);
    assert.match(probs[1]!.message, /invalid port "abc"/);
  } finally {
    s.cleanup();
  }
});

test('merging files keeps one port per host_ip:published:target/protocol', () => {
  const s = stack({
    'compose.yaml': 'services:\n  web:\n    image: nginx\n    ports: ["8080:80", "9090:90"]\n',
    'compose.override.yaml': 'services:\n  web:\n    ports: ["8080:80", "7070:70"]\n',
  });
  try {
    assert.deepEqual(s.load().services.web!.ports!.map((p) => p.target), [80, 90, 70]);
  } finally {
    s.cleanup();
  }
});

test('parsePort rejects unknown protocols and port 0', () => {
  assert.ok(!Array.isArray(parsePort('80/xyz')));
  assert.ok(!Array.isArray(parsePort('8080:0')));
  assert.ok(Array.isArray(parsePort('8080:80/sctp')));
});

test('a port written twice in one file is one port', () => {
  const p = loadSnippet('services:\n  web:\n    image: nginx\n    ports: ["8080:80", "8080:80", "9090:90"]\n');
  assert.deepEqual(p.services.web!.ports!.map((x) => x.published), ['8080', '9090']);
});
