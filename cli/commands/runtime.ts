import type { Command } from 'commander';

export function register(program: Command): void {
  const rt = program
    .command('runtime')
    .description('OCI-runtime-style commands on a bundle (like crun/runc): create, start, state, kill, delete, exec, run');
  const api = () => import('../../executor/runtime/oci-runtime.ts');

  rt.command('create <id>').description('Create a container from an OCI bundle; it waits for `start`')
    .requiredOption('-b, --bundle <dir>', 'Bundle directory (config.json + rootfs)')
    .action(async (id: string, o: { bundle: string }) => { await (await api()).create({ bundle: o.bundle, id, gated: true }); });
  rt.command('start <id>').description('Start a created container')
    .action(async (id: string) => { await (await api()).start(id); });
  rt.command('state <id>').description('Print the container state as JSON')
    .action(async (id: string) => { console.log(JSON.stringify((await api()).state(id), null, 2)); });
  rt.command('kill <id> [signal]').description('Send a signal (default SIGTERM) to the container')
    .action(async (id: string, signal: string | undefined) => { (await api()).killContainer(id, signal ?? 'SIGTERM'); });
  rt.command('delete <id>').description('Delete a stopped container (--force kills it first)')
    .option('-f, --force', 'Kill the container if it is running')
    .action(async (id: string, o: { force?: boolean }) => { await (await api()).remove(id, o.force === true); });
  rt.command('exec <id> <command...>').description('Run a command in a running container (joins its namespaces and cgroup)')
    .option('-t, --tty', 'Allocate a pseudo-terminal')
    .option('-e, --env <var...>', 'Set environment variables (K=V)')
    .option('-u, --user <user>', 'User (name, uid or uid:gid in the container)')
    .option('--cwd <dir>', 'Working directory')
    .action(async (id: string, command: string[], o: { tty?: boolean; env?: string[]; user?: string; cwd?: string }) => {
      process.exitCode = await (await api()).exec(id, command, o);
    });
  rt.command('run <id>').description('Create, start and wait for a container, print its output, delete it; exits with its code')
    .requiredOption('-b, --bundle <dir>', 'Bundle directory (config.json + rootfs)')
    .action(async (id: string, o: { bundle: string }) => {
      const exit = await (await api()).run({ bundle: o.bundle, id }, (log) => {
        // CRI lines back to plain output on the matching stream
        for (const line of log.split('\n')) {
          const m = /^\S+ (stdout|stderr) ([FP]) (.*)$/.exec(line);
          if (m) (m[1] === 'stdout' ? process.stdout : process.stderr).write(m[3] + (m[2] === 'F' ? '\n' : ''));
        }
      });
      process.exitCode = exit.code;
    });
}
