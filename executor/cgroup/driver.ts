// The cgroup API (docs/contracts.md): pick the driver for the host once, describe a service's
// limits purely. v1 and hybrid hosts share the v1 driver (which also uses the unified
// hierarchy when there is one); pure v2 hosts get the v2 driver.
import { resolve } from 'node:path';
import { attachDeviceProgram } from '../sys/bpf.ts';
import { detectLayout } from './detect.ts';
import type { CgroupDriver } from './types.ts';
import { V1Driver } from './v1/driver.ts';
import { V2Driver } from './v2/driver.ts';

export { resourcesOf } from './resources.ts';
export type { CgroupDriver, CgroupHandle, CgroupMode, CgroupResources, CgroupStats, CpuResources, DeviceRule, MemoryResources } from './types.ts';

const cache = new Map<string, CgroupDriver>();

/** The driver for the hierarchies mounted under `fsRoot` (a plain tree of files in tests); detected once per root. */
export function detectCgroupDriver(fsRoot = '/sys/fs/cgroup', opts: { mountinfo?: string; fresh?: boolean } = {}): CgroupDriver {
  const root = resolve(fsRoot);
  const cached = cache.get(root);
  if (cached && !opts.fresh && opts.mountinfo === undefined) return cached;
  const layout = detectLayout(root, opts.mountinfo);
  const driver = layout.mode === 'v2' ? new V2Driver(root, layout, layout.fake ? undefined : attachDeviceProgram) : new V1Driver(root, layout);
  cache.set(root, driver);
  return driver;
}
