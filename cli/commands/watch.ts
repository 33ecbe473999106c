// `tscompose watch [SERVICE...]`: bring the stack up (unless --no-up), then keep the running
// containers in step with their files and with the stack file (develop.watch). The session runs
// in this process against the project's detached supervisor (cli/commands/watch-run.ts).
import type { Command } from 'commander';

export interface WatchOpts {
  up: boolean;
  quiet?: boolean;
  timeout?: string;
}

export function register(program: Command): void {
  program
    .command('watch')
    .description('Watch the build context and stack file of services and sync, restart or recreate them on change')
    .argument('[services...]', 'Only these services')
    .option('--no-up', 'Do not start the stack: only watch the running one')
    .option('--quiet', 'Only report errors, not each sync/restart')
    .option('-t, --timeout <seconds>', 'Shutdown timeout for restarts')
    .action(async (services: string[], opts: WatchOpts, cmd: Command) => {
      const { runWatch } = await import('./watch-run.ts');
      process.exitCode = await runWatch(cmd, services, opts);
    });
}
