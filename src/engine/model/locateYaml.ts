/**
 * Source positions inside one YAML document, found on demand. Recording positions during every
 * parse would cost a third of the parse time, and positions are needed only for the few values a
 * diagnostic or a hover points at; so the document is parsed a second time, with js-yaml's
 * listener recording where each mapping and sequence starts and ends, the first time a position is
 * asked for. Scalars are then found by reading the text inside their parent's span.
 */

import * as yaml from 'js-yaml';
import type { Path, PathPart } from './path';

/** Offsets into the document's text; `end` is exclusive. */
export interface OffsetSpan {
  readonly start: number;
  readonly end: number;
}

interface Spans {
  readonly root: unknown;
  readonly of: Map<object, OffsetSpan>;
}

function recordSpans(text: string): Spans | undefined {
  const of = new Map<object, OffsetSpan>();
  const opened: number[] = [];
  const listener = (event: 'open' | 'close', state: { position: number; result: unknown }): void => {
    if (event === 'open') {
      opened.push(state.position);
      return;
    }
    const start = opened.pop() ?? 0;
    const r = state.result;
    if (r !== null && typeof r === 'object' && !of.has(r)) of.set(r, { start, end: state.position });
  };
  try {
    const root = yaml.load(text, { listener } as yaml.LoadOptions);
    return { root, of };
  } catch {
    return undefined;
  }
}

const isSpace = (c: string | undefined): boolean => c === ' ' || c === '\t' || c === '\r' || c === '\n';

/** Moves past spaces, line breaks and comments to where a node's own text begins. */
function skipSeparation(text: string, at: number, end: number): number {
  let i = at;
  while (i < end) {
    const c = text[i];
    if (isSpace(c)) i++;
    else if (c === '#') {
      const nl = text.indexOf('\n', i);
      i = nl < 0 ? end : nl + 1;
    } else break;
  }
  return i;
}

/** Moves past a node's anchor (`&name`) and tag (`!!map`), so a span starts at the node's own text. */
function skipProperties(text: string, at: number, end: number): number {
  let i = at;
  while (i < end && (text[i] === '&' || text[i] === '!')) {
    while (i < end && !isSpace(text[i])) i++;
    i = skipSeparation(text, i, end);
  }
  return i;
}

function trimEnd(text: string, start: number, end: number): number {
  let e = end;
  while (e > start && isSpace(text[e - 1])) e--;
  return e;
}

function columnOf(text: string, offset: number): number {
  return offset - (text.lastIndexOf('\n', offset - 1) + 1);
}

/** The end of a scalar token starting at `at`: a quoted string to its closing quote, a plain one to the end of its line or comment. */
function scalarEnd(text: string, at: number, flow: boolean): number {
  const q = text[at];
  if (q === '"' || q === "'") {
    let i = at + 1;
    while (i < text.length) {
      const c = text[i];
      if (q === '"' && c === '\\') i += 2;
      else if (c === q && q === "'" && text[i + 1] === "'") i += 2;
      else if (c === q) return i + 1;
      else i++;
    }
    return text.length;
  }
  let i = at;
  while (i < text.length) {
    const c = text[i];
    if (c === '\n' || c === '\r') break;
    if (c === '#' && isSpace(text[i - 1])) break;
    if (flow && (c === ',' || c === ']' || c === '}')) break;
    i++;
  }
  return trimEnd(text, at, i);
}

/** Where key `key` of the mapping spanning [start, end) is written, or undefined. */
function findKey(text: string, start: number, end: number, key: string, children: readonly OffsetSpan[]): number | undefined {
  const matchesAt = (p: number): boolean => {
    let i = p;
    const first = text[i];
    const q = first === '"' || first === "'" ? first : '';
    if (q) i++;
    if (!text.startsWith(key, i)) return false;
    i += key.length + q.length;
    if (q && text[i - 1] !== q) return false;
    while (text[i] === ' ' || text[i] === '\t') i++;
    return text[i] === ':';
  };
  const inChild = (p: number): boolean => children.some((c) => p >= c.start && p < c.end);
  if (text[start] === '{') {
    for (let i = start; i < end; i++) {
      const c = text[i];
      if (c !== '{' && c !== ',') continue;
      const p = skipSeparation(text, i + 1, end);
      if (!inChild(p) && matchesAt(p)) return p;
    }
    return undefined;
  }
  if (matchesAt(start)) return start;
  const col = columnOf(text, start);
  for (let nl = text.indexOf('\n', start); nl >= 0 && nl < end; nl = text.indexOf('\n', nl + 1)) {
    const p = nl + 1 + col;
    if (p >= end) break;
    if (text.slice(nl + 1, p).trim() === '' && !text.slice(nl + 1, p).includes('\n') && matchesAt(p)) return p;
  }
  return undefined;
}

