// Intent: `COPY --chmod` takes BuildKit's modes: octal sets every item's mode; a symbolic mode
// (chmod(1)'s grammar) changes each item's own mode, `X` telling directories and executables
// from plain files. Anything else is refused (undefined → the caller's BUILD_SYNTAX error).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { applyChmod, parseChmod, type Chmod } from '../../../executor/build/chmod.ts';

const apply = (mode: string, from: number, isDir = false) => applyChmod(parseChmod(mode) as Chmod, from, isDir);

test('octal: the mode itself, whatever the item had', () => {
  assert.equal(parseChmod('0755'), 0o755);
  assert.equal(parseChmod('644'), 0o644);
  assert.equal(apply('4755', 0o600), 0o4755);
  assert.equal(apply('0644', 0o755, true), 0o644);
});

test('symbolic: + - = per class, a and no class meaning all', () => {
  assert.equal(apply('u+x', 0o644), 0o744);
  assert.equal(apply('go-w', 0o666), 0o644);
  assert.equal(apply('+x', 0o644), 0o755);
  assert.equal(apply('a=r', 0o755), 0o444);
  assert.equal(apply('u=rw,go=', 0o777), 0o600);
  assert.equal(apply('o=', 0o1777, true), 0o770, '= clears the class\'s special bit too (sticky for o)');
  assert.equal(apply('u+rwx,g-x+r', 0o611), 0o741, 'several operations in one clause apply in order');
});

test('X: execute for directories and already-executable files only', () => {
  assert.equal(apply('a=rX', 0o600, true), 0o555);
  assert.equal(apply('a=rX', 0o600), 0o444);
  assert.equal(apply('a=rX', 0o700), 0o555);
  assert.equal(apply('u=rwX,go=rX', 0o664), 0o644, 'the usual "dirs 755, files 644"');
  assert.equal(apply('u=rwX,go=rX', 0o664, true), 0o755);
});

test('copies, setuid/setgid and sticky', () => {
  assert.equal(apply('g=u', 0o640), 0o660);
  assert.equal(apply('go=u', 0o700), 0o777);
  assert.equal(apply('u+s', 0o755), 0o4755);
  assert.equal(apply('g+s', 0o755, true), 0o2755);
  assert.equal(apply('+t', 0o777, true), 0o1777);
  assert.equal(apply('u-s', 0o4755), 0o755);
});

test('refused: anything that is neither', () => {
  for (const bad of ['', 'u', 'u+q', 'x+u', '888', '07777x', 'u+x,', '+ug', '0o755', '12345']) assert.equal(parseChmod(bad), undefined, bad);
});
