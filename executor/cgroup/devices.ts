// `devices:` mappings → device cgroup rules. The runtime creates the nodes in the container's
// /dev; the device cgroup must also let the container open them, or the mapping is useless.
import { statSync, type BigIntStats } from 'node:fs';
import { TscError } from '../../schema/errors.ts';
import type { DeviceMapping } from '../../schema/model.ts';
import type { DeviceRule } from './types.ts';

/** Linux's dev_t encoding (glibc's gnu_dev_major/minor). */
export function splitDev(rdev: bigint): { major: number; minor: number } {
  const major = ((rdev >> 8n) & 0xfffn) | ((rdev >> 32n) & ~0xfffn);
  const minor = (rdev & 0xffn) | ((rdev >> 12n) & ~0xffn);
  return { major: Number(major), minor: Number(minor) };
}

export function deviceRulesOf(mappings: DeviceMapping[] | undefined, service: string,
  stat: (path: string) => BigIntStats = (p) => statSync(p, { bigint: true })): DeviceRule[] {
  const out: DeviceRule[] = [];
  for (const m of mappings ?? []) {
    let st: BigIntStats;
    try {
      st = stat(m.source);
    } catch (e) {
      throw new TscError('DEVICE', `Device "${m.source}" of service "${service}" does not exist`, { cause: e });
    }
    const type = st.isCharacterDevice() ? 'c' : st.isBlockDevice() ? 'b' : undefined;
    if (!type) throw new TscError('DEVICE', `"${m.source}" in devices of service "${service}" is not a device node`);
    const access = m.permissions || 'rwm';
    if (!/^[rwm]{1,3}$/.test(access)) throw new TscError('DEVICE', `Invalid device permissions "${access}" for "${m.source}" in service "${service}"`, { hint: 'a combination of r, w and m' });
    out.push({ allow: true, type, ...splitDev(st.rdev), access });
  }
  return out;
}

/** `8:0` for a block device path (blkio/io files address devices by number). */
export function blockDeviceNumber(path: string, stat: (path: string) => BigIntStats = (p) => statSync(p, { bigint: true })): string {
  let st: BigIntStats;
  try {
    st = stat(path);
  } catch (e) {
    throw new TscError('DEVICE', `Block device "${path}" in blkio_config does not exist`, { cause: e });
  }
  if (!st.isBlockDevice()) throw new TscError('DEVICE', `"${path}" in blkio_config is not a block device`);
  const { major, minor } = splitDev(st.rdev);
  return `${major}:${minor}`;
}

export interface BlockIOLines {
  weightDevice: string[];
  readBps: string[];
  writeBps: string[];
  readIops: string[];
  writeIops: string[];
}

/** The per-device values as `maj:min value` lines, devices resolved by `stat`. */
export function blockIOLines(io: import('./types.ts').BlockIOResources | undefined, stat?: (path: string) => BigIntStats): BlockIOLines {
  const dev = (p: string) => blockDeviceNumber(p, stat);
  return {
    weightDevice: (io?.weightDevice ?? []).map((d) => `${dev(d.path)} ${d.weight}`),
    readBps: (io?.throttleReadBpsDevice ?? []).map((d) => `${dev(d.path)} ${d.rate}`),
    writeBps: (io?.throttleWriteBpsDevice ?? []).map((d) => `${dev(d.path)} ${d.rate}`),
    readIops: (io?.throttleReadIOPSDevice ?? []).map((d) => `${dev(d.path)} ${d.rate}`),
    writeIops: (io?.throttleWriteIOPSDevice ?? []).map((d) => `${dev(d.path)} ${d.rate}`),
  };
}
