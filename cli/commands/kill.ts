// `tscompose kill`: force stop service containers (cli/commands/lifecycle-run.ts does the work).
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('kill')
    .description('Force stop service containers')
    .argument('[services...]', 'Only these services')
    .option('-s, --signal <signal>', 'SIGNAL to send to the container', 'SIGKILL')
    .action(async (services: string[], opts: Record<string, string | boolean | undefined>, cmd: Command) => {
      const { runAction } = await import('./lifecycle-run.ts');
      process.exitCode = await runAction('kill', cmd, services, opts);
    });
}
