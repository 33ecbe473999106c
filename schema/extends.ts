// `extends:` — a service starts from another service (same file or another file) and overrides it
// with the multi-file merge rules. Chains resolve depth-first; a cycle is an error naming the chain.
// Works on canonical trees, so the base service's relative paths were already made absolute
// against its own file's directory.
import { mergeValue } from './rules/merge.ts';
import type { TreeProblem } from './interpolate.ts';

type Obj = Record<string, unknown>;
const isObj = (v: unknown): v is Obj => typeof v === 'object' && v !== null && !Array.isArray(v);

export interface ExtendsHost {
  /** Canonical tree of another stack file (cached by the caller); undefined when it failed to load. */
  loadFile(path: string): Obj | undefined;
}

/** Resolves every `extends` in `tree` (a canonical tree of `file`), in place. */
export function resolveExtends(tree: Obj, file: string, host: ExtendsHost, problems: TreeProblem[]): void {
  const services = isObj(tree.services) ? tree.services : undefined;
  if (!services) return;
  const done = new Set<string>();
  for (const name of Object.keys(services)) resolveOne(tree, file, name, host, problems, [], done);
}

function resolveOne(tree: Obj, file: string, name: string, host: ExtendsHost, problems: TreeProblem[], stack: string[], done: Set<string>): Obj | undefined {
  const services = tree.services as Obj;
  const svc = services[name];
  if (!isObj(svc)) return undefined;
  const id = `${file}#${name}`;
  if (done.has(id) || svc.extends === undefined) return svc;
  if (stack.includes(id)) {
    const chain = [...stack.slice(stack.indexOf(id)), id].map((s) => s.split('#')[1]).join(' -> ');
    problems.push({ keyPath: `services.${name}.extends`, message: `extends cycle: ${chain}` });
    return undefined;
  }
  const ext = svc.extends as { service?: string; file?: string };
  const baseName = String(ext.service);
  let baseTree = tree;
  let baseFile = file;
  if (typeof ext.file === 'string') {
    const other = host.loadFile(ext.file);
    if (!other) {
      problems.push({ keyPath: `services.${name}.extends.file`, message: `cannot load ${ext.file}` });
      return undefined;
    }
    baseTree = other;
    baseFile = ext.file;
  }
  const baseServices = isObj(baseTree.services) ? baseTree.services : {};
  if (!(baseName in baseServices)) {
    problems.push({ keyPath: `services.${name}.extends`, message: `cannot extend service "${baseName}": not defined in ${baseFile}` });
    return undefined;
  }
  const base = resolveOne(baseTree, baseFile, baseName, host, problems, [...stack, id], baseTree === tree ? done : new Set());
  if (!base) return undefined;
  const { extends: _drop, ...local } = svc;
  const { extends: _drop2, ...baseClean } = base;
  const merged = mergeValue(baseClean, local, ['services', name]) as Obj;
  services[name] = merged;
  done.add(id);
  return merged;
}
