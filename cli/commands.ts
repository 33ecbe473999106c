// Every command the CLI knows, one file each under cli/commands/. Each `register` only declares
// flags; the command's implementation is imported lazily when it runs.
import type { Command } from 'commander';
import { register as version } from './commands/version.ts';
import { register as config } from './commands/config.ts';
import { register as pull } from './commands/pull.ts';
import { register as build } from './commands/build.ts';
import { register as images } from './commands/images.ts';
import { register as image } from './commands/image.ts';
import { register as runtime } from './commands/runtime.ts';
import { register as network } from './commands/network.ts';
import { register as upCmd } from './commands/up.ts';
import { register as downCmd } from './commands/down.ts';
import { register as psCmd } from './commands/ps.ts';
import { register as logsCmd } from './commands/logs.ts';
import { register as execCmd } from './commands/exec.ts';
import { register as stopCmd } from './commands/stop.ts';
import { register as startCmd } from './commands/start.ts';
import { register as restartCmd } from './commands/restart.ts';
import { register as killCmd } from './commands/kill.ts';
import { register as rmCmd } from './commands/rm.ts';
import { register as pauseCmd } from './commands/pause.ts';
import { register as unpauseCmd } from './commands/unpause.ts';
import { register as lsCmd } from './commands/ls.ts';
import { register as superviseCmd } from './commands/supervise.ts';
import { register as runCmd } from './commands/run.ts';
import { register as portCmd } from './commands/port.ts';
import { register as topCmd } from './commands/top.ts';
import { register as waitCmd } from './commands/wait.ts';
import { register as eventsCmd } from './commands/events.ts';
import { register as statsCmd } from './commands/stats.ts';
import { register as createCmd } from './commands/create.ts';
import { register as watchCmd } from './commands/watch.ts';

export const COMMANDS: ((program: Command) => void)[] = [
  version,
  config,
  pull,
  build,
  images,
  image,
  runtime,
  network,
  upCmd,
  downCmd,
  psCmd,
  logsCmd,
  execCmd,
  stopCmd,
  startCmd,
  restartCmd,
  killCmd,
  rmCmd,
  pauseCmd,
  unpauseCmd,
  lsCmd,
  superviseCmd,
  runCmd,
  portCmd,
  topCmd,
  waitCmd,
  eventsCmd,
  statsCmd,
  watchCmd,
  createCmd,
];
