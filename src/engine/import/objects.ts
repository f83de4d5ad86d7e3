/**
 * The Kubernetes objects of a cluster's own description, as `kubectl` writes it: `get -o yaml|json`
 * output (a `kind: List`, or a stream of objects), the typed lists of a `cluster-info dump` folder
 * (PodList, NodeList… whose items carry no kind), and a `cluster-info dump` to stdout, where the
 * lists follow one another as JSON with each pod's logs printed between them.
 */

import * as yaml from 'js-yaml';
import type { SourceFile } from '../model/host';
import { isRecord } from '../model/reader';
import { fromInternalList, isInternalList } from './internal';

export type KubeObject = Record<string, unknown> & { readonly kind: string; readonly metadata: Record<string, unknown> };

export interface ReadObjects {
  readonly objects: KubeObject[];
  /** What a reader should know about the inputs (a part not read, a list converted): one sentence each, naming the file. */
  readonly notes: string[];
}

/**
 * A list's items, each given the list's item kind when it has none: the API leaves TypeMeta out
 * of a typed list's items, and Kubernetes' client decoder gives them the list's kind
 * (PodList → Pod), as kubectl does when it prints them.
 */
function flatten(value: unknown, into: KubeObject[]): void {
  if (isInternalList(value)) {
    into.push(...fromInternalList(value));
    return;
  }
  if (!isRecord(value)) return;
  const kind = value.kind;
  if (Array.isArray(value.items) && (kind === undefined || (typeof kind === 'string' && kind.endsWith('List')))) {
    const itemKind = typeof kind === 'string' && kind !== 'List' ? kind.slice(0, -'List'.length) : undefined;
    for (const item of value.items) {
      if (isRecord(item) && item.kind === undefined && itemKind !== undefined) flatten({ apiVersion: value.apiVersion, kind: itemKind, ...item }, into);
      else flatten(item, into);
    }
    return;
  }
  if (typeof kind === 'string' && isRecord(value.metadata)) into.push(value as KubeObject);
}

/**
 * The JSON values of a text that holds one or more of them, with anything between (the logs of
 * a `cluster-info dump` to stdout) passed over. Each value starts at a line's first `{`; a line
 * of a log that merely starts with one is passed over too, unless it reads as an API object.
 */
function jsonValues(text: string, file: string, notes: string[]): unknown[] {
  const values: unknown[] = [];
  // The first value may be indented; each later one starts a line.
  let open = text.indexOf('{');
  while (open >= 0) {
    const end = matchingBrace(text, open);
    let value: unknown;
    try {
      value = end < 0 ? undefined : JSON.parse(text.slice(open, end + 1));
    } catch {
      value = undefined;
    }
    if (value !== undefined) values.push(value);
    else if (/^\{\s*"(kind|apiVersion)"/.test(text.slice(open, open + 200))) notes.push(`${file}: the JSON value on line ${lineOf(text, open)} does not parse; it is left out`);
    const next = text.indexOf('\n{', value !== undefined ? end + 1 : open + 1);
    open = next < 0 ? -1 : next + 1;
  }
  return values;
}

/** The index of the `}` closing the object opened at `open`, strings and escapes respected; -1 if none. */
function matchingBrace(text: string, open: number): number {
  let depth = 0;
  let inString = false;
  for (let i = open; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (inString) {
      if (c === 0x5c /* \ */) i++;
      else if (c === 0x22 /* " */) inString = false;
    } else if (c === 0x22) inString = true;
    else if (c === 0x7b /* { */ || c === 0x5b /* [ */) depth++;
    else if (c === 0x7d /* } */ || c === 0x5d /* ] */) {
      depth--;
      if (depth === 0) return i;
    }
  }
  return -1;
}

function lineOf(text: string, offset: number): number {
  let n = 1;
  for (let i = text.indexOf('\n'); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

/** Every Kubernetes object the files hold, in file order. */
export function readObjects(files: readonly SourceFile[]): ReadObjects {
  const objects: KubeObject[] = [];
  const notes: string[] = [];
  for (const file of files) {
    const first = /\S/.exec(file.text)?.[0];
    if (first === undefined) continue;
    let internal = false;
    const take = (v: unknown): void => {
      if (isInternalList(v) && !internal) {
        internal = true;
        notes.push(`${file.path}: written by an old kubectl in its internal form (Go field names, no kind); its objects are written back as the API spells them`);
      }
      flatten(v, objects);
    };
    if (first === '{') {
      for (const v of jsonValues(file.text, file.path, notes)) take(v);
      continue;
    }
    try {
      // The core schema keeps timestamps and the like as the strings they are, so objects are written back unchanged.
      yaml.loadAll(file.text, take, { filename: file.path, json: true, schema: yaml.CORE_SCHEMA });
    } catch (e) {
      notes.push(`${file.path}: not YAML or JSON that kubectl writes (${e instanceof yaml.YAMLException ? e.reason : (e as Error).message}); it is left out`);
    }
  }
  return { objects, notes };
}
