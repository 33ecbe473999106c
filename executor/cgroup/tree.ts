// Where our cgroups live in each hierarchy, `<hierarchy>/tscompose/<project>/<id>`, and the
// create/remove walk shared by both drivers. Parents are shared between projects running in
// parallel: a parent removed by another process between our mkdirs is recreated (ENOENT
// retry), and parents are removed only when empty (the kernel refuses otherwise).
import { join } from 'node:path';
import { SysError, TscError } from '../../schema/errors.ts';
import type { Hierarchy, Layout } from './detect.ts';
import { mkdirOne, removeDir } from './files.ts';
import type { CgroupHandle } from './types.ts';

export const TOP = 'tscompose';

const NAME = /^[a-zA-Z0-9][a-zA-Z0-9_.-]*$/;

export function checkName(what: string, v: string): void {
  if (!NAME.test(v)) throw new TscError('CGROUP_NAME', `Invalid ${what} "${v}" for a cgroup directory name`);
}

export function levels(h: Hierarchy, project: string, id: string): { top: string; project: string; leaf: string } {
  const top = join(h.path, TOP);
  return { top, project: join(top, project), leaf: join(top, project, id) };
}

export function handleOf(layout: Layout, project: string, id: string): CgroupHandle {
  checkName('project name', project);
  checkName('container id', id);
  const dirs: Record<string, string> = {};
  for (const h of layout.hierarchies) dirs[h.key] = levels(h, project, id).leaf;
  return { project, id, dirs };
}

/**
 * Creates top, project and leaf in one hierarchy. `onNew(dir, level)` runs for each level,
 * whether just made or already there, before the next level is made (cpuset must be filled in a
 * parent before a child inherits from it; v2 parents must enable controllers for their children).
 */
export function mkdirChain(h: Hierarchy, project: string, id: string, onLevel: (dir: string, level: 'top' | 'project' | 'leaf') => void): void {
  const l = levels(h, project, id);
  for (let attempt = 0; ; attempt++) {
    try {
      mkdirOne(l.top);
      onLevel(l.top, 'top');
      mkdirOne(l.project);
      onLevel(l.project, 'project');
      mkdirOne(l.leaf);
      onLevel(l.leaf, 'leaf');
      return;
    } catch (e) {
      // Another project's `down` removed an empty shared parent between two of our steps.
      if (e instanceof SysError && e.errno === 'ENOENT' && attempt < 5) continue;
      throw e;
    }
  }
}

/** rmdir the leaf in every hierarchy (retrying EBUSY while tasks exit), then empty parents. */
export async function removeChain(layout: Layout, project: string, id: string | undefined): Promise<void> {
  const errors: unknown[] = [];
  await Promise.all(layout.hierarchies.map(async (h) => {
    try {
      const l = levels(h, project, id ?? '_');
      if (id !== undefined) await removeDir(l.leaf, { busyMs: 2000, fake: layout.fake });
      await removeDir(l.project, { busyMs: 0, fake: layout.fake });
      await removeDir(l.top, { busyMs: 0, fake: layout.fake });
    } catch (e) {
      errors.push(e);
    }
  }));
  if (errors.length) throw errors[0];
}
