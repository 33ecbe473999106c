// `tscompose ls`: the projects on this host (every state.json under $TSCOMPOSE_RUN), with how many
// of their containers run, like `docker compose ls`.
import type { Command } from 'commander';

export function register(program: Command): void {
  program
    .command('ls')
    .description('List running compose projects')
    .option('-a, --all', 'Show all stopped projects')
    .option('-q, --quiet', 'Only display project names')
    .option('--format <format>', 'Format the output: table or json', 'table')
    .action(async (opts: { all?: boolean; quiet?: boolean; format: string }) => {
      const { readdirSync, existsSync } = await import('node:fs');
      const { runDir, paths } = await import('../../executor/state/paths.ts');
      const { readState } = await import('../../executor/state/journal.ts');
      const { containerStatus } = await import('../../executor/state/observe.ts');
      const { realProc } = await import('../../executor/state/proc.ts');
      const { readExit } = await import('../../executor/runtime/runtime.ts');
      let names: string[] = [];
      try { names = readdirSync(runDir()).filter((n) => existsSync(paths.state(n))).sort(); } catch { /* no run dir yet */ }
      const rows = names.map((name) => {
        const s = readState(name);
        const counts = new Map<string, number>();
        for (const c of Object.values(s.containers)) {
          const st = containerStatus(c, { proc: realProc, readExit: () => readExit(paths.container(c.id)) });
          counts.set(st, (counts.get(st) ?? 0) + 1);
        }
        const status = [...counts].sort().map(([k, v]) => `${k}(${v})`).join(', ');
        return { Name: name, Status: status, ConfigFiles: (s.files ?? []).join(','), running: counts.get('running') ?? 0 };
      }).filter((r) => opts.all || r.running > 0);
      if (opts.quiet) { for (const r of rows) console.log(r.Name); return; }
      if (opts.format === 'json') { console.log(JSON.stringify(rows.map(({ running: _r, ...x }) => x))); return; }
      const w0 = Math.max(4, ...rows.map((r) => r.Name.length)) + 3;
      const w1 = Math.max(6, ...rows.map((r) => r.Status.length)) + 3;
      console.log(`${'NAME'.padEnd(w0)}${'STATUS'.padEnd(w1)}CONFIG FILES`);
      for (const r of rows) console.log(`${r.Name.padEnd(w0)}${r.Status.padEnd(w1)}${r.ConfigFiles}`);
    });
}
