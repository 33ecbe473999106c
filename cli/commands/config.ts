// `tscompose config`: load, validate and print the normalized project, key for key like
// `docker compose config`, or one of its lists (--services, --volumes, …). Errors exit 15.
import type { Command } from 'commander';
import { globalsOf } from '../global-options.ts';

interface ConfigOpts {
  format: string;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  quiet?: boolean;
  interpolate: boolean;
  output?: string;
}

export function register(program: Command): void {
  program
    .command('config')
    .description('Parse, resolve and render the stack file in canonical format')
    .argument('[services...]', 'Only these services (and what they depend on)')
    .option('--format <format>', 'Format the output: yaml or json', 'yaml')
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('-q, --quiet', 'Only validate the configuration, print nothing')
    .option('--no-interpolate', 'Do not interpolate environment variables')
    .option('-o, --output <path>', 'Save to file (default: stdout)')
    .action(async (services: string[], opts: ConfigOpts, cmd: Command) => {
      const { runConfig } = await import('./config-run.ts');
      await runConfig(globalsOf(cmd), services, opts);
    });
}

export type { ConfigOpts };
