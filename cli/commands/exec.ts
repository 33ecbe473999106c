// `tscompose exec SERVICE COMMAND...`: run a command in a running container (joining its cgroup and
// namespaces through the launch helper); exits with the command's exit code.
import type { Command } from 'commander';

export interface ExecOpts { detach?: boolean; env?: string[]; user?: string; workdir?: string; index?: string; tty: boolean; interactive?: boolean; privileged?: boolean }

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('exec')
    .description('Execute a command in a running container')
    .argument('<service>', 'Service name')
    .argument('<command...>', 'Command and arguments')
    .option('-d, --detach', 'Detached mode: Run command in the background')
    .option('-e, --env <KEY=VAL>', 'Set environment variables (repeatable)', collect)
    .option('-u, --user <user>', 'Run the command as this user')
    .option('-w, --workdir <dir>', 'Path to workdir directory for this command')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation')
    .option('-i, --interactive', 'Keep STDIN open (always on)')
    .option('-t', 'Allocate a pseudo-TTY (the default when stdin and stdout are terminals)')
    .option('--privileged', 'Give extended privileges to the process (not supported yet)')
    .passThroughOptions()
    .action(async (service: string, command: string[], opts: ExecOpts, cmd: Command) => {
      const { runExec } = await import('./exec-run.ts');
      process.exitCode = await runExec(cmd, service, command, opts);
    });
}
