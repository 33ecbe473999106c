// `tscompose supervise` (hidden): a detached supervisor that adopts the project's running
// containers (after the previous one died, or for `start` without one).
import { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('supervise', { hidden: true })
    .description('Run the project supervisor for already created containers')
    .action(async (_opts: unknown, cmd: Command) => {
      const { runSupervise } = await import('./up-run.ts');
      process.exitCode = await runSupervise(cmd);
    });
}
