/** A path into a parsed document: mapping keys and sequence indexes, as a diagnostic names a field. */
export type Path = readonly (string | number)[];

/** Which part of a mapping entry a position refers to: the key (for an unknown field) or its value. */
export type PathPart = 'key' | 'value';

/** `spec.nodes[1].address`, as messages name a field. */
export function formatPath(path: Path): string {
  let out = '';
  for (const p of path) out += typeof p === 'number' ? `[${p}]` : out ? `.${p}` : p;
  return out;
}
