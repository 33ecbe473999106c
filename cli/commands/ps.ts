// `tscompose ps`: list the project's containers (docker compose columns).
import type { Command } from 'commander';
import type { PsOpts } from './ps-run.ts';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('ps')
    .description('List containers')
    .argument('[services...]', 'Only these services')
    .option('-a, --all', 'Show all stopped containers (including those created by the run command)')
    .option('-q, --quiet', 'Only display IDs')
    .option('--services', 'Display services')
    .option('--status <status>', 'Filter services by status (repeatable)', collect)
    .option('--format <format>', 'Format the output: table or json', 'table')
    .action(async (services: string[], opts: PsOpts, cmd: Command) => {
      const { runPs } = await import('./ps-run.ts');
      process.exitCode = await runPs(cmd, services, opts);
    });
}
