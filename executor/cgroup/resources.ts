// service → CgroupResources: every compose key that limits a container, folded into one
// description both drivers apply. Pure. Docker's rules where compose is silent (memswap
// defaults to twice the memory limit, 6 MB minimum, cpus excludes cpu_quota/cpu_period).
// Keys that say the same thing twice (cpus and deploy.resources.limits.cpus) must agree:
// silently picking one is how limits got dropped in other tools (PAIN-POINTS #12).
import { StackFileError, type Origin, type StackFileProblem } from '../../schema/errors.ts';
import type { Service } from '../../schema/model.ts';
import type { CgroupResources, CpuResources, MemoryResources } from './types.ts';
import { MAX_SHARES, MAX_WEIGHT, MIN_WEIGHT, sharesToWeight, weightToShares } from './weight.ts';

/** CFS period docker uses for `cpus`. */
export const DEFAULT_CFS_PERIOD = 100_000;
/** Docker refuses memory limits below this (the runtime itself needs some). */
export const MIN_MEMORY = 6 * 1024 * 1024;

/** Keys the schema may carry that Service does not declare (cgroup v2 users write cpu_weight). */
interface ExtraKeys { cpu_weight?: number }

const CPUSET = /^\d+(-\d+)?(,\d+(-\d+)?)*$/;

