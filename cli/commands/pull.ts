// `tscompose pull [SERVICE|IMAGE...]`: the images of the project's services (all, or the named
// ones), or image references given directly (`tscompose pull redis:7`), as `docker pull` does.
import type { Command } from 'commander';
import { globalsOf } from '../global-options.ts';

export interface PullCliOpts { platform?: string; insecureRegistry?: string[]; quiet?: boolean; ignorePullFailures?: boolean }

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('pull')
    .description('Pull service images, or the images named')
    .argument('[names...]', 'Services of the project, or image references')
    .option('--platform <os/arch>', 'Platform to pull from a multi-platform image (default linux/amd64)')
    .option('--insecure-registry <host>', 'Registry that may use plain HTTP or unverified TLS (repeatable)', collect)
    .option('-q, --quiet', 'Pull without printing progress')
    .option('--ignore-pull-failures', 'Pull what it can and ignore images that fail')
    .action(async (names: string[], opts: PullCliOpts, cmd: Command) => {
      const { runPull } = await import('./image-run.ts');
      await runPull(globalsOf(cmd), names, opts);
    });
}
