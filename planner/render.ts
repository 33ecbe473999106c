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
  const levelOf = new Map<string, number>();
  // Operations by level, each level in plan order: the step order without a sort.
  const byLevel: Operation[][] = [];
  for (const op of plan.operations) {
    let l = 1;
    for (const d of op.dependsOn) l = Math.max(l, (levelOf.get(d) ?? 0) + 1);
    levelOf.set(op.id, l);
    (byLevel[l] ??= []).push(op);
  }
  const rows: Numbered[] = [];
  byLevel.forEach((ops, level) => {
    for (const op of ops) rows.push({ op, level, step: rows.length + 1 });
  });
  return rows;
}

export function renderPlan(plan: Plan): string {
  const rows = number(plan);
  if (rows.length === 0) return `Nothing to do for project "${plan.project}"\n`;
  const stepOf = new Map<string, number>();
  for (const r of rows) stepOf.set(r.op.id, r.step);
  const after = rows.map((r) => afterSteps(r.op.dependsOn, stepOf));
  const what = rows.map((r) => `${r.op.kind} ${r.op.resource}`);
  const width = [String(rows.length).length, 1, 0];
  for (let i = 0; i < rows.length; i++) {
    width[1] = Math.max(width[1] as number, (after[i] as string).length);
    width[2] = Math.max(width[2] as number, (what[i] as string).length);
  }
  let out = '';
  rows.forEach((r, i) => {
    const line = `${String(r.step).padStart(width[0] as number)}  ${(after[i] as string).padEnd(width[1] as number)}  ${(what[i] as string).padEnd(width[2] as number)}  ${r.op.type}: ${r.op.cause}${waits(r.op.waitFor)}`;
    out += `${line.trimEnd()}\n`;
  });
  for (const w of plan.warnings) out += `warning: ${w}\n`;
  return out;
}

/** `after 3,7` (ascending; `?` for an id not in the plan) or `-`. */
function afterSteps(dependsOn: string[], stepOf: Map<string, number>): string {
  if (dependsOn.length === 0) return '-';
  const steps: number[] = [];
  let unknown = 0;
  for (const d of dependsOn) {
    const s = stepOf.get(d);
    if (s === undefined) unknown++;
    else steps.push(s);
  }
  if (steps.length > 1) steps.sort((a, b) => a - b);
  const list: (number | string)[] = steps;
  for (let i = 0; i < unknown; i++) list.push('?');
  return `after ${list.join(',')}`;
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
