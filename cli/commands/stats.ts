// `tscompose stats`: CPU %, memory usage / limit, PIDs (from each container's cgroups) and network
// I/O (its own namespace's /proc/<pid>/net/dev), like `docker compose stats`.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('stats')
    .description('Display a live stream of container(s) resource usage statistics')
    .argument('[services...]', 'Only these services')
    .option('--no-stream', 'Disable streaming stats and only pull the first result')
    .option('--format <format>', 'Format the output: table or json', 'table')
    .action(async (services: string[], opts: { stream: boolean; format: string }, cmd: Command) => {
      const { readFileSync } = await import('node:fs');
      const { targetOf, selectContainers } = await import('./project-target.ts');
      const { readState } = await import('../../executor/state/journal.ts');
      const { isRunning } = await import('../../executor/supervisor/containers.ts');
      const { openSession } = await import('../../executor/supervisor/session.ts');
      const t = await targetOf(cmd);
      const s = await openSession(t.name);
      const mb = (n: number | undefined) => (n === undefined ? 'unlimited' : n >= 1 << 30 ? `${(n / (1 << 30)).toFixed(2)}GiB` : `${(n / (1 << 20)).toFixed(2)}MiB`);
      const net = (pid: number) => {
        let rx = 0; let tx = 0;
        try {
          for (const l of readFileSync(`/proc/${pid}/net/dev`, 'utf8').split('\n').slice(2)) {
            const [name, rest] = l.split(':');
            if (!rest || name?.trim() === 'lo') continue;
            const f = rest.trim().split(/\s+/).map(Number);
            rx += f[0] ?? 0; tx += f[8] ?? 0;
          }
        } catch { /* gone */ }
        return `${(rx / 1000).toFixed(1)}kB / ${(tx / 1000).toFixed(1)}kB`;
      };
      const sample = () => new Map(selectContainers(readState(t.name), services).filter((c) => isRunning(s, c)).map((c) => [c.id, { c, st: s.engine.cgroups.stats(c.cgroup), at: process.hrtime.bigint() }]));
      for (;;) {
        const a = sample();
        await new Promise((r) => setTimeout(r, 1000));
        const b = sample();
        const rows = [...b.values()].map(({ c, st, at }) => {
          const prev = a.get(c.id);
          const dt = prev ? Number(at - prev.at) : 0;
          const cpu = prev && dt > 0 ? (((st.cpuUsageNs ?? 0) - (prev.st.cpuUsageNs ?? 0)) / dt) * 100 : 0;
          return { ID: c.id.slice(0, 12), Name: c.name, CPUPerc: `${cpu.toFixed(2)}%`, MemUsage: `${mb(st.memoryBytes)} / ${mb(st.memoryLimit)}`, NetIO: net(c.pid!), PIDs: String(st.pids ?? 0) };
        });
        if (opts.format === 'json') process.stdout.write(rows.map((r) => JSON.stringify(r)).join('\n') + '\n');
        else {
          const head = ['CONTAINER ID', 'NAME', 'CPU %', 'MEM USAGE / LIMIT', 'NET I/O', 'PIDS'];
          const cells = rows.map((r) => [r.ID, r.Name, r.CPUPerc, r.MemUsage, r.NetIO, r.PIDs]);
          const w = head.map((h, i) => Math.max(h.length, ...cells.map((x) => x[i]!.length)) + 3);
          if (opts.stream) process.stdout.write('\x1b[2J\x1b[H');
          process.stdout.write(head.map((h, i) => h.padEnd(w[i]!)).join('').trimEnd() + '\n');
          for (const r of cells) process.stdout.write(r.map((x, i) => x.padEnd(w[i]!)).join('').trimEnd() + '\n');
        }
        if (!opts.stream) return;
      }
    });
}
