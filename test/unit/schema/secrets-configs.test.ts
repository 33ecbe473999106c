import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { stack, loadSnippet } from './stack.ts';
import { renderConfig } from '../../../schema/config-output.ts';

test('secrets and configs: short and long references, file paths absolute, scoped names', () => {
  const s = stack({ 'compose.yaml': `
name: app
services:
  a:
    image: x
    secrets:
      - db_password
      - source: api_key
        target: /run/keys/api
        uid: "1000"
        mode: 0440
    configs: [nginx_conf]
secrets:
  db_password: {file: ./secrets/db.txt}
  api_key: {environment: API_KEY}
configs:
  nginx_conf: {content: "server {}"}
` });
  try {
    const p = s.load();
    assert.deepEqual(p.services.a!.secrets, [{ source: 'db_password', target: '/run/secrets/db_password' }, { source: 'api_key', target: '/run/keys/api', uid: '1000', mode: 0o440 }]);
    assert.deepEqual(p.services.a!.configs, [{ source: 'nginx_conf' }]);
    assert.deepEqual(p.secrets.db_password, { file: join(s.dir, 'secrets/db.txt'), name: 'app_db_password' });
    assert.deepEqual(p.configs.nginx_conf, { content: 'server {}', name: 'app_nginx_conf' });
  } finally {
    s.cleanup();
  }
});

test('config prints file modes in octal', () => {
  const out = renderConfig(loadSnippet('services:\n  a:\n    image: x\n    secrets: [{source: s, mode: 0400}]\nsecrets:\n  s: {file: ./s}\n'));
  assert.match(out, /mode: "0400"/);
});

test('a reference to an undefined secret or config is an error', () => {
  assert.throws(() => loadSnippet('services:\n  a: {image: x, secrets: [nope]}\n'), /undefined secret "nope"/);
  assert.throws(() => loadSnippet('services:\n  a: {image: x, configs: [nope]}\n'), /undefined config "nope"/);
});
