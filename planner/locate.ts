// Where a key was written: the planner's errors point at the stack file like the schema's do.
// The origins map holds the exact key path when the long form was written (`services.web.depends_on.db`);
// after short → long expansion some paths no longer exist (`depends_on: [db]` was `depends_on[0]`), so
// fall back to the nearest parent that has a position.
import type { Project } from '../schema/model.ts';
import type { Origin } from '../schema/errors.ts';

export function originOf(project: Project, keyPath: string): Origin | undefined {
  let p = keyPath;
  for (;;) {
    const o = project.origins.get(p);
    if (o) return o;
    const cut = Math.max(p.lastIndexOf('.'), p.lastIndexOf('['));
    if (cut <= 0) return undefined;
    p = p.slice(0, cut);
  }
}
