// `tscompose up`: create and start the stack. In the foreground this process is the project's
// supervisor (logs, restarts, healthchecks, Ctrl-C = graceful stop); with -d a detached supervisor
// runs the plan and reports its progress back, and `up` returns when the plan is done
// (`--wait`: when every service is running/healthy, or completed for one-shot services).
import { Command, Option } from 'commander';
import { UsageError } from '../../schema/errors.ts';

export interface UpOpts {
  detach?: boolean;
  wait?: boolean;
  waitTimeout?: string;
  dryRun?: boolean;
  /** `--dry-run --format json`: the plan as JSON (planner/render.ts planToJson). */
  format?: string;
  abortOnContainerExit?: boolean;
  abortOnContainerFailure?: boolean;
  exitCodeFrom?: string;
  scale?: string[];
  forceRecreate?: boolean;
  /** `--no-recreate` (commander stores the negation). */
  recreate?: boolean;
  noRecreate?: boolean;
  deps: boolean;
  removeOrphans?: boolean;
  timeout?: string;
  start: boolean;
  attach?: string[];
  logPrefix: boolean;
  timestamps?: boolean;
  build?: boolean;
  pull?: string;
  supervisorFd?: string;
  color: boolean;
  watch?: boolean;
}

/** `--format`: only with `--dry-run` (the plan is what it formats); true for json. */
export function planFormat(opts: Pick<UpOpts, 'format' | 'dryRun'>): boolean {
  if (opts.format === undefined) return false;
  if (!opts.dryRun) throw new UsageError('--format applies only to --dry-run (it formats the plan)', 'add --dry-run, or drop --format');
  if (opts.format !== 'json' && opts.format !== 'text') throw new UsageError(`unsupported format "${opts.format}"`, 'use --format text or --format json');
  return opts.format === 'json';
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('up')
    .description('Create and start containers')
    .argument('[services...]', 'Only these services (and their dependencies)')
    .option('-d, --detach', 'Detached mode: run containers in the background')
    .option('--wait', 'Wait for services to be running|healthy (one-shot services: completed). Implies detached mode')
    .option('--wait-timeout <seconds>', 'Maximum duration to wait for the project to be running|healthy')
    .option('--dry-run', 'Print the plan and touch nothing')
    .option('--format <format>', 'With --dry-run: print the plan as text (default) or json')
    .option('--abort-on-container-exit', 'Stops all containers if any container was stopped')
    .option('--abort-on-container-failure', 'Stops all containers if any container exited with failure')
    .option('--exit-code-from <service>', 'Return the exit code of the selected service container. Implies --abort-on-container-exit')
    .option('--scale <service=num>', 'Scale SERVICE to NUM instances (repeatable)', collect)
    .option('--force-recreate', 'Recreate containers even if their configuration and image haven\'t changed')
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--no-deps', 'Don\'t start linked services')
    .option('--remove-orphans', 'Remove containers for services not defined in the stack file')
    .option('-t, --timeout <seconds>', 'Shutdown timeout in seconds when attached or when containers are already running')
    .option('--no-start', 'Don\'t start the services after creating them')
    .option('--attach <service>', 'Restrict attaching to the specified services (repeatable)', collect)
    .option('--no-log-prefix', 'Don\'t print prefix in logs')
    .option('--no-color', 'Produce monochrome output')
    .option('--timestamps', 'Show timestamps')
    .option('--build', 'Build images before starting containers')
    .option('--no-build', 'Don\'t build an image, even if it\'s missing')
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never"|"build"); default: each service\'s pull_policy')
    .option('--watch', 'Watch source code and the stack file and sync, restart or recreate services on change (develop.watch)')
    .addOption(new Option('--supervisor-fd <fd>').hideHelp())
    .action(async (services: string[], opts: UpOpts, cmd: Command) => {
      planFormat(opts); // a usage error before anything starts (--watch included)
      if (opts.watch && !opts.supervisorFd && !opts.dryRun) {
        // The stack runs detached; the watch session follows it here and Ctrl-C stops both.
        const { runWatch } = await import('./watch-run.ts');
        const upArgv = [...process.argv.slice(2).filter((a) => a !== '--watch' && a !== '-d' && a !== '--detach'), '-d'];
        process.exitCode = await runWatch(cmd, services, { up: true, ...(opts.timeout !== undefined ? { timeout: opts.timeout } : {}) }, { upArgv, stopOnExit: !opts.detach });
        return;
      }
      const { runUp } = await import('./up-run.ts');
      process.exitCode = await runUp(cmd, services, opts);
    });
}