export function resourcesOf(service: Service, name = 'service', origins?: Map<string, Origin>): CgroupResources {
  const problems: StackFileProblem[] = [];
  const problem = (key: string, message: string, hint?: string) => {
    const keyPath = `services.${name}.${key}`;
    const origin = origins?.get(keyPath);
    problems.push({ keyPath, message, ...(origin ? { origin } : {}), ...(hint ? { hint } : {}) });
  };
  /** Two keys for one limit: both set and different is an error; otherwise the one that is set. */
  const same = <T>(aKey: string, a: T | undefined, bKey: string, b: T | undefined): T | undefined => {
    if (a !== undefined && b !== undefined && a !== b) {
      problem(aKey, `${aKey} (${String(a)}) and ${bKey} (${String(b)}) differ`, 'set one of them, or the same value in both');
    }
    return a ?? b;
  };
  const limits = service.deploy?.resources?.limits;
  const reservations = service.deploy?.resources?.reservations;

  const cpu: CpuResources = {};
  const cpus = same('cpus', service.cpus, 'deploy.resources.limits.cpus', limits?.cpus);
  if (cpus !== undefined) {
    if (cpus < 0) problem('cpus', `cpus must not be negative (got ${cpus})`);
    else if (service.cpu_quota !== undefined || service.cpu_period !== undefined) {
      problem('cpus', 'cpus cannot be combined with cpu_quota or cpu_period', 'cpus is a shorthand for both; keep one form');
    } else if (cpus > 0) {
      // 0 means "no limit", as in docker.
      cpu.period = DEFAULT_CFS_PERIOD;
      cpu.quota = Math.round(cpus * DEFAULT_CFS_PERIOD);
      if (cpu.quota < 1000) problem('cpus', `cpus ${cpus} is below the kernel's minimum CFS quota (0.01)`);
    }
  }
  if (service.cpu_quota !== undefined) {
    if (service.cpu_quota !== -1 && service.cpu_quota < 1000) problem('cpu_quota', `cpu_quota must be -1 or at least 1000 µs (got ${service.cpu_quota})`);
    cpu.quota = service.cpu_quota;
  }
  if (service.cpu_period !== undefined) {
    if (service.cpu_period < 1000 || service.cpu_period > 1_000_000) problem('cpu_period', `cpu_period must be between 1000 and 1000000 µs (got ${service.cpu_period})`);
    cpu.period = service.cpu_period;
  }
  if (service.cpu_quota !== undefined && service.cpu_period === undefined && service.cpu_quota !== -1) cpu.period = DEFAULT_CFS_PERIOD;

  const weight = (service as Service & ExtraKeys).cpu_weight;
  if (service.cpu_shares !== undefined && weight !== undefined) {
    problem('cpu_shares', 'cpu_shares and cpu_weight both set', 'cpu_weight is the cgroup v2 form of cpu_shares; keep one');
  }
  if (service.cpu_shares !== undefined) {
    if (service.cpu_shares < 0 || service.cpu_shares > MAX_SHARES) problem('cpu_shares', `cpu_shares must be between 0 and ${MAX_SHARES} (got ${service.cpu_shares})`);
    else if (service.cpu_shares > 0) {
      // 0 = the default, as docker treats it; values below 2 are raised to 2 by the kernel.
      cpu.shares = Math.max(2, service.cpu_shares);
      cpu.weight = sharesToWeight(cpu.shares);
    }
  } else if (weight !== undefined) {
    if (!Number.isInteger(weight) || weight < MIN_WEIGHT || weight > MAX_WEIGHT) problem('cpu_weight', `cpu_weight must be an integer between ${MIN_WEIGHT} and ${MAX_WEIGHT} (got ${weight})`);
    else {
      cpu.weight = weight;
      cpu.shares = weightToShares(weight);
    }
  } else if (reservations?.cpus !== undefined && reservations.cpus > 0) {
    // Docker ignores a CPU reservation outside swarm. The closest local meaning of "this much
    // CPU is reserved for me" is a proportional share: 1 CPU reserved = the default 1024 shares.
    cpu.shares = Math.min(MAX_SHARES, Math.max(2, Math.round(reservations.cpus * 1024)));
    cpu.weight = sharesToWeight(cpu.shares);
  }
  if (service.cpuset !== undefined) {
    const set = service.cpuset.replace(/\s+/g, '');
    if (!CPUSET.test(set)) problem('cpuset', `cpuset "${service.cpuset}" is not a CPU list such as "0-1,3"`);
    else cpu.cpus = set;
  }
  if (service.cpu_rt_runtime !== undefined || service.cpu_rt_period !== undefined) {
    problem(service.cpu_rt_runtime !== undefined ? 'cpu_rt_runtime' : 'cpu_rt_period', 'real-time CPU scheduling limits are not supported',
      'they need CONFIG_RT_GROUP_SCHED and a budget in every parent cgroup');
  }

  const memory: MemoryResources = {};
  const mem = same('mem_limit', service.mem_limit, 'deploy.resources.limits.memory', limits?.memory);
  if (mem !== undefined && mem > 0) {
    if (mem < MIN_MEMORY) problem('mem_limit', `memory limit ${mem} bytes is below the minimum of 6 MB`);
    memory.limit = mem;
  }
  if (service.memswap_limit !== undefined && service.memswap_limit !== 0) {
    if (memory.limit === undefined) {
      problem('memswap_limit', 'memswap_limit needs a memory limit (mem_limit or deploy.resources.limits.memory)');
    } else if (service.memswap_limit === -1) {
      memory.swap = -1;
    } else if (service.memswap_limit < memory.limit) {
      problem('memswap_limit', `memswap_limit (${service.memswap_limit}) is memory + swap and must not be below the memory limit (${memory.limit})`);
    } else {
      memory.swap = service.memswap_limit;
    }
  } else if (memory.limit !== undefined) {
    // Docker's default: as much swap as memory.
    memory.swap = memory.limit * 2;
  }
  const reservation = same('mem_reservation', service.mem_reservation, 'deploy.resources.reservations.memory', reservations?.memory);
  if (reservation !== undefined && reservation > 0) {
    if (memory.limit !== undefined && reservation > memory.limit) {
      problem('mem_reservation', `memory reservation (${reservation}) is above the memory limit (${memory.limit})`);
    }
    memory.reservation = reservation;
  }
  if (service.mem_swappiness !== undefined && service.mem_swappiness !== -1) {
    if (service.mem_swappiness < 0 || service.mem_swappiness > 100) problem('mem_swappiness', `mem_swappiness must be between 0 and 100 (got ${service.mem_swappiness})`);
    else memory.swappiness = service.mem_swappiness;
  }
  if (service.oom_kill_disable === true) memory.disableOOMKiller = true;

  const r: CgroupResources = {};
  if (Object.keys(cpu).length) r.cpu = cpu;
  if (Object.keys(memory).length) r.memory = memory;
  const pids = same('pids_limit', service.pids_limit, 'deploy.resources.limits.pids', limits?.pids);
  // Docker: 0 and negative values mean unlimited; -1 is written as "max".
  if (pids !== undefined) r.pids = { limit: pids > 0 ? pids : -1 };
  const blkio = service.blkio_config;
  const io: NonNullable<CgroupResources['blockIO']> = {};
  if (blkio?.weight !== undefined && blkio.weight !== 0) {
    if (blkio.weight < 10 || blkio.weight > 1000) problem('blkio_config.weight', `blkio weight must be between 10 and 1000 (got ${blkio.weight})`);
    else io.weight = blkio.weight;
  }
  if (blkio?.weight_device?.length) {
    blkio.weight_device.forEach((d, i) => {
      if (d.weight < 10 || d.weight > 1000) problem(`blkio_config.weight_device[${i}]`, `blkio weight for "${d.path}" must be between 10 and 1000 (got ${d.weight})`);
    });
    io.weightDevice = blkio.weight_device.map((d) => ({ path: d.path, weight: d.weight }));
  }
  const throttles = [['device_read_bps', 'throttleReadBpsDevice'], ['device_write_bps', 'throttleWriteBpsDevice'],
    ['device_read_iops', 'throttleReadIOPSDevice'], ['device_write_iops', 'throttleWriteIOPSDevice']] as const;
  for (const [key, field] of throttles) {
    const list = blkio?.[key];
    if (!list?.length) continue;
    list.forEach((d, i) => {
      if (!Number.isInteger(d.rate) || d.rate <= 0) problem(`blkio_config.${key}[${i}]`, `rate for "${d.path}" must be a positive integer (got ${d.rate})`);
    });
    io[field] = list.map((d) => ({ path: d.path, rate: d.rate }));
  }
  if (Object.keys(io).length) r.blockIO = io;
  if (service.privileged === true) r.allDevices = true;

  if (problems.length) throw new StackFileError(problems);
  return r;
}
