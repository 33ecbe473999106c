// Start-up speed: the `yaml` package is 74 CommonJS files, and resolving + loading them costs
// ~25 ms of every command that reads a stack file (half of the `config -q` budget beyond Node
// itself). This packs them, once, into one file in the user's cache (~/.cache/tscompose/), keyed
// by yaml's version, and points `import 'yaml'` at it with a module resolve hook. The packed file
// is the very same code (each file wrapped in a function, with a small require for the relative
// requires), generated from node_modules on the machine, never stored in the repo.
// Any failure leaves the normal resolution in place.
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, statSync, writeFileSync } from 'node:fs';
import { createRequire, registerHooks } from 'node:module';
import { dirname, join, relative } from 'node:path';
import { pathToFileURL } from 'node:url';

let installed = false;

export function usePackedYaml(env: NodeJS.ProcessEnv = process.env): void {
  if (installed || env.TSCOMPOSE_NO_YAML_PACK) return;
  installed = true;
  try {
    const base = env.XDG_CACHE_HOME ?? (env.HOME ? join(env.HOME, '.cache') : undefined);
    if (!base) return;
    const req = createRequire(import.meta.url);
    const pkgFile = req.resolve('yaml/package.json');
    const version = (JSON.parse(readFileSync(pkgFile, 'utf8')) as { version: string }).version;
    const pack = join(base, 'tscompose', `yaml-${version}.cjs`);
    if (!existsSync(pack)) writePack(join(dirname(pkgFile), 'dist'), pack);
    const url = pathToFileURL(pack).href;
    registerHooks({
      resolve(specifier, context, next) {
        if (specifier === 'yaml') return { url, format: 'commonjs', shortCircuit: true };
        return next(specifier, context);
      },
    });
  } catch {
    // Only slower.
  }
}

function writePack(dist: string, out: string): void {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const n of readdirSync(d)) {
      const p = join(d, n);
      if (statSync(p).isDirectory()) walk(p);
      else if (p.endsWith('.js')) files.push(p);
    }
  };
  walk(dist);
  let text = `'use strict';\n// Packed from ${dist} by tscompose (cli/yaml-pack.ts) for a faster start.\nconst defs = {\n`;
  for (const f of files) text += `${JSON.stringify(relative(dist, f))}: function (module, exports, require) {\n${readFileSync(f, 'utf8')}\n},\n`;
  text += `};
const cache = {};
const path = require('node:path');
function requireFrom(from) {
  return (spec) => {
    if (!spec.startsWith('.')) return require(spec);
    let id = path.posix.normalize(path.posix.join(path.posix.dirname(from), spec));
    if (!id.endsWith('.js')) id += '.js';
    if (cache[id]) return cache[id].exports;
    const m = { exports: {} };
    cache[id] = m;
    defs[id](m, m.exports, requireFrom(id));
    return m.exports;
  };
}
module.exports = requireFrom('index.js')('./index.js');
`;
  if (!files.some((f) => relative(dist, f) === 'index.js')) throw new Error('yaml/dist/index.js missing');
  mkdirSync(dirname(out), { recursive: true });
  const tmp = `${out}.${process.pid}.tmp`;
  writeFileSync(tmp, text);
  renameSync(tmp, out);
}
