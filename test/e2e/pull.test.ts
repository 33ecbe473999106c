// Intent: `up` pulls from a real registry (docker-registry on 127.0.0.1) by each service's
// pull_policy or the `--pull` flag, before planning, so an image that changed upstream recreates
// its containers and an unchanged one keeps them: `missing` pulls only what is absent, `always`
// pulls every time, `never` refuses a missing image with a clear error, a failed pull names the
// image and service and leaves the running stack alone.
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { umociLayout } from '../helpers/images.ts';
import { startRegistry, type TestRegistry } from '../helpers/registry.ts';
import { e2eEnv } from './cli.ts';

const e = e2eEnv('pull');
const stack = `${e.dir}/stack`;
mkdirSync(`${stack}/app`, { recursive: true });
writeFileSync(`${stack}/app/Dockerfile`, 'FROM tscompose-test/busybox:latest\n');
writeFileSync(`${stack}/compose.yaml`, `
services:
  app:
    image: \${REG}/team/app:latest
    command: ["sleep", "1000"]
  fresh:
    image: \${REG}/team/fresh:latest
    pull_policy: always
    command: ["sleep", "1000"]
  ticker:
    image: \${REG}/team/ticker:latest
    pull_policy: every_8s
    profiles: [ticker]
    command: ["sleep", "1000"]
  built:
    build: ./app
    profiles: [built]
    command: ["sleep", "1000"]
  absent:
    image: \${REG}/team/absent:latest
    profiles: [absent]
    command: ["sleep", "1000"]
`);
let reg: TestRegistry;
let env: Record<string, string>;
before(async () => {
  reg = await startRegistry(`${e.dir}/registry`);
  env = { REG: reg.host };
  umociLayout(`${e.dir}/oci`, 'v1');
  umociLayout(`${e.dir}/oci2`, 'v2', { secondLayer: true });
  for (const n of ['app', 'fresh']) reg.push(`${e.dir}/oci`, 'v1', `team/${n}:latest`);
});
after(async () => {
  await reg?.stop();
  const left = e.teardown(stack);
  e.cleanup();
  assert.deepEqual(left, []);
});

function tsc(args: string[]) {
  const r = e.tsc(['-p', e.project, ...args], { cwd: stack, env, timeoutMs: 90_000 });
  assert.notEqual(r.code, -1, `tscompose ${args.join(' ')} did not finish\n${r.stdout}${r.stderr}`);
  return { ...r, out: r.stdout + r.stderr };
}
const ids = () => Object.fromEntries((JSON.parse(tsc(['ps', '--format', 'json']).stdout) as { Service: string; ID: string }[]).map((r) => [r.Service, r.ID]));
const pulling = (out: string, svc: string) => new RegExp(`Image ${reg.host.replace(/\./g, '\\.')}/team/${svc}:latest {2}Pulling`).test(out);
const hasExtra = (svc: string) => tsc(['exec', '-T', svc, 'cat', '/extra/hello.txt']).stdout.trim() === 'second layer';

