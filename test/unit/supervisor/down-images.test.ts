import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseRmi, usedImages, imagesToRemove, removeImages } from '../../../executor/supervisor/down-images.ts';
import { ImageError } from '../../../executor/image/errors.ts';
import { TscError } from '../../../schema/errors.ts';
import { project, service } from './fakes.ts';
import type { ProjectEvent } from '../../../executor/supervisor/events.ts';

test('--rmi accepts local and all only', () => {
  assert.equal(parseRmi(undefined), undefined);
  assert.equal(parseRmi('local'), 'local');
  assert.equal(parseRmi('all'), 'all');
  assert.throws(() => parseRmi('some'), (e) => e instanceof TscError && e.code === 'USAGE' && /"some"/.test(e.message));
});

test('local = the <project>-<service> images of services that build without image:, all = every image used', () => {
  const p = project('demo', {
    web: service({ image: 'nginx:1' }),
    App: service({ image: undefined, build: { context: '.' } } as never),
    tagged: service({ image: 'me/tagged:2', build: { context: '.' } } as never),
  });
  // The journal adds images of containers whose services left the stack file.
  const used = usedImages('demo', p, [{ service: 'old', image: 'redis:7' }, { service: 'gone', image: 'demo-gone:latest' }, { service: 'web', image: 'nginx:1' }]);
  assert.deepEqual(imagesToRemove('local', used), ['demo-app', 'demo-gone:latest']);
  assert.deepEqual(imagesToRemove('all', used), ['demo-app', 'demo-gone:latest', 'me/tagged:2', 'nginx:1', 'redis:7']);
  // Without the stack file: the journal alone.
  assert.deepEqual(imagesToRemove('local', usedImages('demo', undefined, [{ service: 'app', image: 'demo-app' }, { service: 'web', image: 'nginx:1' }])), ['demo-app']);
});

test('removeImages reports removed, kept (in use) and missing images, and throws the first other error after trying all', async () => {
  const events: Omit<ProjectEvent, 'time'>[] = [];
  const store = {
    async remove(ref: string) {
      if (ref === 'used') throw new ImageError('IMAGE_IN_USE', 'image used is used by container abc', { ref });
      if (ref === 'gone') throw new ImageError('IMAGE_NOT_FOUND', 'no such image', { ref });
      if (ref === 'broken') throw new TscError('EIO', 'disk');
      return [ref];
    },
  };
  await assert.rejects(removeImages(store, ['a', 'used', 'gone', 'broken', 'b'], (e) => events.push(e)), /disk/);
  assert.deepEqual(events.filter((e) => e.action !== 'image-remove').map((e) => `${e.name} ${e.action}`),
    ['a image-removed', 'used image-kept', 'gone image-missing', 'broken error', 'b image-removed']);
  assert.match(events.find((e) => e.action === 'image-kept')!.detail!, /used by container abc/);
});