/** Where item `index` of the sequence spanning [start, end) begins, or undefined. */
function findItem(text: string, start: number, end: number, index: number, children: readonly OffsetSpan[]): number | undefined {
  if (text[start] === '[') {
    let n = 0;
    let depth = 0;
    for (let i = start; i < end; i++) {
      const c = text[i];
      if (c === '"' || c === "'") i = scalarEnd(text, i, true) - 1;
      else if (c === '[' || c === '{') {
        if (depth++ === 0) {
          if (n === index) return skipSeparation(text, i + 1, end);
        }
      } else if (c === ']' || c === '}') depth--;
      else if (c === ',' && depth === 1 && ++n === index) return skipSeparation(text, i + 1, end);
    }
    return undefined;
  }
  const col = columnOf(text, start);
  let n = 0;
  for (let p = start; p >= 0 && p < end; ) {
    if (text[p] === '-' && !children.some((c) => p > c.start && p < c.end)) {
      if (n++ === index) return skipSeparation(text, p + 1, end);
    }
    const nl = text.indexOf('\n', p);
    if (nl < 0) break;
    p = nl + 1 + col;
    if (text.slice(nl + 1, p).trim() !== '') break;
  }
  return undefined;
}

/** A function answering where a path is written in `text`, parsing it the first time it is asked. */
export function yamlLocator(text: string): (path: Path, part: PathPart) => OffsetSpan {
  let spans: Spans | undefined | null = null;
  return (path, part) => {
    if (spans === null) spans = recordSpans(text);
    const whole = { start: 0, end: Math.min(text.length, Math.max(0, text.indexOf('\n'))) };
    if (!spans) return whole;
    const spanOf = (node: unknown): OffsetSpan | undefined => {
      const s = node !== null && typeof node === 'object' ? spans!.of.get(node) : undefined;
      if (!s) return undefined;
      const start = skipProperties(text, skipSeparation(text, s.start, s.end), s.end);
      return { start, end: Math.max(start, trimEnd(text, start, s.end)) };
    };
    let node: unknown = spans.root;
    let best: OffsetSpan = spanOf(node) ?? whole;
    for (let i = 0; i < path.length; i++) {
      const seg = path[i]!;
      const parent = spanOf(node);
      if (!parent || node === null || typeof node !== 'object') return best;
      const child: unknown = (node as Record<string | number, unknown>)[seg];
      if (child === undefined) return best;
      const own = spanOf(child);
      const last = i === path.length - 1;
      if (own && !(last && part === 'key' && typeof seg === 'string')) {
        best = own;
        node = child;
        continue;
      }
      const children = Object.values(node).map(spanOf).filter((s): s is OffsetSpan => s !== undefined);
      const at = typeof seg === 'number' ? findItem(text, parent.start, parent.end, seg, children) : findKey(text, parent.start, parent.end, seg, children);
      const flow = text[parent.start] === '{' || text[parent.start] === '[';
      if (at !== undefined && last && part === 'key' && typeof seg === 'string') {
        return { start: at, end: text[at] === '"' || text[at] === "'" ? scalarEnd(text, at, true) : at + seg.length };
      }
      let valueAt: number | undefined;
      if (at !== undefined && typeof seg === 'string') {
        const colon = text.indexOf(':', at + seg.length);
        valueAt = colon < 0 ? undefined : skipSeparation(text, colon + 1, parent.end);
      } else valueAt = at;
      if (own) best = own;
      else if (valueAt !== undefined) best = { start: valueAt, end: Math.max(valueAt + 1, scalarEnd(text, valueAt, flow)) };
      else if (at !== undefined) best = { start: at, end: at + 1 };
      node = child;
    }
    return best;
  };
}