test('pull_policy and --pull decide what up pulls; a changed image recreates its containers, an unchanged one keeps them', () => {
  const bad = tsc(['up', '-d', '--pull', 'sometimes']);
  assert.notEqual(bad.code, 0);
  assert.match(bad.stderr, /invalid --pull value "sometimes"/);

  // missing (default) and always both pull what is absent.
  const first = tsc(['up', '-d']);
  assert.equal(first.code, 0, first.out);
  assert.ok(pulling(first.out, 'app') && pulling(first.out, 'fresh'), first.out);
  assert.match(first.out, new RegExp(`Image ${reg.host.replace(/\./g, '\\.')}/team/app:latest {2}Pulled`));
  const v1 = ids();
  assert.equal(hasExtra('app'), false);

  // Upstream moves on: both tags now point at v2.
  for (const n of ['app', 'fresh']) reg.push(`${e.dir}/oci2`, 'v2', `team/${n}:latest`);
  const second = tsc(['up', '-d']);
  assert.equal(second.code, 0, second.out);
  assert.equal(pulling(second.out, 'app'), false, 'missing: a present image is not pulled');
  assert.ok(pulling(second.out, 'fresh'), 'pull_policy: always pulls every up');
  let now = ids();
  assert.equal(now.app, v1.app, 'app kept: its image did not change here');
  assert.notEqual(now.fresh, v1.fresh, 'fresh recreated on its new image');
  assert.ok(hasExtra('fresh'));

  // --pull always overrides every service's policy.
  const third = tsc(['up', '-d', '--pull', 'always']);
  assert.equal(third.code, 0, third.out);
  assert.ok(pulling(third.out, 'app'), third.out);
  const after = ids();
  assert.notEqual(after.app, now.app, 'app recreated on the image --pull always fetched');
  assert.equal(after.fresh, now.fresh, 'fresh pulled again, same digest: kept');
  assert.ok(hasExtra('app'));

  // --pull never: nothing is pulled, a present image is used, and nothing is recreated.
  const fourth = tsc(['up', '-d', '--pull', 'never']);
  assert.equal(fourth.code, 0, fourth.out);
  assert.doesNotMatch(fourth.out, /Pulling/);
  now = ids();
  assert.deepEqual(now, after);

  // --pull never on an image that is not here: a clear error, nothing created.
  const never = tsc(['--profile', 'absent', 'up', '-d', '--pull', 'never', 'absent']);
  assert.notEqual(never.code, 0);
  assert.match(never.out, /team\/absent:latest of service "absent" is not in the local store and its pull_policy is never/);
  assert.equal(ids().absent, undefined);
});

test('run --pull: never refuses a missing image, always fetches the tag\'s current image for the one-off container', () => {
  const never = tsc(['--profile', 'absent', 'run', '--rm', '--pull', 'never', 'absent', 'true']);
  assert.notEqual(never.code, 0);
  assert.match(never.out, /team\/absent:latest/);
  reg.push(`${e.dir}/oci`, 'v1', 'team/app:latest'); // the tag moves back to v1 upstream
  const r = tsc(['run', '--rm', '-T', '--pull', 'always', 'app', 'sh', '-c', 'test -e /extra/hello.txt && echo v2 || echo v1']);
  assert.equal(r.code, 0, r.out);
  assert.equal(r.stdout.trim(), 'v1');
});

test('pull_policy every_8s pulls again only once the last pull is older than 8 s', async () => {
  reg.push(`${e.dir}/oci`, 'v1', 'team/ticker:latest');
  const up = () => tsc(['--profile', 'ticker', 'up', '-d', 'ticker']);
  let r = up();
  assert.equal(r.code, 0, r.out);
  assert.ok(pulling(r.out, 'ticker'), r.out);
  const first = ids().ticker;
  reg.push(`${e.dir}/oci2`, 'v2', 'team/ticker:latest');
  r = up();
  assert.equal(pulling(r.out, 'ticker'), false, `pulled again within 8 s:\n${r.out}`);
  assert.equal(ids().ticker, first);
  await new Promise((res) => setTimeout(res, 8500));
  r = up();
  assert.ok(pulling(r.out, 'ticker'), r.out);
  assert.notEqual(ids().ticker, first, 'recreated on the refreshed image');
  assert.ok(hasExtra('ticker'));
  assert.equal(tsc(['--profile', 'ticker', 'rm', '-s', '-f', 'ticker']).code, 0);
});

test('--pull always never pulls the image of a service that builds it: the build makes it', () => {
  const r = tsc(['--profile', 'built', 'up', '-d', '--pull', 'always', 'built']);
  assert.equal(r.code, 0, r.out);
  assert.doesNotMatch(r.out, /Image .*built.* {2}Pulling|registry-1\.docker\.io/);
  assert.ok(ids().built);
  assert.equal(tsc(['--profile', 'built', 'rm', '-s', '-f', 'built']).code, 0);
});

test('a failed pull names the image and the service and leaves the running stack alone', async () => {
  const before = ids();
  await reg.stop();
  const r = tsc(['up', '-d', '--pull', 'always']);
  assert.notEqual(r.code, 0);
  assert.match(r.out, /Pulling .*team\/(app|fresh):latest for service "(app|fresh)" failed/);
  assert.deepEqual(ids(), before);
  assert.equal(tsc(['down', '-t', '0']).code, 0);
  assert.equal(existsSync(`${e.run}/${e.project}/state.json`), false);
});
