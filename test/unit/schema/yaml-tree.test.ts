import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseYaml, Tagged } from '../../../schema/yaml-tree.ts';

test('every key and list item records its file, line and column', () => {
  const { parsed } = parseYaml('services:\n  web:\n    image: nginx\n    ports:\n      - "80:80"\n', 'c.yaml');
  assert.deepEqual(parsed!.origins.get('services.web.image'), { file: 'c.yaml', line: 3, col: 5 });
  assert.deepEqual(parsed!.origins.get('services.web.ports[0]'), { file: 'c.yaml', line: 5, col: 9 });
});

test('anchors, aliases and << merge keys resolve; explicit keys beat merged ones', () => {
  const { parsed } = parseYaml(`
x-base: &base
  restart: always
  environment: {A: "1"}
x-more: &more
  restart: "no"
  user: app
services:
  a:
    <<: [*base, *more]
    image: x
  b:
    <<: *base
    restart: on-failure
`, 'c.yaml');
  const s = parsed!.tree.services as Record<string, Record<string, unknown>>;
  assert.deepEqual(s.a, { restart: 'always', environment: { A: '1' }, user: 'app', image: 'x' });
  assert.equal(s.b!.restart, 'on-failure');
});

test('!reset and !override are kept as markers for the merge', () => {
  const { parsed } = parseYaml('services:\n  a:\n    ports: !reset []\n    command: !override [x]\n', 'c.yaml');
  const a = (parsed!.tree.services as Record<string, Record<string, unknown>>).a!;
  assert.ok(a.ports instanceof Tagged && a.ports.tag === 'reset');
  assert.ok(a.command instanceof Tagged && a.command.tag === 'override');
  assert.deepEqual((a.command as Tagged).value, ['x']);
});

test('YAML 1.2: yes/no/on stay strings; 0755 is octal as in compose', () => {
  const { parsed } = parseYaml('a: yes\nb: on\nc: 0755\nd: 0o17\ne: 12\n', 'c.yaml');
  assert.deepEqual(parsed!.tree, { a: 'yes', b: 'on', c: 0o755, d: 0o17, e: 12 });
});

test('a YAML syntax error is reported at its line and column', () => {
  const { parsed, problems } = parseYaml('services:\n  a:\n    image: x\n   bad: [\n', 'c.yaml');
  assert.equal(parsed, undefined);
  assert.equal(problems[0]!.origin!.line, 4);
});

test('duplicate keys and unknown aliases are errors', () => {
  assert.ok(parseYaml('a: 1\na: 2\n', 'c.yaml').problems.length > 0);
  assert.ok(parseYaml('a: *nope\n', 'c.yaml').problems.length > 0);
});
