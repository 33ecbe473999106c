import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { dockerPatterns, parseDockerignore, loadDockerignore, EPHEMERAL_PATTERNS, inDotGit, IgnorePatternError } from '../../../executor/watch/ignore.ts';

// [patterns, path, ignored?] — docker's .dockerignore semantics (moby/patternmatcher).
const table: [string[], string, boolean][] = [
  [['*.go'], 'main.go', true],
  [['*.go'], 'pkg/main.go', false], // anchored at the root, unlike .gitignore
  [['**/*.go'], 'main.go', true], // ** spans zero directories too
  [['**/*.go'], 'a/b/c/main.go', true],
  [['node_modules'], 'node_modules/left-pad/index.js', true], // a matched dir takes its contents along
  [['node_modules'], 'src/node_modules/x.js', false],
  [['**/node_modules'], 'src/node_modules/x.js', true],
  [['/build'], 'build/out.js', true], // a leading slash is the same as none
  [['build/'], 'build/out.js', true], // a trailing slash is cleaned away
  [['a/../dist'], 'dist/x', true], // patterns are cleaned
  [['*.md', '!README.md'], 'README.md', false], // ! re-includes
  [['*.md', '!README.md'], 'CHANGES.md', true],
  [['!README.md', '*.md'], 'README.md', true], // the last matching pattern decides
  [['docs', '!docs/keep.md'], 'docs/keep.md', false],
  [['docs', '!docs/keep.md'], 'docs/other.md', true],
  [['?.txt'], 'a.txt', true],
  [['?.txt'], 'ab.txt', false],
  [['*'], 'a/b', true], // via the parent `a`
  [['.*'], '.env', true], // * and . : dotfiles are not special
  [['[^a].txt'], 'b.txt', true],
  [['[^a].txt'], 'a.txt', false],
  [['\\*.txt'], '*.txt', true], // backslash escapes
  [['\\*.txt'], 'a.txt', false],
  [['tmp/**'], 'tmp', false], // `dir/**` needs something under dir
  [['tmp/**'], 'tmp/x/y', true],
  [['**', '!src/**'], 'src/app.ts', false],
  [['**', '!src/**'], 'lib/app.ts', true],
  [['{a,b}.txt'], 'a.txt', false], // no brace expansion in docker patterns
];

for (const [patterns, path, want] of table) {
  test(`docker patterns ${JSON.stringify(patterns)} ${want ? 'ignore' : 'keep'} ${path}`, () => {
    assert.equal(dockerPatterns(patterns).matches(path), want);
  });
}

test('a .dockerignore file loses comments, blank lines and surrounding spaces, and keeps ! lines', () => {
  const lines = parseDockerignore('# deps\nnode_modules\n\n   *.log   \n! important.log\n/dist/\n');
  assert.deepEqual(lines, ['node_modules', '*.log', '!important.log', 'dist']);
  const m = dockerPatterns(lines);
  assert.equal(m.matches('debug.log'), true);
  assert.equal(m.matches('important.log'), false);
  assert.equal(m.matches('dist/app.js'), true);
});

test('the build context ignore file prefers <Dockerfile>.dockerignore over .dockerignore', () => {
  const dir = mkdtempSync(join(tmpdir(), 'tscompose-ignore-'));
  try {
    assert.deepEqual(loadDockerignore(dir), []);
    writeFileSync(join(dir, '.dockerignore'), 'a\n');
    assert.deepEqual(loadDockerignore(dir), ['a']);
    writeFileSync(join(dir, 'Dockerfile.dev.dockerignore'), 'b\n');
    assert.deepEqual(loadDockerignore(dir, 'Dockerfile.dev'), ['b']);
  } finally { rmSync(dir, { recursive: true }); }
});

test('a lone ! is an invalid pattern and says which list it came from', () => {
  assert.throws(() => dockerPatterns(['!'], 'services.web.develop.watch[0].ignore'),
    (e) => e instanceof IgnorePatternError && e.message.includes('services.web.develop.watch[0].ignore'));
});

test('editor temp and swap files are ephemeral anywhere in the tree', () => {
  const m = dockerPatterns(EPHEMERAL_PATTERNS);
  for (const p of ['src/.app.js.swp', '4913', 'src/app.js~', 'a/.#app.js', 'a/#app.js#', 'x/.app.js.abc.tscompose-tmp']) assert.equal(m.matches(p), true, p);
  for (const p of ['src/app.js', 'swp', 'README.md']) assert.equal(m.matches(p), false, p);
});

test('.git directories are recognised at any depth but not as a name prefix', () => {
  assert.equal(inDotGit('.git'), true);
  assert.equal(inDotGit('.git/HEAD'), true);
  assert.equal(inDotGit('vendor/lib/.git/config'), true);
  assert.equal(inDotGit('.gitignore'), false);
  assert.equal(inDotGit('src/.github/x'), false);
});
