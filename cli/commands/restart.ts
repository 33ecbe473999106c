// `tscompose restart`: restart service containers (cli/commands/lifecycle-run.ts does the work).
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('restart')
    .description('Restart service containers')
    .argument('[services...]', 'Only these services')
    .option('-t, --timeout <seconds>', 'Specify a shutdown timeout in seconds')
    .action(async (services: string[], opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const { runAction } = await import('./lifecycle-run.ts');
      process.exitCode = await runAction('restart', cmd, services, opts);
    });
}
