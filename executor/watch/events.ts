// What watch mode reports, as data and as one terminal line each. The line format is the
// user-visible contract: `web: synced 3 files (12 ms)`, `api: restarted (140 ms)`.
export type WatchEvent =
  | { type: 'watching'; service: string; paths: string[] }
  | { type: 'synced'; service: string; files: number; deleted: number; containers: number; ms: number; initial?: boolean; sample?: string }
  | { type: 'restarted'; service: string; ms: number }
  | { type: 'exec'; service: string; container: string; command: string[]; code: number; ms: number }
  | { type: 'no-containers'; service: string }
  | { type: 'reloaded'; ms: number }
  | { type: 'error'; service: string; message: string };

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

export function formatEvent(e: WatchEvent): string {
  switch (e.type) {
    case 'watching':
      return `${e.service}: watching ${e.paths.join(', ')}`;
    case 'synced': {
      const what = e.files === 1 && e.deleted === 0 && e.sample ? e.sample : plural(e.files, 'file');
      const parts = [e.files > 0 || e.deleted === 0 ? `synced ${what}` : '', e.deleted > 0 ? `deleted ${plural(e.deleted, 'path')}` : '']
        .filter(Boolean).join(', ');
      const to = e.containers > 1 ? ` to ${e.containers} containers` : '';
      return `${e.service}: ${e.initial ? 'initial sync: ' : ''}${parts}${to} (${Math.round(e.ms)} ms)`;
    }
    case 'restarted':
      return `${e.service}: restarted (${Math.round(e.ms)} ms)`;
    case 'exec':
      return `${e.service}: exec ${e.command.join(' ')} in ${e.container.slice(0, 12)} → exit ${e.code} (${Math.round(e.ms)} ms)`;
    case 'no-containers':
      return `${e.service}: no running container, changes kept for when it starts`;
    case 'reloaded':
      return `stack file: reloaded (${Math.round(e.ms)} ms)`;
    case 'error':
      return `${e.service}: ${e.message}`;
  }
}
