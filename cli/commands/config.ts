// `tscompose config`: load, validate and print the normalized project, key for key like
// `docker compose config`, or one of its lists (--services, --volumes, …). Errors exit 15.
import type { Command } from 'commander';
import { globalsOf } from '../global-options.ts';

interface ConfigOpts {
  /** yaml or json; unset: yaml for the project, a table for --variables (as docker compose). */
  format?: string;
  services?: boolean;
  volumes?: boolean;
  networks?: boolean;
  profiles?: boolean;
  images?: boolean;
  quiet?: boolean;
  interpolate: boolean;
  output?: string;
  /** `*` or service names separated by commas. */
  hash?: string;
  variables?: boolean;
  environment?: boolean;
  resolveImageDigests?: boolean;
}

export function register(program: Command): void {
  program
    .command('config')
    .description('Parse, resolve and render the stack file in canonical format')
    .argument('[services...]', 'Only these services (and what they depend on)')
    .option('--format <format>', 'Format the output: yaml or json (--variables: table by default)')
    .option('--services', 'Print the service names, one per line')
    .option('--volumes', 'Print the volume names, one per line')
    .option('--networks', 'Print the network names, one per line')
    .option('--profiles', 'Print the profile names, one per line')
    .option('--images', 'Print the image names, one per line')
    .option('--hash <services>', 'Print the service config hash, one per line ("*" for every service, or names separated by commas)')
    .option('--variables', 'Print model variables and default values')
    .option('--environment', 'Print environment used for interpolation')
    .option('--resolve-image-digests', 'Pin image tags to digests')
    .option('-q, --quiet', 'Only validate the configuration, print nothing')
    .option('--no-interpolate', 'Do not interpolate environment variables')
    .option('-o, --output <path>', 'Save to file (default: stdout)')
    .action(async (services: string[], opts: ConfigOpts, cmd: Command) => {
      const { runConfig } = await import('./config-run.ts');
      await runConfig(globalsOf(cmd), services, opts);
    });
}

export type { ConfigOpts };
