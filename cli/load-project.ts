// The global CLI options (-f, -p, --project-directory, --profile, --env-file) as the schema
// loader's LoadOptions. Every command that needs the project goes through here.
import type { GlobalOptions } from './global-options.ts';
import type { LoadOptions } from '../schema/load.ts';
import { fileParseCache } from './parse-cache.ts';

export function loadOptionsOf(g: GlobalOptions, extra: Partial<LoadOptions> = {}): LoadOptions {
  const o: LoadOptions = { cwd: process.cwd(), env: process.env, onWarning: (m) => process.stderr.write(`WARN ${m}\n`) };
  const cache = fileParseCache();
  if (cache) o.parseCache = cache;
  if (g.file?.length) o.files = g.file;
  if (g.projectName !== undefined) o.projectName = g.projectName;
  if (g.projectDirectory !== undefined) o.projectDirectory = g.projectDirectory;
  if (g.profile?.length) o.profiles = g.profile;
  if (g.envFile?.length) o.envFiles = g.envFile;
  return { ...o, ...extra };
}

/**
 * Loads the project the global options describe (lazily imports the schema layer). The `yaml`
 * package is not needed on this path any more (schema/yaml-fast.ts): a command that prints YAML
 * calls usePackedYaml() itself, so the others do not pay for its resolve hook on every import.
 */
export async function loadProjectFor(g: GlobalOptions, extra: Partial<LoadOptions> = {}) {
  const { loadProject } = await import('../schema/load.ts');
  return loadProject(loadOptionsOf(g, extra));
}
