// bench/cgroup: cost of a container cgroup on this host, from Node: create (mkdir in every
// hierarchy + limits) and remove (rmdir everywhere), empty cgroups only (no task migration;
// that cost belongs to the launch helper, FACTS.md). Also the seccomp compile time.
// Prints median and min–max; no assertions. Run as root: node bench/cgroup/create-remove.ts [runs=50]
import { detectCgroupDriver, resourcesOf } from '../../executor/cgroup/driver.ts';
import { compileSeccomp } from '../../executor/security/seccomp.ts';
import { defaultSeccompProfile } from '../../executor/security/seccomp-profile.ts';
import { capabilitiesOf } from '../../executor/security/capabilities.ts';
import type { Service } from '../../schema/model.ts';

const runs = Number(process.argv[2] ?? 50);
const driver = detectCgroupDriver();
const project = `tbench${process.pid}`;
const r = resourcesOf({ environment: {}, labels: {}, depends_on: {}, cpus: 0.5, mem_limit: 64 << 20, pids_limit: 100 } as Service, 'bench');

const stat = (xs: number[]) => {
  const s = [...xs].sort((a, b) => a - b);
  return `median ${s[Math.floor(s.length / 2)]!.toFixed(3)} ms (min ${s[0]!.toFixed(3)}, max ${s.at(-1)!.toFixed(3)})`;
};
const create: number[] = [];
const remove: number[] = [];
try {
  for (let i = 0; i < runs; i++) {
    const t0 = performance.now();
    const h = driver.create(project, `c${i}`, r);
    const t1 = performance.now();
    await driver.remove(h);
    const t2 = performance.now();
    create.push(t1 - t0);
    remove.push(t2 - t1);
  }
} finally {
  await driver.removeProject(project);
}
const compile: number[] = [];
const caps = capabilitiesOf({}).names;
let size = 0;
for (let i = 0; i < runs; i++) {
  const t0 = performance.now();
  size = compileSeccomp(defaultSeccompProfile(caps)).length / 8;
  compile.push(performance.now() - t0);
}
console.log(`cgroup driver: ${driver.mode}, ${Object.keys(driver.handle(project, 'x').dirs).length} hierarchies, ${runs} runs`);
console.log(`create (mkdir + cpu/memory/pids/devices limits): ${stat(create)}`);
console.log(`remove (rmdir leaf + empty parents):              ${stat(remove)}`);
console.log(`seccomp default profile compile (${size} insns):   ${stat(compile)}`);
