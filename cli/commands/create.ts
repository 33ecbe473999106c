// `tscompose create`: create the containers (and networks, volumes) without starting them —
// `up --no-start` run in this process, which exits once the plan is done.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('create')
    .description('Creates containers for a service')
    .argument('[services...]', 'Only these services (and their dependencies)')
    .option('--force-recreate', 'Recreate containers even if their configuration and image haven\'t changed')
    .option('--no-recreate', 'If containers already exist, don\'t recreate them')
    .option('--remove-orphans', 'Remove containers for services not defined in the stack file')
    .option('--scale <service=num>', 'Scale SERVICE to NUM instances (repeatable)', (v: string, p: string[] | undefined) => [...(p ?? []), v])
    .option('--pull <policy>', 'Pull image before running ("always"|"missing"|"never"|"build")')
    .action(async (services: string[], opts: { forceRecreate?: boolean; recreate: boolean; removeOrphans?: boolean; scale?: string[]; pull?: string }, cmd: Command) => {
      const { runUp } = await import('./up-run.ts');
      process.exitCode = await runUp(cmd, services, {
        start: false, deps: true, logPrefix: true, color: true,
        ...(opts.forceRecreate ? { forceRecreate: true } : {}), ...(opts.recreate === false ? { noRecreate: true } : {}),
        ...(opts.removeOrphans ? { removeOrphans: true } : {}), ...(opts.scale ? { scale: opts.scale } : {}),
        ...(opts.pull ? { pull: opts.pull } : {}),
      });
    });
}
