import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { mkdirSync } from 'node:fs';
import { stack, problemsOf } from './stack.ts';
import { normalizeProjectName } from '../../../schema/discover.ts';

test('the default file is found in a parent directory, with its override file', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x}\n', 'compose.override.yaml': 'services:\n  a: {user: me}\n' });
  try {
    const deep = join(s.dir, 'src', 'lib');
    mkdirSync(deep, { recursive: true });
    const p = s.load({ cwd: deep });
    assert.deepEqual(p.files, [join(s.dir, 'compose.yaml'), join(s.dir, 'compose.override.yaml')]);
    assert.equal(p.working_dir, s.dir);
    assert.equal(p.services.a!.user, 'me');
  } finally {
    s.cleanup();
  }
});

test('compose.yaml wins over docker-compose.yml in the same directory', () => {
  const s = stack({ 'docker-compose.yml': 'services:\n  old: {image: x}\n', 'compose.yaml': 'services:\n  new: {image: x}\n' });
  try {
    assert.deepEqual(Object.keys(s.load().services), ['new']);
  } finally {
    s.cleanup();
  }
});

test('-f files merge in order; COMPOSE_FILE is used when no -f is given', () => {
  const s = stack({ 'a.yml': 'services:\n  s: {image: a}\n', 'b.yml': 'services:\n  s: {image: b}\n' });
  try {
    assert.equal(s.load({ files: ['a.yml', 'b.yml'] }).services.s!.image, 'b');
    assert.equal(s.load({ files: ['b.yml', 'a.yml'] }).services.s!.image, 'a');
    assert.equal(s.load({ env: { COMPOSE_FILE: 'b.yml:a.yml' } }).services.s!.image, 'a');
  } finally {
    s.cleanup();
  }
});

test('"-" reads the stack file from stdin, relative paths resolve against the working directory', () => {
  const s = stack({});
  try {
    const p = s.load({ files: ['-'], stdin: 'services:\n  a: {image: x, volumes: ["./d:/d"]}\n' });
    assert.equal(p.services.a!.volumes![0]!.source, join(s.dir, 'd'));
  } finally {
    s.cleanup();
  }
});

test('no stack file and a missing -f file are clear errors', () => {
  const s = stack({ 'x.txt': '' });
  try {
    assert.match(problemsOf(() => s.load({ cwd: '/' }))[0]!.message, /no stack file found/);
    assert.match(problemsOf(() => s.load({ files: ['nope.yaml'] }))[0]!.message, /nope\.yaml not found/);
  } finally {
    s.cleanup();
  }
});

test('project name: -p > COMPOSE_PROJECT_NAME > name: > directory', () => {
  const s = stack({ 'compose.yaml': 'name: from-file\nservices: {}\n', 'other/compose.yaml': 'services: {}\n' });
  try {
    assert.equal(s.load({ projectName: 'cli' }).name, 'cli');
    assert.equal(s.load({ env: { COMPOSE_PROJECT_NAME: 'env' } }).name, 'env');
    assert.equal(s.load().name, 'from-file');
    assert.equal(s.load({ cwd: join(s.dir, 'other') }).name, 'other');
  } finally {
    s.cleanup();
  }
});

test('an invalid explicit project name is an error; a directory name is normalized', () => {
  const s = stack({ 'compose.yaml': 'services: {}\n' });
  try {
    assert.match(problemsOf(() => s.load({ projectName: 'My App' }))[0]!.message, /invalid project name "My App"/);
    assert.equal(normalizeProjectName('My.App_2'), 'myapp_2');
    assert.equal(normalizeProjectName('__x'), 'x');
  } finally {
    s.cleanup();
  }
});

test('.env feeds interpolation, the shell wins over it, --env-file replaces it', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: "img:${TAG}"}\n', '.env': 'TAG=dotenv\n', 'ci.env': 'TAG=ci\n' });
  try {
    assert.equal(s.load().services.a!.image, 'img:dotenv');
    assert.equal(s.load({ env: { TAG: 'shell' } }).services.a!.image, 'img:shell');
    assert.equal(s.load({ envFiles: ['ci.env'] }).services.a!.image, 'img:ci');
    assert.equal(s.load({ env: { COMPOSE_DISABLE_ENV_FILE: '1' } }).services.a!.image, 'img:');
  } finally {
    s.cleanup();
  }
});

