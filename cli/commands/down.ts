// `tscompose down`: stop and remove containers, networks (and with -v volumes). Works from the
// journal alone: after a crash, without the stack file (-p), with or without a supervisor.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('down')
    .description('Stop and remove containers, networks')
    .option('-v, --volumes', 'Remove named volumes declared in the "volumes" section of the stack file and anonymous volumes')
    .option('--remove-orphans', 'Remove containers for services not defined in the stack file')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .option('--rmi <type>', 'Remove images used by services. "local" remove only images that don\'t have a custom tag ("local"|"all")')
    .action(async (opts: { volumes?: boolean; removeOrphans?: boolean; timeout?: string; rmi?: string }, cmd: Command) => {
      const { runDown } = await import('./lifecycle-run.ts');
      process.exitCode = await runDown(cmd, opts);
    });
}
