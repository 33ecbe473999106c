// `tscompose run SERVICE [COMMAND...]`: a one-off container of a service (named like compose's
// `<project>-<service>-run-<id>`), after its dependencies are up; its exit code is the command's.
import type { Command } from 'commander';

export interface RunOpts {
  detach?: boolean; rm?: boolean; env?: string[]; name?: string; publish?: string[]; entrypoint?: string;
  deps: boolean; servicePorts?: boolean; user?: string; workdir?: string; tty: boolean; t?: boolean; interactive: boolean; label?: string[];
  pull?: string;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('run')
    .description('Run a one-off command on a service')
    .argument('<service>', 'Service name')
    .argument('[command...]', 'Command and arguments (default: the service\'s)')
    .option('-d, --detach', 'Run container in background and print container name')
    .option('--rm', 'Automatically remove the container when it exits')
    .option('-e, --env <KEY=VAL>', 'Set environment variables (repeatable)', collect)
    .option('--name <name>', 'Assign a name to the container')
    .option('-p, --publish <port>', 'Publish a container\'s port(s) to the host (repeatable)', collect)
    .option('--service-ports', 'Run command with all service\'s ports enabled and mapped to the host')
    .option('--entrypoint <cmd>', 'Override the entrypoint of the image')
    .option('--no-deps', 'Don\'t start linked services')
    .option('-u, --user <user>', 'Run as specified username or uid')
    .option('-w, --workdir <dir>', 'Working directory inside the container')
    .option('-T, --no-tty', 'Disable pseudo-TTY allocation (default: a TTY when stdin and stdout are terminals)')
    .option('-t', 'Allocate a pseudo-TTY even when stdin or stdout is not a terminal')
    .option('-i, --interactive', 'Keep STDIN open and forward it to the command (the default)', true)
    .option('--no-interactive', 'Do not forward STDIN (the command reads an empty input)')
    .option('-l, --label <KEY=VAL>', 'Add or override a label (repeatable)', collect)
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never"); default: the service\'s pull_policy')
    .passThroughOptions()
    .action(async (service: string, command: string[], opts: RunOpts, cmd: Command) => {
      const { runRun } = await import('./run-run.ts');
      process.exitCode = await runRun(cmd, service, command, opts);
    });
}
