import { test } from 'node:test';
import assert from 'node:assert/strict';
import { fileURLToPath } from 'node:url';
import { join } from 'node:path';
import { loadProject } from '../../../schema/load.ts';
import { compileRules } from '../../../executor/watch/rules.ts';
import { stackFilesOf } from '../../../executor/watch/session.ts';

const dir = fileURLToPath(new URL('../../../examples/stacks/dev-watch/', import.meta.url));

test('the dev-watch example loads and its watch rules compile with paths and targets resolved', async () => {
  const project = await loadProject({ files: [join(dir, 'compose.yaml')], projectDirectory: dir, env: {} });
  const rules = compileRules(project);
  assert.deepEqual(rules.map((r) => [r.service, r.action, r.path, r.target, r.initialSync]), [
    ['web', 'sync', join(dir, 'site'), '/www', true],
    ['api', 'sync+restart', join(dir, 'config'), '/etc/app', true],
    ['worker', 'sync+exec', join(dir, 'hooks'), '/hooks', false],
  ]);
  const web = rules[0]!;
  assert.equal(web.accepts(join(dir, 'site/index.html'), false), true);
  assert.equal(web.accepts(join(dir, 'site/page.tmp'), false), false);
  assert.equal(web.accepts(join(dir, 'site/drafts/next.html'), false), false);
  assert.deepEqual(rules[2]!.exec?.command, ['sh', '-c', 'echo reloaded: $(ls /hooks | wc -l) hook files']);
  assert.ok(stackFilesOf(project).includes(join(dir, 'compose.yaml')));
});
