// `tscompose logs`: the containers' output from their CRI log files (written by each container's
// waiter, so this works with no supervisor), prefixed and coloured per service like compose.
import type { Command } from 'commander';

export interface LogsOpts { follow?: boolean; tail?: string; since?: string; until?: string; timestamps?: boolean; logPrefix: boolean; color: boolean; index?: string }

export function register(program: Command): void {
  program
    .command('logs')
    .description('View output from containers')
    .argument('[services...]', 'Only these services')
    .option('-f, --follow', 'Follow log output')
    .option('-n, --tail <lines>', 'Number of lines to show from the end of the logs for each container', 'all')
    .option('--since <time>', 'Show logs since timestamp (e.g. 2013-01-02T13:23:37Z) or relative (e.g. 42m for 42 minutes)')
    .option('--until <time>', 'Show logs before a timestamp or relative time')
    .option('-t, --timestamps', 'Show timestamps')
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('--no-color', 'Produce monochrome output')
    .option('--index <n>', 'index of the container if service has multiple replicas')
    .action(async (services: string[], opts: LogsOpts, cmd: Command) => {
      const { runLogs } = await import('./logs-run.ts');
      process.exitCode = await runLogs(cmd, services, opts);
    });
}
