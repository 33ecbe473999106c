// Intent: `down --rmi local|all` removes the project's images after its containers, as docker
// compose does: `local` only the images named after the project (`<project>-<service>`, what
// `build:` makes for a service without `image:`), `all` every image its services use; an image
// another project's container still uses is kept with "Resource is still in use". Also checks the
// plain progress lines compose prints: "Network X  Removed" and "Container <name>  Waiting".
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { busyboxRootfsDir } from '../helpers/images.ts';
import { e2eEnv } from './cli.ts';

const e = e2eEnv('rmi');
const stack = `${e.dir}/stack`;
const other = `${e.dir}/other`;
mkdirSync(`${stack}/app`, { recursive: true });
mkdirSync(other, { recursive: true });
writeFileSync(`${stack}/app/Dockerfile`, 'FROM tscompose-test/busybox:latest\n');
writeFileSync(`${stack}/compose.yaml`, `
services:
  web:
    image: tscompose-test/busybox:latest
    command: ["sh", "-c", "touch /ok; exec sleep 1000"]
    healthcheck: { test: ["CMD", "test", "-f", "/ok"], interval: 200ms, retries: 50 }
  app:
    build: ./app
    command: ["sleep", "1000"]
    depends_on:
      web: { condition: service_healthy }
`);
writeFileSync(`${other}/compose.yaml`, `
services:
  keep:
    image: tscompose-test/busybox:latest
    command: ["sleep", "1000"]
`);
after(() => {
  const left = [...e.teardown(other), ...e.teardown(stack)];
  e.cleanup();
  assert.deepEqual(left, []);
});

function tsc(args: string[], cwd = stack) {
  const r = e.tsc(args, { cwd, timeoutMs: 60_000 });
  assert.notEqual(r.code, -1, `tscompose ${args.join(' ')} did not finish\n${r.stdout}${r.stderr}`);
  return r;
}
const imageRefs = () => (JSON.parse(tsc(['images', '--format', 'json']).stdout) as { refs: string[] }[]).flatMap((i) => i.refs).sort();
/**
 * A local image named as `build:` names it, made without a build (this test is about down, not
 * build); its own layer (busybox + a file), so that it is not "in use" by a busybox container.
 */
function fakeBuild(project: string) {
  const root = `${e.dir}/app-rootfs`;
  if (!existsSync(root)) cpSync(busyboxRootfsDir(), root, { recursive: true, verbatimSymlinks: true });
  writeFileSync(`${root}/built`, 'app\n');
  const r = tsc(['image', 'import', root, `${project}-app`, '-c', 'CMD ["sh"]']);
  assert.equal(r.code, 0, r.stderr);
}

test('down --rmi local removes only the project-named images; --rmi all every image, keeping one still in use', () => {
  const p = e.project;
  fakeBuild(p);
  const up = tsc(['-p', p, 'up', '-d', '--wait']);
  assert.equal(up.code, 0, up.stdout + up.stderr);
  // Compose names the dependency's container in its Waiting/Healthy lines, not the service.
  assert.match(up.stdout + up.stderr, new RegExp(`Container ${p}-web-1  (Waiting|Healthy)`));
  assert.doesNotMatch(up.stdout + up.stderr, /Container web  Waiting/);
  assert.ok(imageRefs().some((r) => r === `${p}-app:latest`));

  const bad = tsc(['-p', p, 'down', '--rmi', 'some']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid --rmi value "some"/);
  assert.equal(JSON.parse(tsc(['-p', p, 'ps', '--format', 'json']).stdout).length, 2, 'a bad --rmi removes nothing');

  const local = tsc(['-p', p, 'down', '-t', '0', '--rmi', 'local']);
  assert.equal(local.code, 0, local.stderr);
  const out = local.stdout + local.stderr;
  assert.match(out, new RegExp(`Image ${p}-app  Removing\\n[^]* Image ${p}-app  Removed`));
  assert.match(out, new RegExp(`Network ${p}_default  Removing\\n[^]* Network ${p}_default  Removed`));
  // The image was removed only once its container was gone.
  assert.ok(out.indexOf(`Container ${p}-app-1  Removed`) < out.indexOf(`Image ${p}-app  Removing`), out);
  assert.doesNotMatch(out, /Image tscompose-test\/busybox/);
  assert.deepEqual(imageRefs(), ['tscompose-test/busybox:latest']);

  // Another project's running container keeps busybox in use.
  const q = `${p}o`;
  assert.equal(tsc(['-p', q, 'up', '-d'], other).code, 0);
  fakeBuild(p);
  assert.equal(tsc(['-p', p, 'up', '-d']).code, 0);
  const all = tsc(['-p', p, 'down', '-t', '0', '--rmi', 'all']);
  assert.equal(all.code, 0, all.stderr);
  const out2 = all.stdout + all.stderr;
  assert.match(out2, new RegExp(`Image ${p}-app  Removed`));
  assert.match(out2, /Image tscompose-test\/busybox:latest {2}Resource is still in use \(image tscompose-test\/busybox:latest is used by container [0-9a-f]{12}\)/);
  assert.deepEqual(imageRefs(), ['tscompose-test/busybox:latest']);

  // Without the stack file (-p only) the journal still knows which images the containers used.
  const last = tsc(['-p', q, 'down', '-t', '0', '--rmi', 'all'], e.dir);
  assert.equal(last.code, 0, last.stderr);
  assert.match(last.stdout + last.stderr, /Image tscompose-test\/busybox:latest {2}Removed/);
  assert.deepEqual(imageRefs(), []);
  // Nothing to remove is a warning, not a failure.
  const again = tsc(['-p', p, 'down', '--rmi', 'all']);
  assert.equal(again.code, 0, again.stderr);
});
