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
export function readMeta(root: Reader, path: Path = ['metadata'], nameRequired = true): Meta | undefined {
  root.obj(path, nameRequired);
  const r = root.at(path);
  r.fields([], metadataFields.reads, 'lenient', metadataFields.known);
  const name = r.str(['name'], nameRequired);
  if (name === undefined && nameRequired) return undefined;
  return {
    name: name ?? '',
    namespace: r.str(['namespace']) ?? 'default',
    labels: r.strMap(['labels']),
    annotations: readAnnotations(r.get(['annotations'])),
  };
}

/** Annotations are free text; a non-string value is passed over rather than reported, as the simulator reads only a few. */
function readAnnotations(m: unknown): Record<string, string> {
  if (m === null || typeof m !== 'object' || Array.isArray(m)) return {};
  const all = m as Record<string, unknown>;
  let allStrings = true;
  for (const k in all) if (typeof all[k] !== 'string') allStrings = false;
  if (allStrings) return all as Record<string, string>;
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(all)) if (typeof v === 'string') out[k] = v;
  return out;
}
