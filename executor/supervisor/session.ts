// A command's handle on one project: its journal, the Engine, /proc and an event bus.
import { Journal } from '../state/journal.ts';
import { realProc } from '../state/proc.ts';
import { EventBus } from './events.ts';
import type { Ctx } from './context.ts';
import type { Engine } from './ports.ts';

export type Session = Ctx & { bus: EventBus };

export async function openSession(project: string, engine?: Engine): Promise<Session> {
  const { realEngine } = await import('./engine.ts');
  const bus = new EventBus();
  return { project, engine: engine ?? (await realEngine(project)), journal: new Journal(project), proc: realProc, emit: bus.emit, bus };
}
