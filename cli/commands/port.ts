// `tscompose port SERVICE PRIVATE_PORT`: the host address a container port is published on.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('port')
    .description('Print the public port for a port binding')
    .argument('<service>', 'Service name')
    .argument('<private_port>', 'Container port')
    .option('--protocol <proto>', 'tcp or udp', 'tcp')
    .option('--index <n>', 'Index of the container if service has multiple replicas', '1')
    .action(async (service: string, port: string, opts: { protocol: string; index: string }, cmd: Command) => {
      const { targetOf, selectContainers } = await import('./project-target.ts');
      const { readState } = await import('../../executor/state/journal.ts');
      const t = await targetOf(cmd);
      const [c] = selectContainers(readState(t.name), [service], { index: Number(opts.index) });
      const hit = (c?.published ?? []).find((b) => b.endsWith(`->${port}/${opts.protocol}`));
      if (!hit) {
        process.stderr.write(`no port ${port}/${opts.protocol} published for ${service}\n`);
        process.exitCode = 1;
        return;
      }
      process.stdout.write(hit.split('->')[0] + '\n');
    });
}
