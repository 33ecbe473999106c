// Printing a plan (`up --dry-run`). The plan is a DAG; to print it, operations are numbered in
// "step" order: by level (1 + the deepest dependency), then by the order the planner produced.
// Levels are only a way to show it; the executor never waits for a whole level.
//
// One line per operation:  <step>  after <steps>  <kind> <resource>  <operation>: <cause>
import type { Operation, Plan, WaitFor } from './plan.ts';

interface Numbered {
  op: Operation;
  step: number;
  level: number;
}

function number(plan: Plan): Numbered[] {
  const level = new Map<string, number>();
  const rows = plan.operations.map((op, i) => {
    let l = 1;
    for (const d of op.dependsOn) l = Math.max(l, (level.get(d) ?? 0) + 1);
    level.set(op.id, l);
    return { op, level: l, index: i, step: 0 };
  });
  rows.sort((a, b) => a.level - b.level || a.index - b.index);
  rows.forEach((r, i) => (r.step = i + 1));
  return rows;
}

export function renderPlan(plan: Plan): string {
  const rows = number(plan);
  if (rows.length === 0) return `Nothing to do for project "${plan.project}"\n`;
  const stepOf = new Map(rows.map((r) => [r.op.id, r.step]));
  const cols = rows.map((r) => {
    const after = r.op.dependsOn.map((d) => stepOf.get(d) ?? '?').sort((a, b) => Number(a) - Number(b));
    return [String(r.step), after.length ? `after ${after.join(',')}` : '-', `${r.op.kind} ${r.op.resource}`, `${r.op.type}: ${r.op.cause}${waits(r.op.waitFor)}`];
  });
  const width = [0, 1, 2].map((i) => cols.reduce((m, c) => Math.max(m, (c[i] as string).length), 0));
  const lines = cols.map((c) => [(c[0] as string).padStart(width[0] as number), (c[1] as string).padEnd(width[1] as number), (c[2] as string).padEnd(width[2] as number), c[3]].join('  ').trimEnd());
  for (const w of plan.warnings) lines.push(`warning: ${w}`);
  return `${lines.join('\n')}\n`;
}

function waits(w: WaitFor[] | undefined): string {
  const strict = (w ?? []).filter((x) => x.condition !== 'service_started');
  if (!strict.length) return '';
  const word = { service_healthy: 'healthy', service_completed_successfully: 'completed', service_started: 'started' } as const;
  return ` [waits: ${strict.map((x) => `${x.service} ${word[x.condition]}${x.required ? '' : ' (optional)'}`).join(', ')}]`;
}

export interface PlanJson {
  project: string;
  operations: (Operation & { step: number; level: number })[];
  warnings: string[];
  external: Plan['external'];
}

/** The plan for `--format json`: the operations in step order, each with its step and level. */
export function planToJson(plan: Plan): PlanJson {
  return {
    project: plan.project,
    // step, level, id and type first: the fields a reader scans for.
    operations: number(plan).map((r) => {
      const { id, type, ...rest } = r.op;
      return { step: r.step, level: r.level, id, type, ...rest };
    }),
    warnings: [...plan.warnings],
    external: [...plan.external],
  };
}
