// `tscompose top`: the processes of each container (every pid in its cgroup), like compose's.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('top')
    .description('Display the running processes')
    .argument('[services...]', 'Only these services')
    .action(async (services: string[], _opts: unknown, cmd: Command) => {
      const { readFileSync } = await import('node:fs');
      const { targetOf, selectContainers } = await import('./project-target.ts');
      const { readState } = await import('../../executor/state/journal.ts');
      const { isRunning } = await import('../../executor/supervisor/containers.ts');
      const { openSession } = await import('../../executor/supervisor/session.ts');
      const t = await targetOf(cmd);
      const s = await openSession(t.name);
      for (const c of selectContainers(readState(t.name), services)) {
        if (!isRunning(s, c)) continue;
        process.stdout.write(`${c.name}\n${'UID'.padEnd(8)}${'PID'.padEnd(10)}${'PPID'.padEnd(10)}CMD\n`);
        for (const pid of s.engine.cgroups.pids(c.cgroup)) {
          try {
            const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
            const ppid = stat.slice(stat.lastIndexOf(')') + 2).split(' ')[1] ?? '';
            const uid = /Uid:\s+(\d+)/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'))?.[1] ?? '';
            const cmdline = readFileSync(`/proc/${pid}/cmdline`, 'utf8').replace(/\0/g, ' ').trim();
            process.stdout.write(`${uid.padEnd(8)}${String(pid).padEnd(10)}${ppid.padEnd(10)}${cmdline}\n`);
          } catch { /* exited meanwhile */ }
        }
        process.stdout.write('\n');
      }
    });
}
