// Every command the CLI knows, one file each under cli/commands/. Each `register` only declares
// flags; the command's implementation is imported lazily when it runs.
import type { Command } from 'commander';
import { register as version } from './commands/version.ts';
import { register as config } from './commands/config.ts';
import { register as pull } from './commands/pull.ts';
import { register as images } from './commands/images.ts';
import { register as image } from './commands/image.ts';
import { register as network } from './commands/network.ts';

export const COMMANDS: ((program: Command) => void)[] = [
  version,
  config,
  pull,
  images,
  image,
  network,
];
