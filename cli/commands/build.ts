// `tscompose build [SERVICE...]`: build the images of the services that have a `build:` section
// (all, or the named ones and the services their `service:` contexts need), as docker compose does.
import { Command, Option } from 'commander';
import { globalsOf } from '../global-options.ts';

export interface BuildCliOpts {
  cache: boolean;
  pull?: boolean;
  buildArg?: string[];
  quiet?: boolean;
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function register(program: Command): void {
  program
    .command('build')
    .description('Build or rebuild service images')
    .argument('[services...]', 'Only these services (and the services their service: contexts name)')
    .option('--no-cache', 'Do not use the build cache')
    .option('--pull', 'Always pull newer versions of the FROM images')
    .option('--build-arg <key=value>', 'Set a build-time variable (repeatable; KEY alone takes its value from the environment)', collect)
    .option('-q, --quiet', 'Print nothing but errors')
    .addOption(new Option('--progress <mode>', 'Progress output (default: the global --progress)').choices(['auto', 'tty', 'plain', 'json', 'quiet']))
    .action(async (services: string[], opts: BuildCliOpts, cmd: Command) => {
      const { runBuildCommand } = await import('./build-run.ts');
      process.exitCode = await runBuildCommand(globalsOf(cmd), services, opts);
    });
}
