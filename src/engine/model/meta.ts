/** metadata of a Kubernetes object: name, namespace, labels, annotations. */

import { labelKeyProblem, labelValueProblem, nameFormatOf, nameProblem, nameSuggestion } from './apiNames';
import { metadataFields } from './k8sFields';
import type { Reader } from './reader';
import type { Path } from './path';

export interface Meta {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
}

/**
 * Reads `metadata` at `path`; undefined (after a diagnostic) when it has no usable name, or when
 * the API server would refuse its name, namespace or labels: such an object never exists in a
 * cluster, so it is left out and the rest of the file still simulates.
 */
export function readMeta(root: Reader, path: Path = ['metadata'], nameRequired = true): Meta | undefined {
  root.obj(path, nameRequired);
  const r = root.at(path);
  r.fields([], metadataFields.reads, 'lenient', metadataFields.known);
  const name = r.str(['name'], nameRequired);
  if (name === undefined && nameRequired) return undefined;
  const namespace = r.str(['namespace']);
  const labels = r.strMap(['labels']);
  const kind = root.get(['kind']);
  // A pod template's name is not the object's: only its labels are checked.
  const accepted = (name === undefined || checkName(r, typeof kind === 'string' ? kind : '', name)) && checkNamespace(r, namespace) && checkLabels(r, labels);
  if (!accepted) return undefined;
  return {
    name: name ?? '',
    namespace: namespace ?? 'default',
    labels,
    annotations: readAnnotations(r.get(['annotations'])),
  };
}

const leftOut = 'the API server would refuse this object, so it is left out';

function checkName(r: Reader, kind: string, name: string): boolean {
  const format = nameFormatOf(kind);
  const problem = nameProblem(format, name);
  if (problem === undefined) return true;
  const suggestion = nameSuggestion(format, name);
  r.report('badName', ['name'], `${kind || 'object'} name "${name}" ${problem}; ${leftOut}. Rename it${suggestion ? ` (e.g. "${suggestion}")` : ''}`);
  return false;
}

function checkNamespace(r: Reader, namespace: string | undefined): boolean {
  // An empty namespace is the request's own, which kubectl fills in.
  if (namespace === undefined || namespace === '') return true;
  const problem = nameProblem('dns1123Label', namespace);
  if (problem === undefined) return true;
  const suggestion = nameSuggestion('dns1123Label', namespace);
  r.report('badName', ['namespace'], `namespace "${namespace}" ${problem}; ${leftOut}. Use a valid namespace name${suggestion ? ` (e.g. "${suggestion}")` : ''}`);
  return false;
}

function checkLabels(r: Reader, labels: Readonly<Record<string, string>>): boolean {
  let ok = true;
  for (const key in labels) {
    const keyProblem = labelKeyProblem(key);
    if (keyProblem !== undefined) {
      r.report('badLabel', ['labels', key], `label key "${key}" ${keyProblem}; ${leftOut}. Fix the key`, 'key');
      ok = false;
    }
    const valueProblem = labelValueProblem(labels[key]!);
    if (valueProblem !== undefined) {
      r.report('badLabel', ['labels', key], `the value of label "${key}" ${valueProblem}; ${leftOut}. Fix the value`);
      ok = false;
    }
  }
  return ok;
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
