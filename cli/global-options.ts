// Options every command shares, as docker compose has them (`tscompose -f a.yml -p name up`).
import { Command, Option } from 'commander';

export interface GlobalOptions {
  file?: string[];
  projectName?: string;
  projectDirectory?: string;
  profile?: string[];
  envFile?: string[];
  progress?: 'auto' | 'tty' | 'plain' | 'json' | 'quiet';
  debug?: boolean;
}

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export function globalOptions(program: Command): void {
  program
    .option('-f, --file <path>', 'Compose configuration file (repeatable, "-" for stdin)', collect)
    .option('-p, --project-name <name>', 'Project name')
    .option('--project-directory <dir>', 'Working directory (default: the directory of the first file)')
    .option('--profile <name>', 'Enable a profile (repeatable)', collect)
    .option('--env-file <path>', 'Alternate environment file (repeatable)', collect)
    .addOption(new Option('--progress <mode>', 'Progress output').choices(['auto', 'tty', 'plain', 'json', 'quiet']).default('auto'))
    .option('--debug', 'Show error causes and stack traces');
}

/** The global options as seen from inside a subcommand's action. */
export function globalsOf(cmd: Command): GlobalOptions {
  let root = cmd;
  while (root.parent) root = root.parent;
  return root.opts() as GlobalOptions;
}
