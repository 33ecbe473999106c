// `tscompose wait SERVICE...`: block until the services' containers exit; exit code of the first.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('wait')
    .description('Block until containers of all (or specified) services stop')
    .argument('<services...>', 'Services')
    .option('--down-project', 'Drops the project when the first container stops')
    .action(async (services: string[], opts: { downProject?: boolean }, cmd: Command) => {
      const { targetOf, selectContainers } = await import('./project-target.ts');
      const { readState } = await import('../../executor/state/journal.ts');
      const { paths } = await import('../../executor/state/paths.ts');
      const { waitExit } = await import('../../executor/runtime/runtime.ts');
      const t = await targetOf(cmd);
      const cs = selectContainers(readState(t.name), services).filter((c) => c.steps.includes('launch'));
      const first = await Promise.race(cs.map(async (c) => ({ c, e: await waitExit(paths.container(c.id)) })));
      if (!opts.downProject) await Promise.all(cs.map((c) => waitExit(paths.container(c.id))));
      process.stdout.write(`${first.e.signal ? 128 + Number(first.e.signal) : first.e.code}\n`);
      if (opts.downProject) {
        const { runDown } = await import('./lifecycle-run.ts');
        await runDown(cmd, { timeout: '10' });
      }
    });
}
