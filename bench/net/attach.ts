// bench/net: time to give one container its network (netns + veth + address + route), ours against
// the equivalent `ip` commands run one by one (what a shell script or a naive engine spawns).
// Prints median and min–max over N containers (FACTS.md: timings here move in steps). No assertions.
// Run as root: node bench/net/attach.ts [N]
import { execFileSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomBytes } from 'node:crypto';

const N = Number(process.argv[2] ?? 20);
const dir = mkdtempSync(join(tmpdir(), 'tscompose-bench-net-'));
process.env.TSCOMPOSE_ROOT = join(dir, 'root');
process.env.TSCOMPOSE_RUN = join(dir, 'run');
const net = await import('../../netmgr/netmgr.ts');

function stats(xs: number[]): string {
  const s = [...xs].sort((a, b) => a - b);
  const med = s[Math.floor(s.length / 2)] ?? NaN;
  return `median ${med.toFixed(2)} ms (min ${s[0]?.toFixed(2)} – max ${s[s.length - 1]?.toFixed(2)}) over ${s.length}`;
}

const name = `tscbench${randomBytes(3).toString('hex')}_default`;
const st = await net.ensureNetwork('bench', 'default', { name });
const ids: string[] = [];
async function measure(kind: 'netlink' | 'ip') {
  net.useLinks(kind);
  const all: number[] = []; const nsOnly: number[] = []; const attachOnly: number[] = [];
  for (let i = 0; i < N; i++) {
    const id = randomBytes(32).toString('hex');
    ids.push(id);
    const t0 = performance.now();
    const ns = net.createNetns(id);
    const t1 = performance.now();
    await net.attach(ns, { id, name: `bench-${kind}-${i + 1}`, service: 'web', aliases: [], hostname: `w${i}` }, [{ network: st, cfg: null }]);
    const t2 = performance.now();
    all.push(t2 - t0); nsOnly.push(t1 - t0); attachOnly.push(t2 - t1);
  }
  return { all, nsOnly, attachOnly };
}
try {
  const nl = await measure('netlink');
  const ib = await measure('ip');
  net.useLinks('netlink');
  // The same work as separate `ip` commands (namespace by `ip netns add` under a bench-only name).
  const ipcmd: number[] = [];
  for (let i = 0; i < N; i++) {
    const nsName = `tscbench-${process.pid}-${i}`;
    const veth = `tsv${randomBytes(6).toString('hex').slice(0, 11)}`;
    const addr = st.subnet.replace(/\.0\/24$/, `.${200 + (i % 50)}`);
    const t0 = performance.now();
    const run = (args: string[]) => execFileSync('ip', args, { stdio: 'ignore' });
    run(['netns', 'add', nsName]);
    run(['link', 'add', veth, 'type', 'veth', 'peer', 'name', 'eth0', 'netns', nsName]);
    run(['link', 'set', veth, 'master', st.bridge, 'up']);
    run(['-n', nsName, 'addr', 'add', `${addr}/24`, 'dev', 'eth0']);
    run(['-n', nsName, 'link', 'set', 'eth0', 'up']);
    run(['-n', nsName, 'link', 'set', 'lo', 'up']);
    run(['-n', nsName, 'route', 'add', 'default', 'via', st.gateway]);
    ipcmd.push(performance.now() - t0);
    execFileSync('ip', ['netns', 'del', nsName]);
  }
  console.log(`load average: ${(await import('node:os')).loadavg().map((x) => x.toFixed(2)).join(' ')}`);
  console.log(`per container: netns + veth + address + lo + default route`);
  console.log(`  netmgr, rtnetlink in-process (default): ${stats(nl.all)}`);
  console.log(`    createNetns (koffi unshare + bind):   ${stats(nl.nsOnly)}`);
  console.log(`    attach (state + 2 netlink round trips): ${stats(nl.attachOnly)}`);
  console.log(`  netmgr, 2 ip -batch spawns:             ${stats(ib.all)}`);
  console.log(`    attach:                               ${stats(ib.attachOnly)}`);
  console.log(`  7 separate ip commands (ip netns add …): ${stats(ipcmd)}`);
} finally {
  for (const id of ids) { await net.detach(id); net.removeNetns(id); }
  await net.removeNetwork(name, { project: 'bench' });
  rmSync(dir, { recursive: true, force: true });
}
