// Test helper (not a test file): writes a small stack into a temp dir, loads it, and checks the
// `config` round trip — load → config YAML/JSON → reload → the same model (compose-go's loader tests).
import assert from 'node:assert/strict';
import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { testEnv } from '../../helpers/env.ts';
import { loadProjectSync } from '../../../schema/load.ts';
import type { LoadOptions } from '../../../schema/load.ts';
import { renderConfig } from '../../../schema/config-output.ts';
import { StackFileError } from '../../../schema/errors.ts';
import type { Project } from '../../../schema/model.ts';

export interface Stack {
  dir: string;
  load(o?: LoadOptions): Project;
  cleanup(): void;
}

/** Files by relative path; the first one is compose.yaml unless named. */
export function stack(files: Record<string, string>): Stack {
  const t = testEnv('schema');
  const dir = join(t.dir, 'proj');
  for (const [rel, text] of Object.entries(files)) {
    const p = join(dir, rel);
    mkdirSync(dirname(p), { recursive: true });
    writeFileSync(p, text);
  }
  return {
    dir,
    load: (o = {}) => loadProjectSync({ cwd: dir, env: { HOME: '/home/u' }, ...o }),
    cleanup: () => t.cleanup(),
  };
}

/** Loads one compose.yaml snippet in a fresh dir; runs the round trip; returns the project. */
export function loadSnippet(yaml: string, o: LoadOptions = {}, extra: Record<string, string> = {}): Project {
  const s = stack({ 'compose.yaml': yaml, ...extra });
  try {
    const p = s.load(o);
    assertRoundTrip(p, s, o);
    return p;
  } finally {
    s.cleanup();
  }
}

/** The model without the bookkeeping that is not part of the config (origins, file list). */
export function model(p: Project): unknown {
  const { origins: _o, files: _f, ...rest } = p;
  return JSON.parse(JSON.stringify(rest));
}

export function assertRoundTrip(p: Project, s: Stack, o: LoadOptions = {}): void {
  for (const format of ['yaml', 'json'] as const) {
    const file = join(s.dir, `roundtrip.${format}`);
    writeFileSync(file, renderConfig(p, format));
    const again = s.load({ ...o, files: [file], projectDirectory: s.dir });
    // config prints only enabled services, so services disabled by profiles do not come back.
    const { disabled_services: _d, ...want } = model(p) as Record<string, unknown>;
    const { disabled_services: _e, ...got } = model(again) as Record<string, unknown>;
    assert.deepEqual(got, want, `round trip through config --format ${format} changed the model`);
  }
}

/** The problems of a load that must fail. */
export function problemsOf(f: () => unknown): StackFileError['problems'] {
  try {
    f();
  } catch (e) {
    if (e instanceof StackFileError) return e.problems;
    throw e;
  }
  assert.fail('expected a StackFileError');
}
