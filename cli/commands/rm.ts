// `tscompose rm`: removes stopped service containers (cli/commands/lifecycle-run.ts does the work).
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('rm')
    .description('Removes stopped service containers')
    .argument('[services...]', 'Only these services')
    .option('-f, --force', "Don't ask to confirm removal")
    .option('-s, --stop', 'Stop the containers, if required, before removing')
    .option('-v, --volumes', 'Remove any anonymous volumes attached to containers')
    .action(async (services: string[], opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const { runAction } = await import('./lifecycle-run.ts');
      process.exitCode = await runAction('rm', cmd, services, opts);
    });
}
