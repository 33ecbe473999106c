// Intent: `run` forwards stdin to the one-off container as docker compose does: piped input reaches
// the command and its end is the command's EOF (`echo hi | tscompose run --rm -T svc cat` prints
// hi), `--no-interactive` forwards nothing, `-t` gives the command a pty even from a pipe, and on a
// real terminal (made by script(1)) the command gets a TTY, reads typed lines and the prompt shows
// at once; the exit code is always the command's, and --rm leaves nothing.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { BIN, e2eStack } from './cli.ts';

const { e, stack } = e2eStack('runin', (e) => `
services:
  box:
    image: tscompose-test/busybox:latest
    command: ["sleep", "1000"]
`);

function run(args: string[], input?: string) {
  const r = spawnSync(BIN, ['-p', e.project, 'run', '--rm', ...args], {
    cwd: stack, env: e.env, encoding: 'utf8', timeout: 60_000, ...(input !== undefined ? { input } : { stdio: ['ignore', 'pipe', 'pipe'] }),
  });
  assert.notEqual(r.status, null, `run ${args.join(' ')} did not finish: ${r.error?.message ?? ''}\n${r.stdout}${r.stderr}`);
  return { code: r.status!, stdout: r.stdout, stderr: r.stderr };
}
const containers = () => JSON.parse(spawnSync(BIN, ['-p', e.project, 'ps', '-a', '--format', 'json'], { cwd: stack, env: e.env, encoding: 'utf8' }).stdout || '[]') as unknown[];

test('piped stdin reaches the command, its end is the EOF, and the exit code is the command\'s', () => {
  let r = run(['-T', 'box', 'cat'], 'hi\n');
  assert.equal(r.code, 0, r.stderr);
  assert.equal(r.stdout, 'hi\n');
  r = run(['-T', 'box', 'sh', '-c', 'n=$(wc -l); echo "lines=$n"; exit 7'], 'a\nb\nc\n');
  assert.equal(r.code, 7);
  assert.equal(r.stdout, 'lines=3\n');
  // A stdin that ends at once is an empty input, not a hang.
  r = run(['-T', 'box', 'cat'], '');
  assert.equal(r.code, 0);
  assert.equal(r.stdout, '');
  // Without stdin at all (ignored by the caller) the command reads an empty input too.
  r = run(['-T', 'box', 'sh', '-c', 'cat; echo done']);
  assert.equal(r.stdout, 'done\n');
  assert.equal(containers().length, 0, '--rm removed every one-off container');
});

test('--no-interactive forwards nothing; -t gives the command a pty even when stdin is a pipe', () => {
  let r = run(['--no-interactive', '-T', 'box', 'sh', '-c', 'cat; echo end'], 'not forwarded\n');
  assert.equal(r.stdout, 'end\n');
  r = run(['-t', 'box', 'sh', '-c', 'test -t 0 && test -t 1 && echo on-a-tty; read x; echo "got $x"'], 'abc\n');
  assert.equal(r.code, 0, r.stderr);
  // The pty echoes the line typed into it and ends lines with \r\n, as a terminal does.
  assert.match(r.stdout, /on-a-tty\r\n/);
  assert.match(r.stdout, /got abc\r\n/);
});

test('on a real terminal the command gets a TTY, reads what is typed, and its exit code comes back', () => {
  // script(1) gives `run` a terminal for stdin and stdout; the input arrives after the prompt.
  const cmd = `${BIN} -p ${e.project} run --rm box sh -c 'test -t 0 && echo TTY; printf "name? "; read x; echo "hello $x"; exit 4'`;
  const r = spawnSync('sh', ['-c', `(sleep 2; printf 'bob\\n'; sleep 2) | script -qec "${cmd.replace(/["$]/g, (c) => `\\${c}`)}" /dev/null`], {
    cwd: stack, env: e.env, encoding: 'utf8', timeout: 60_000,
  });
  assert.equal(r.status, 4, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /TTY\r?\n/);
  // The prompt has no newline: it shows before the input comes (straight from the pty, not the log).
  assert.ok(r.stdout.indexOf('name? ') >= 0 && r.stdout.indexOf('name? ') < r.stdout.indexOf('bob'), JSON.stringify(r.stdout));
  assert.match(r.stdout, /hello bob/);
  assert.equal(containers().length, 0);
});

test('the container\'s terminal starts with the caller\'s window size', () => {
  const cmd = `stty rows 33 cols 111; ${BIN} -p ${e.project} run --rm box stty size`;
  const r = spawnSync('sh', ['-c', `(sleep 3) | script -qec "${cmd}" /dev/null`], { cwd: stack, env: e.env, encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, `${r.stdout}${r.stderr}`);
  assert.match(r.stdout, /^33 111\r?$/m);
});
