/**
 * Typed, position-aware access to one parsed document. Every read that finds the wrong type
 * reports it at the offending value and answers `undefined`, so validators read straight down a
 * document without their own type checks and never throw.
 */

import type { Diagnostic, SourcePos, SourceSpan } from '../diagnostics';
import type { CodeKey } from './codes';
import type { ParsedDocument } from './documents';
import { nearest, oneOf } from './nearest';
import { formatPath, type Path, type PathPart } from './path';
import { diagnostic } from './report';

export type Json = Record<string, unknown>;

export function isRecord(v: unknown): v is Json {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

// Type tests shared by every read, rather than a new closure per call on the hot path.
const isString = (v: unknown): v is string => typeof v === 'string';
const isNumber = (v: unknown): v is number => typeof v === 'number';
const isBoolean = (v: unknown): v is boolean => typeof v === 'boolean';
const isArray = (v: unknown): v is unknown[] => Array.isArray(v);
const noItems: readonly unknown[] = [];

function describe(v: unknown): string {
  if (v === null) return 'null';
  if (Array.isArray(v)) return 'a sequence';
  if (v instanceof Date) return 'a date';
  return typeof v === 'object' ? 'a mapping' : `the ${typeof v} ${JSON.stringify(v)}`;
}

/** How a field set treats names it does not know. */
export type FieldPolicy =
  /** The Cluster document: an unknown name is an error. */
  | 'strict'
  /** Kubernetes objects: an unknown name is fine unless it is a near miss of a name the simulator reads. */
  | 'lenient';

const none: readonly string[] = [];
// Keyed by the readers' constant field lists: the set of names holds no topology.
const accepted = new WeakMap<readonly string[], WeakMap<readonly string[], Set<string>>>();

/** The names a field set accepts, as a set built once per pair of lists. */
export function acceptedNames(reads: readonly string[], known: readonly string[]): Set<string> {
  let byKnown = accepted.get(reads);
  if (!byKnown) accepted.set(reads, (byKnown = new WeakMap()));
  let names = byKnown.get(known);
  if (!names) byKnown.set(known, (names = new Set([...reads, ...known])));
  return names;
}

/** Whether every field name of `m` is in `names`, so that `fields` would report nothing there. */
export function onlyNames(m: Json, names: ReadonlySet<string>): boolean {
  for (const k in m) if (!names.has(k)) return false;
  return true;
}

/** Marks a reader of the whole document (see `get`). */
const WHOLE: unique symbol = Symbol('whole document');

export class Reader {
  /**
   * A reader of the whole document, or (through `at`) of one value inside it: paths are then
   * relative to that value, which spares walking from the root for every field of a deep list.
   */
  constructor(readonly doc: ParsedDocument, private readonly out: Diagnostic[], private readonly base: unknown = WHOLE, private readonly prefix: Path = []) {}

  /** A reader of the value at `path`, for reading many fields below it. */
  at(path: Path): Reader {
    return new Reader(this.doc, this.out, this.get(path), this.full(path));
  }

  /** The path from the document's root. */
  full(path: Path): Path {
    return this.prefix.length ? [...this.prefix, ...path] : path;
  }

  /** The path as messages name it: `spec.nodes[1].address`. */
  name(path: Path): string {
    return formatPath(this.full(path));
  }

  span(path: Path, part: PathPart = 'value'): SourceSpan {
    return this.doc.span(this.full(path), part);
  }

  /**
   * Where the value at `path` starts, found when first asked: finding it parses the document
   * again, which a load that reports nothing there need not pay for.
   */
  lazyPos(path: Path): () => SourcePos {
    let pos: SourcePos | undefined;
    return () => {
      if (!pos) {
        const s = this.span(path);
        pos = { file: s.file, line: s.line, col: s.col };
      }
      return pos;
    };
  }

  report(key: CodeKey, path: Path, message: string, part: PathPart = 'value'): void {
    this.out.push(diagnostic(key, this.span(path, part), message));
  }

  get(path: Path): unknown {
    // A whole-document reader reads the document's value when asked rather than holding it: a
    // draft keeps its reader to report against, and must not keep the parsed tree alive.
    let v: unknown = this.base === WHOLE ? this.doc.value : this.base;
    for (const p of path) {
      if (v === null || typeof v !== 'object') return undefined;
      v = (v as Record<string | number, unknown>)[p];
    }
    return v;
  }

  private typed<T>(path: Path, want: string, ok: (v: unknown) => v is T, required: boolean): T | undefined {
    const v = this.get(path);
    if (v === undefined || v === null) {
      if (required) this.report('missingField', path, `${this.name(path)} is required; add it`, path.length ? 'key' : 'value');
      return undefined;
    }
    if (ok(v)) return v;
    this.report('wrongType', path, `${this.name(path)} must be ${want}, not ${describe(v)}${want === 'a string' ? '; quote it' : ''}`);
    return undefined;
  }

  str(path: Path, required = false): string | undefined {
    return this.typed(path, 'a string', isString, required);
  }

  /** A string field that YAML may have read as a number (a port name, an address without dots). */
  scalarText(path: Path, required = false): string | undefined {
    const v = this.get(path);
    if (typeof v === 'number' || typeof v === 'boolean') return String(v);
    return this.str(path, required);
  }

  int(path: Path, min: number, max: number, required = false, code: CodeKey = 'outOfRange'): number | undefined {
    const v = this.typed(path, 'an integer', isNumber, required);
    if (v === undefined) return undefined;
    if (!Number.isInteger(v) || v < min || v > max) {
      this.report(code, path, `${this.name(path)} is ${v}; it must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return v;
  }

  bool(path: Path): boolean | undefined {
    return this.typed(path, 'true or false', isBoolean, false);
  }

  obj(path: Path, required = false): Json | undefined {
    return this.typed(path, 'a mapping', isRecord, required);
  }

  arr(path: Path, required = false): readonly unknown[] {
    return this.typed(path, 'a sequence', isArray, required) ?? noItems;
  }

  /** One of a fixed set of values, with the nearest one suggested. */
  oneOf<T extends string>(path: Path, values: readonly T[], fallback: T, code: CodeKey = 'badEnum'): T {
    const v = this.str(path);
    if (v === undefined) return fallback;
    if ((values as readonly string[]).includes(v)) return v as T;
    const near = nearest(v, values);
    this.report(code, path, `${this.name(path)} is "${v}"; it must be ${oneOf(values.map((x) => `"${x}"`))}${near ? ` (did you mean "${near}"?)` : ''}`);
    return fallback;
  }

  /** A map of string to string (labels, selectors); values YAML read as numbers or booleans must be quoted. */
  strMap(path: Path): Record<string, string> {
    const m = this.obj(path);
    if (!m) return {};
    // The common case, every value a string, keeps the parsed mapping instead of copying it.
    let allStrings = true;
    for (const k in m) if (typeof m[k] !== 'string') allStrings = false;
    if (allStrings) return m as Record<string, string>;
    const out: Record<string, string> = {};
    for (const [k, v] of Object.entries(m)) {
      if (typeof v === 'string') out[k] = v;
      else if (v === null) out[k] = '';
      else if (typeof v === 'object') this.report('wrongType', [...path, k], `${this.name([...path, k])} must be a string, not ${describe(v)}; write the value on one line`);
      else this.report('wrongType', [...path, k], `${this.name([...path, k])} must be a string, not ${describe(v)}; quote it ("${String(v)}")`);
    }
    return out;
  }

  /**
   * Checks the names of a mapping's fields. `reads` are the names the simulator uses; `known` are
   * other real names that must not be taken for misspellings of them.
   */
  fields(path: Path, reads: readonly string[], policy: FieldPolicy, known: readonly string[] = none): void {
    const m = this.get(path);
    if (!isRecord(m)) return;
    const accepted = acceptedNames(reads, known);
    for (const k in m) {
      if (accepted.has(k)) continue;
      const near = nearest(k, reads);
      if (policy === 'strict') {
        this.report('unknownClusterField', [...path, k], `${this.name([...path, k])} is not a field of the Cluster document${near ? `; did you mean "${near}"?` : `; valid fields here: ${reads.join(', ')}`}`, 'key');
      } else if (near) {
        this.report('misspelledField', [...path, k], `${this.name([...path, k])} is not a Kubernetes field the simulator reads; did you mean "${near}"? (as written it is ignored)`, 'key');
      }
    }
  }
}
