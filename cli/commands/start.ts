// `tscompose start`: start services (cli/commands/lifecycle-run.ts does the work).
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('start')
    .description('Start services')
    .argument('[services...]', 'Only these services')
    .action(async (services: string[], opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const { runAction } = await import('./lifecycle-run.ts');
      process.exitCode = await runAction('start', cmd, services, opts);
    });
}
