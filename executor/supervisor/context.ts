// What every supervisor operation needs: the parts (Engine), the project's journal, /proc, and
// where to report. Built once per command by the CLI (or by tests with fakes).
import type { Journal } from '../state/journal.ts';
import type { ProcReader } from '../state/proc.ts';
import type { Engine } from './ports.ts';
import type { Emit } from './events.ts';

export interface Ctx {
  project: string;
  engine: Engine;
  journal: Journal;
  proc: ProcReader;
  emit: Emit;
}
