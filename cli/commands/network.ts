// `tscompose network <ls|create|rm|inspect>`: networks outside any project (for `external: true`).
import type { Command } from 'commander';

const collect = (v: string, prev: string[] | undefined) => [...(prev ?? []), v];

export interface NetworkCreateOpts {
  subnet?: string;
  gateway?: string;
  ipRange?: string;
  internal?: boolean;
  label?: string[];
  opt?: string[];
  driver?: string;
}

export function register(program: Command): void {
  const network = program.command('network').description('Manage networks');
  network
    .command('ls')
    .description('List networks')
    .option('--format <format>', 'Format the output: table or json', 'table')
    .option('-q, --quiet', 'Only show network names')
    .action(async (opts: { format: string; quiet?: boolean }) => {
      const { runNetworkLs } = await import('./network-run.ts');
      await runNetworkLs(opts);
    });
  network
    .command('create')
    .description('Create a network that projects can use with `external: true`')
    .argument('<name>', 'Network name')
    .option('-d, --driver <driver>', 'Driver (only bridge)', 'bridge')
    .option('--subnet <cidr>', 'Subnet, e.g. 10.90.0.0/24 (default: next free /24 of the pool)')
    .option('--gateway <ip>', 'Gateway address (default: the first host address)')
    .option('--ip-range <cidr>', 'Allocate container addresses from this range')
    .option('--internal', 'No access to outside networks')
    .option('--label <key=value>', 'Label (repeatable)', collect)
    .option('-o, --opt <key=value>', 'Driver option, e.g. com.docker.network.driver.mtu=1400 (repeatable)', collect)
    .action(async (name: string, opts: NetworkCreateOpts) => {
      const { runNetworkCreate } = await import('./network-run.ts');
      await runNetworkCreate(name, opts);
    });
  network
    .command('rm')
    .alias('remove')
    .description('Remove networks (refused while containers use them)')
    .argument('<names...>', 'Network names or id prefixes')
    .action(async (names: string[]) => {
      const { runNetworkRm } = await import('./network-run.ts');
      await runNetworkRm(names);
    });
  network
    .command('inspect')
    .description('Show networks as JSON (subnet, gateway, bridge, endpoints)')
    .argument('<names...>', 'Network names or id prefixes')
    .action(async (names: string[]) => {
      const { runNetworkInspect } = await import('./network-run.ts');
      await runNetworkInspect(names);
    });
}
