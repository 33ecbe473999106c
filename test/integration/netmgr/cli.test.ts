import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { netEnv, hostSnapshot, leaks } from './helpers.ts';

const bin = new URL('../../../bin/tscompose', import.meta.url).pathname;

test('tscompose network create, ls, inspect and rm manage a network outside any project', async () => {
  const env = netEnv('netcli');
  const before = hostSnapshot();
  const name = `${env.project}_ext`;
  const run = (...args: string[]) => spawnSync(bin, args, { env: env.env, encoding: 'utf8', timeout: 20000 });
  let bridge = '';
  try {
    const made = run('network', 'create', name, '--subnet', '10.213.9.0/24', '--gateway', '10.213.9.254', '--label', 'team=net', '-o', 'com.docker.network.driver.mtu=1400');
    assert.equal(made.status, 0, made.stderr);
    assert.match(made.stdout.trim(), /^[0-9a-f]{64}$/);
    bridge = `tsc-${made.stdout.trim().slice(0, 8)}`;
    const ls = run('network', 'ls');
    assert.match(ls.stdout, new RegExp(`${name}\\s+bridge\\s+10\\.213\\.9\\.0/24\\s+10\\.213\\.9\\.254\\s+${bridge}\\s+0`));
    assert.equal(run('network', 'ls', '-q').stdout.trim(), name);
    const info = JSON.parse(run('network', 'inspect', name).stdout) as { IPAM: { Config: { Gateway: string }[] }; Labels: Record<string, string>; Options: Record<string, string> }[];
    assert.equal(info[0]?.IPAM.Config[0]?.Gateway, '10.213.9.254');
    assert.deepEqual(info[0]?.Labels, { team: 'net' });
    assert.equal(info[0]?.Options['com.docker.network.driver.mtu'], '1400');
    const dup = run('network', 'create', name);
    assert.notEqual(dup.status, 0);
    assert.match(dup.stderr, /already exists/);
    const rm = run('network', 'rm', name);
    assert.equal(rm.status, 0, rm.stderr);
    const again = run('network', 'rm', name);
    assert.notEqual(again.status, 0);
    assert.match(again.stderr, /No such network/);
  } finally {
    run('network', 'rm', name);
    const left = await leaks(env, before, bridge ? [bridge] : []);
    env.cleanup();
    assert.deepEqual(left, []);
  }
});
