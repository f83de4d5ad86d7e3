/** metadata of a Kubernetes object: name, namespace, labels, annotations. */

import { metadataFields } from './k8sFields';
import type { Reader } from './reader';
import type { Path } from './path';

export interface Meta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/** Reads `metadata` at `path`; undefined (after a diagnostic) when it has no usable name. */
export function readMeta(r: Reader, path: Path = ['metadata'], nameRequired = true): Meta | undefined {
  r.obj(path, nameRequired);
  r.fields(path, metadataFields.reads, 'lenient', metadataFields.known);
  const name = r.str([...path, 'name'], nameRequired);
  if (name === undefined && nameRequired) return undefined;
  return {
    name: name ?? '',
    namespace: r.str([...path, 'namespace']) ?? 'default',
    labels: r.strMap([...path, 'labels']),
    annotations: readAnnotations(r, [...path, 'annotations']),
  };
}

/** Annotations are free text; a non-string value is passed over rather than reported, as the simulator reads only a few. */
function readAnnotations(r: Reader, path: Path): Record<string, string> {
  const m = r.get(path);
  const out: Record<string, string> = {};
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return out;
  for (const [k, v] of Object.entries(m as Record<string, unknown>)) if (typeof v === 'string') out[k] = v;
  return out;
}
