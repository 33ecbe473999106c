// Where a container path really lives on the host. Below a bind mount or volume the container
// sees the mount, not the overlay, so a file synced to /app/src under `./src:/app/src` must be
// written to the mount's host source; everything else goes into the overlay's merged view.
// Pure: mount list in, (root, rel) out.
import { posix } from 'node:path';
import { TscError } from '../../schema/errors.ts';
import type { ContainerView } from './actions.ts';

export type MountView = ContainerView['mounts'][number];

export interface ResolvedTarget {
  /** Host directory that stands for `/` (the overlay) or for the mount's target. */
  root: string;
  /** Path under `root`, `/`-separated, no leading slash; '' is the root itself. */
  rel: string;
  mount: MountView | undefined;
}

export class ReadOnlyTargetError extends TscError {
  constructor(containerPath: string, mount: MountView) {
    super('WATCH_READONLY', `cannot sync to ${containerPath}: it is on the read-only mount ${mount.target} (${mount.source})`, {
      hint: 'drop `:ro` from that volume or sync to another target',
    });
  }
}

function clean(p: string): string {
  const n = posix.normalize(`/${p}`);
  return n.length > 1 && n.endsWith('/') ? n.slice(0, -1) : n;
}

export class UnreachableTargetError extends TscError {
  constructor(containerPath: string, mountTarget: string) {
    super('WATCH_UNREACHABLE', `cannot sync to ${containerPath}: ${mountTarget} is a mount with no host directory (tmpfs or similar) and the container is not running`, {
      hint: 'start the container, or sync to a path outside that mount',
    });
  }
}

export interface ResolveExtra {
  /** Targets of mounts with no host source (tmpfs…): reached through /proc/<pid>/root, or refused. */
  unreachable?: readonly string[];
  pid?: number | undefined;
}

const under = (path: string, t: string) => t === '/' || path === t || path.startsWith(`${t}/`);

/** The innermost mount whose target is `containerPath` or one of its parents wins (mounts stack). */
export function resolveTarget(rootDir: string, mounts: readonly MountView[], containerPath: string, extra: ResolveExtra = {}): ResolvedTarget {
  const path = clean(containerPath);
  let best: MountView | undefined;
  let bestLen = -1;
  for (const m of mounts) {
    const t = clean(m.target);
    // `>=`: of two mounts on one target the later one is on top, as the kernel stacks them.
    if (under(path, t) && t.length >= bestLen) { best = m; bestLen = t.length; }
  }
  for (const u of extra.unreachable ?? []) {
    const t = clean(u);
    if (!under(path, t) || t.length <= bestLen) continue;
    // Only the container's own mount namespace shows this mount: walk it from the container's root.
    if (extra.pid === undefined) throw new UnreachableTargetError(path, t);
    return { root: `/proc/${extra.pid}/root`, rel: path.slice(1), mount: undefined };
  }
  if (!best) return { root: rootDir, rel: path.slice(1), mount: undefined };
  if (best.readOnly) throw new ReadOnlyTargetError(path, best);
  const t = clean(best.target);
  const rel = t === '/' ? path.slice(1) : path.slice(t.length + 1);
  return { root: best.source, rel, mount: best };
}
