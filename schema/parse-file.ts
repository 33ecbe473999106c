// One stack file's text → ParsedFile: the fast values-only parse (yaml-fast.ts) on the happy path,
// with origins deferred until an error asks for one; the full parse with positions (yaml-tree.ts)
// when the fast parser refuses the file, so every YAML error keeps its file:line:col.
import type { StackFileProblem } from './errors.ts';
import { OriginMap } from './origins.ts';
import type { ParsedFile, Tree } from './tree.ts';
import { parseYamlFast } from './yaml-fast.ts';
import { parseYaml } from './yaml-tree.ts';

export function parseStackFile(text: string, file: string): { parsed?: ParsedFile; problems: StackFileProblem[] } {
  const fast = parseYamlFast(text);
  if (!fast) return parseYaml(text, file);
  return { parsed: { file, tree: fast.tree, origins: deferredOrigins(text, file), tagged: fast.tagged }, problems: [] };
}

/** A parsed file whose tree is already known (the parse cache): origins still come from the text. */
export function parsedFromTree(text: string, file: string, tree: Tree, tagged: boolean): ParsedFile {
  return { file, tree, origins: deferredOrigins(text, file), tagged };
}

/**
 * The key → position map of a file, built by the full parse on first read. The fast parser
 * accepted the text, so the full one does too (proved on the fixtures and by a property test);
 * if it ever did not, the map is empty and errors lose only their position.
 */
function deferredOrigins(text: string, file: string): OriginMap {
  return OriginMap.deferred(file, () => parseYaml(text, file).parsed?.origins ?? []);
}
