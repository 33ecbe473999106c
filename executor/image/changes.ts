// `image import --change`: the Dockerfile instructions docker import accepts, applied to the
// image's run config. Pure.
import type { OciImageConfig } from './oci.ts';
import { ImageError } from './errors.ts';

function argv(rest: string, shell: boolean): string[] {
  const t = rest.trim();
  if (t.startsWith('[')) {
    try {
      const a = JSON.parse(t) as unknown;
      if (Array.isArray(a) && a.every((x) => typeof x === 'string')) return a;
    } catch { /* shell form */ }
  }
  return shell ? ['/bin/sh', '-c', t] : t.split(/\s+/).filter(Boolean);
}

/** `KEY=value KEY2="two words"` or the legacy `KEY value` form. */
function pairs(rest: string): [string, string][] {
  const t = rest.trim();
  if (!/^[^\s=]+=/.test(t)) {
    const sp = t.search(/\s/);
    return sp < 0 ? [[t, '']] : [[t.slice(0, sp), t.slice(sp).trim()]];
  }
  const out: [string, string][] = [];
  const re = /([^\s=]+)=("((?:[^"\\]|\\.)*)"|\S*)/g;
  for (let m = re.exec(t); m; m = re.exec(t)) out.push([m[1]!, m[3] !== undefined ? m[3].replace(/\\(.)/g, '$1') : m[2]!]);
  return out;
}

export function applyChanges(base: OciImageConfig, changes: string[]): OciImageConfig {
  const c: OciImageConfig = { ...base };
  for (const raw of changes) {
    const m = /^\s*(\w+)\s+([\s\S]*)$/.exec(raw);
    if (!m) throw new ImageError('BAD_CHANGE', `cannot parse --change ${JSON.stringify(raw)}`, { hint: 'e.g. --change \'CMD ["sh"]\'' });
    const [, instr, rest] = m as unknown as [string, string, string];
    switch (instr.toUpperCase()) {
      case 'CMD': c.Cmd = argv(rest, true); break;
      case 'ENTRYPOINT': c.Entrypoint = argv(rest, true); break;
      case 'WORKDIR': c.WorkingDir = rest.trim(); break;
      case 'USER': c.User = rest.trim(); break;
      case 'STOPSIGNAL': c.StopSignal = rest.trim(); break;
      case 'ENV': {
        const env = [...(c.Env ?? [])];
        for (const [k, v] of pairs(rest)) {
          const i = env.findIndex((e) => e.startsWith(`${k}=`));
          if (i >= 0) env[i] = `${k}=${v}`; else env.push(`${k}=${v}`);
        }
        c.Env = env;
        break;
      }
      case 'LABEL': c.Labels = { ...(c.Labels ?? {}), ...Object.fromEntries(pairs(rest)) }; break;
      case 'EXPOSE': {
        const ports = { ...(c.ExposedPorts ?? {}) };
        for (const p of rest.trim().split(/\s+/)) ports[p.includes('/') ? p : `${p}/tcp`] = {};
        c.ExposedPorts = ports;
        break;
      }
      case 'VOLUME': {
        const vols = { ...(c.Volumes ?? {}) };
        for (const v of argv(rest, false)) vols[v] = {};
        c.Volumes = vols;
        break;
      }
      default:
        throw new ImageError('BAD_CHANGE', `--change ${instr} is not supported by import`, { hint: 'use CMD, ENTRYPOINT, ENV, WORKDIR, USER, EXPOSE, LABEL, VOLUME or STOPSIGNAL' });
    }
  }
  return c;
}
