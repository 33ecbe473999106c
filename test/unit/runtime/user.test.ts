import { test } from 'node:test';
import assert from 'node:assert/strict';
import { resolveUser } from '../../../executor/runtime/user.ts';

const passwd = 'root:x:0:0:root:/root:/bin/sh\n# comment\napp:x:1000:1001:App:/home/app:/bin/sh\nbroken-line\n';
const group = 'root:x:0:\nwheel:x:10:app,other\nappgrp:x:1001:\nstaff:x:50:\n';

test('empty user is root with root\'s home', () => {
  assert.deepEqual(resolveUser(undefined, undefined, passwd, group), { uid: 0, gid: 0, additionalGids: [], home: '/root' });
});

test('a name resolves uid, primary gid, supplementary groups and home', () => {
  assert.deepEqual(resolveUser('app', undefined, passwd, group), { uid: 1000, gid: 1001, additionalGids: [10], home: '/home/app' });
});

test('a numeric uid need not exist; when it does, its entry gives gid and groups', () => {
  assert.deepEqual(resolveUser('4242', undefined, passwd, group), { uid: 4242, gid: 0, additionalGids: [], home: '/' });
  assert.deepEqual(resolveUser('1000', undefined, passwd, group).gid, 1001);
});

test('user:group takes the group by name or number', () => {
  assert.equal(resolveUser('app:staff', undefined, passwd, group).gid, 50);
  assert.equal(resolveUser('1000:77', undefined, passwd, group).gid, 77);
});

test('group_add adds groups by name and number without duplicates', () => {
  assert.deepEqual(resolveUser('app', ['staff', '10', '9'], passwd, group).additionalGids, [10, 50, 9]);
});

test('unknown names are errors; images without /etc/passwd still take numbers', () => {
  assert.throws(() => resolveUser('ghost', undefined, passwd, group), /Unable to find user "ghost"/);
  assert.throws(() => resolveUser('app:ghosts', undefined, passwd, group), /Unable to find group "ghosts"/);
  assert.deepEqual(resolveUser('12:34', undefined, '', ''), { uid: 12, gid: 34, additionalGids: [], home: '/' });
});