test('.env can set COMPOSE_PROJECT_NAME and COMPOSE_PROFILES', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x, profiles: [p]}\n', '.env': 'COMPOSE_PROJECT_NAME=fromdotenv\nCOMPOSE_PROFILES=p\n' });
  try {
    const p = s.load();
    assert.equal(p.name, 'fromdotenv');
    assert.deepEqual(Object.keys(p.services), ['a']);
  } finally {
    s.cleanup();
  }
});

test('a missing variable warns once per name and becomes empty; --no-interpolate keeps the text', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: "x:${NOPE}", command: "echo ${NOPE}"}\n' });
  try {
    const warnings: string[] = [];
    const p = s.load({ onWarning: (w) => warnings.push(w) });
    assert.equal(p.services.a!.image, 'x:');
    assert.deepEqual(warnings, ['The "NOPE" variable is not set. Defaulting to a blank string.']);
    assert.equal(s.load({ interpolate: false }).services.a!.image, 'x:${NOPE}');
  } finally {
    s.cleanup();
  }
});

test('the obsolete version key is accepted with a warning', () => {
  const s = stack({ 'compose.yaml': 'version: "3.8"\nservices:\n  a: {image: x}\n' });
  try {
    const warnings: string[] = [];
    s.load({ onWarning: (w) => warnings.push(w) });
    assert.equal(warnings.length, 1);
    assert.match(warnings[0]!, /"version" is obsolete/);
  } finally {
    s.cleanup();
  }
});

test('--no-interpolate keeps values that cannot be parsed before interpolation', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a:\n    image: x\n    ports: ["${PORT}:80", "bad"]\n    mem_limit: ${MEM}\n' });
  try {
    assert.throws(() => s.load({ interpolate: false }), /invalid port "bad"/);
    const ok = stack({ 'compose.yaml': 'services:\n  a:\n    image: x\n    ports: ["${PORT}:80"]\n    mem_limit: ${MEM}\n' });
    try {
      const a = ok.load({ interpolate: false }).services.a!;
      assert.equal(a.mem_limit as unknown, '${MEM}');
    } finally {
      ok.cleanup();
    }
  } finally {
    s.cleanup();
  }
});

test('an empty stack file is an error', () => {
  const s = stack({ 'compose.yaml': '# nothing here\n' });
  try {
    assert.match(problemsOf(() => s.load())[0]!.message, /empty stack file/);
  } finally {
    s.cleanup();
  }
});

test('a malformed .env is reported at its line', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x}\n', '.env': 'GOOD=1\nBAD="unterminated\n' });
  try {
    const [p] = problemsOf(() => s.load());
    assert.equal(p!.origin!.file, join(s.dir, '.env'));
    assert.equal(p!.origin!.line, 2);
  } finally {
    s.cleanup();
  }
});

test('name: in the file is normalized, and ${COMPOSE_PROJECT_NAME} is the project name', () => {
  const s = stack({ 'compose.yaml': 'name: "My_Shop.${STAGE:-dev}"  # comment\nservices:\n  a: {image: x, container_name: "${COMPOSE_PROJECT_NAME}-a"}\n' });
  try {
    const p = s.load();
    assert.equal(p.name, 'my_shopdev');
    assert.equal(p.services.a!.container_name, 'my_shopdev-a');
    assert.equal(s.load({ projectName: 'cli' }).services.a!.container_name, 'cli-a');
  } finally {
    s.cleanup();
  }
});

test('${PWD} is the working directory when the shell does not set it', () => {
  const s = stack({ 'compose.yaml': 'services:\n  a: {image: x, working_dir: "${PWD}"}\n' });
  try {
    assert.equal(s.load().services.a!.working_dir, s.dir);
    assert.equal(s.load({ env: { PWD: '/elsewhere' } }).services.a!.working_dir, '/elsewhere');
  } finally {
    s.cleanup();
  }
});
