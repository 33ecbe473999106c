// `tscompose events`: the project's events as the supervisor sees them (create, start, die,
// health_status, …), streamed over its control socket; `--json` one JSON object a line.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('events')
    .description('Receive real time events from containers')
    .argument('[services...]', 'Only these services')
    .option('--json', 'Output events as a stream of json objects')
    .action(async (services: string[], opts: { json?: boolean }, cmd: Command) => {
      const { createConnection } = await import('node:net');
      const { targetOf } = await import('./project-target.ts');
      const { paths } = await import('../../executor/state/paths.ts');
      const { TscError } = await import('../../schema/errors.ts');
      const t = await targetOf(cmd);
      await new Promise<void>((resolve, reject) => {
        const sock = createConnection(paths.controlSocket(t.name));
        let buf = '';
        sock.on('connect', () => sock.write(JSON.stringify({ id: 1, op: 'events' }) + '\n'));
        sock.on('data', (d) => {
          buf += d.toString('utf8');
          let nl;
          while ((nl = buf.indexOf('\n')) >= 0) {
            const m = JSON.parse(buf.slice(0, nl)) as { event?: { time: string; type: string; action: string; name: string; service?: string; id?: string; detail?: string } };
            buf = buf.slice(nl + 1);
            const e = m.event;
            if (!e || (services.length && !services.includes(e.service ?? ''))) continue;
            process.stdout.write((opts.json ? JSON.stringify(e) : `${e.time} ${e.type} ${e.action} ${e.id ?? ''} (name=${e.name}${e.detail ? `, ${e.detail}` : ''})`) + '\n');
          }
        });
        sock.on('error', (e: NodeJS.ErrnoException) => reject(e.code === 'ENOENT' || e.code === 'ECONNREFUSED'
          ? new TscError('NO_SUPERVISOR', `No supervisor is running for project "${t.name}"`, { hint: 'events come from the supervisor: `tscompose up -d` starts one' })
          : e));
        sock.on('close', () => resolve());
        process.once('SIGINT', () => { sock.end(); resolve(); });
      });
    });
}
