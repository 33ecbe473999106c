import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAPABILITIES, capabilitiesOf, DEFAULT_CAPABILITIES, normalizeCapability, ociCapabilities, toCapabilitySet } from '../../../executor/security/capabilities.ts';
import { TscError } from '../../../schema/errors.ts';

test('a service that asks for nothing gets docker\'s 14 default capabilities', () => {
  const s = capabilitiesOf({});
  assert.equal(s.names.length, 14);
  assert.deepEqual([...s.names].sort(), [...DEFAULT_CAPABILITIES].sort());
  // The mask docker containers show as CapEff in /proc/self/status.
  assert.equal(s.mask, 0xa80425fbn);
  assert.deepEqual(s.words, [0xa80425fb, 0]);
});

test('capability numbers follow <linux/capability.h>', () => {
  assert.equal(CAPABILITIES.indexOf('SYS_ADMIN'), 21);
  assert.equal(CAPABILITIES.indexOf('SETFCAP'), 31);
  assert.equal(CAPABILITIES.indexOf('MAC_OVERRIDE'), 32);
  assert.equal(CAPABILITIES.indexOf('CHECKPOINT_RESTORE'), 40);
});

test('cap_add and cap_drop accept names with or without CAP_, in any case', () => {
  const s = capabilitiesOf({ cap_add: ['net_admin', 'CAP_SYS_PTRACE'], cap_drop: ['cap_chown', 'MKNOD'] });
  assert.ok(s.names.includes('CAP_NET_ADMIN') && s.names.includes('CAP_SYS_PTRACE'));
  assert.ok(!s.names.includes('CAP_CHOWN') && !s.names.includes('CAP_MKNOD'));
  assert.equal(s.names.length, 14);
});

test('cap_drop ALL leaves only what cap_add names', () => {
  assert.deepEqual(capabilitiesOf({ cap_drop: ['ALL'], cap_add: ['NET_BIND_SERVICE'] }).names, ['CAP_NET_BIND_SERVICE']);
  assert.deepEqual(capabilitiesOf({ cap_drop: ['all'] }).names, []);
  assert.equal(capabilitiesOf({ cap_drop: ['all'] }).mask, 0n);
});

test('cap_add ALL gives every capability except those dropped', () => {
  const s = capabilitiesOf({ cap_add: ['ALL'], cap_drop: ['SYS_ADMIN'] });
  assert.equal(s.names.length, CAPABILITIES.length - 1);
  assert.ok(!s.names.includes('CAP_SYS_ADMIN'));
  assert.equal(s.words[1], 0x1ff, 'capabilities 32–40 are in the high word');
});

test('privileged means every capability whatever cap_drop says', () => {
  const s = capabilitiesOf({ privileged: true, cap_drop: ['ALL'] });
  assert.equal(s.names.length, CAPABILITIES.length);
  assert.equal(s.mask, (1n << 41n) - 1n);
  assert.deepEqual(s.words, [0xffffffff, 0x1ff]);
});

test('a capability both added and dropped is kept, as docker does', () => {
  assert.ok(capabilitiesOf({ cap_add: ['SYS_TIME'], cap_drop: ['SYS_TIME'] }).names.includes('CAP_SYS_TIME'));
});

test('an unknown capability is an error naming it, the key and the service', () => {
  assert.throws(() => capabilitiesOf({ cap_add: ['SYS_MAGIC'] }, 'web'), (e: unknown) => {
    assert.ok(e instanceof TscError);
    assert.equal(e.message, 'Unknown capability "SYS_MAGIC" in cap_add of service "web"');
    assert.match(e.hint ?? '', /NET_ADMIN/);
    return true;
  });
  assert.throws(() => normalizeCapability('CAP_', 'cap_drop'), /Unknown capability "CAP_" in cap_drop/);
});

test('names are ordered by number and duplicates collapse', () => {
  const s = toCapabilitySet(['CAP_KILL', 'CAP_CHOWN', 'CAP_KILL']);
  assert.deepEqual(s.names, ['CAP_CHOWN', 'CAP_KILL']);
  assert.equal(s.mask, 0b100001n);
});

test('the OCI block has no inheritable or ambient capabilities', () => {
  const o = ociCapabilities(capabilitiesOf({}));
  assert.equal(o.bounding.length, 14);
  assert.deepEqual(o.effective, o.permitted);
  assert.deepEqual(o.inheritable, []);
  assert.deepEqual(o.ambient, []);
});

test('capabilities newer than the kernel are left out', async () => {
  const { clampToKernel } = await import('../../../executor/security/capabilities.ts');
  const s = clampToKernel(capabilitiesOf({ privileged: true }), 37);
  assert.equal(s.names.length, 38);
  assert.ok(!s.names.includes('CAP_BPF'));
});
