// A detached supervisor never loads node:crypto (~1 MB RSS for good with its flags, bench/up-down/README.md):
// a child process with the supervisor's environment imports the modules a supervisor loads (the `up`
// and `supervise` commands, the lazily imported engine, planner, netmgr, image store, volumes) and
// runs what hashes or makes ids there, then reads Node's list of loaded builtins. The same child
// without that environment must load it (the check can fail: it sees node:crypto when it is there).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('../../../', import.meta.url));
const MODULES = [
  'cli/commands.ts', 'cli/commands/up-run.ts', 'cli/commands/supervise.ts',
  'executor/supervisor/supervisor.ts', 'executor/supervisor/host.ts', 'executor/supervisor/up.ts',
  'executor/supervisor/session.ts', 'executor/supervisor/engine.ts', 'executor/supervisor/control.ts',
  'executor/supervisor/containers.ts', 'executor/supervisor/exit-code.ts', 'executor/supervisor/logs.ts',
  'executor/supervisor/wait.ts', 'executor/supervisor/pull-images.ts', 'executor/state/journal.ts',
  'executor/state/observe.ts', 'executor/image/store.ts', 'executor/image/ref.ts', 'executor/volume/volume.ts',
  'planner/plan.ts', 'netmgr/registry.ts', 'netmgr/netmgr.ts',
];

const SCRIPT = `
const root = ${JSON.stringify(root)};
for (const m of ${JSON.stringify(MODULES)}) await import(root + m);
const { configHash, configKeyHashes } = await import(root + 'planner/hash.ts');
const { vethName } = await import(root + 'netmgr/names.ts');
const { chainIds } = await import(root + 'executor/image/digest.ts');
const { randomHex } = await import(root + 'executor/sys/random.ts');
const s = { image: 'busybox', command: ['sleep', '1'], environment: { A: 'é' } };
const out = [configHash(s, { imageDigest: 'sha256:' + 'a'.repeat(64) }), Object.keys(configKeyHashes(s)).length,
  vethName(randomHex(32), randomHex(32)), chainIds(['sha256:' + 'a'.repeat(64), 'sha256:' + 'b'.repeat(64)])[1]];
console.log(JSON.stringify({ out, crypto: process.moduleLoadList.filter((m) => /\\bcrypto\\b/.test(m)) }));
`;

function run(env: NodeJS.ProcessEnv): { out: unknown[]; crypto: string[] } {
  const text = execFileSync(process.execPath, ['--disable-warning=ExperimentalWarning', '--input-type=module', '-e', SCRIPT], { env, encoding: 'utf8' });
  return JSON.parse(text) as { out: unknown[]; crypto: string[] };
}

test('a supervisor hashes configs, names links and makes ids without loading node:crypto, with the same hashes', () => {
  const env = { ...process.env };
  delete env.TSCOMPOSE_SUPERVISOR;
  const sup = run({ ...env, TSCOMPOSE_SUPERVISOR: '1' });
  assert.deepEqual(sup.crypto, [], 'builtins of node:crypto loaded in a supervisor');
  const cli = run(env);
  assert.ok(cli.crypto.includes('NativeModule crypto'), `the CLI hashes with node:crypto: ${cli.crypto.join(', ')}`);
  // Same config hash and chain ID either way (the veth name has random ids in it).
  assert.equal(sup.out[0], cli.out[0]);
  assert.equal(sup.out[1], cli.out[1]);
  assert.equal(sup.out[3], cli.out[3]);
  assert.match(String(sup.out[2]), /^tsv[0-9a-f]{11}$/);
});
