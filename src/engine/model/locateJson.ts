/**
 * Source positions inside a JSON document (`kubectl get -o json`), found on demand by scanning the
 * text along one path. JSON files take `JSON.parse`, which records nothing, so a diagnostic pays
 * for its own position: one forward scan that skips every subtree off the path, without recursion,
 * so deep nesting cannot overflow the stack. Where each element of a sequence starts is remembered
 * as it is scanned: every item of a `kind: List` asks for its own position, and without that memo
 * the n-th item would rescan the n - 1 before it, quadratic in the list.
 */

import type { OffsetSpan } from './locateYaml';
import type { Path, PathPart } from './path';

function skipWs(text: string, i: number): number {
  while (i < text.length) {
    const c = text.charCodeAt(i);
    if (c === 32 || c === 9 || c === 10 || c === 13) i++;
    else break;
  }
  return i;
}

const QUOTE = 34;
const BACKSLASH = 92;

/**
 * The offset just past the string starting at `i`. Strings are most of a JSON text, so the next
 * quote is found with indexOf; it closes the string unless an odd run of backslashes escapes it.
 */
function stringEnd(text: string, i: number): number {
  for (let q = text.indexOf('"', i + 1); q >= 0; q = text.indexOf('"', q + 1)) {
    let k = q - 1;
    while (text.charCodeAt(k) === BACKSLASH) k--;
    if ((q - 1 - k) % 2 === 0) return q + 1;
  }
  return text.length;
}

/** Whether a character ends a bare scalar (a number, true, false, null): white space, `,`, `]` or `}`. */
function endsScalar(c: number): boolean {
  return c === 32 || c === 9 || c === 10 || c === 13 || c === 44 || c === 93 || c === 125;
}

/** The offset just past the JSON value starting at `i`. */
function valueEnd(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text.charCodeAt(j);
    if (c === QUOTE) {
      j = stringEnd(text, j);
      if (depth === 0) return j;
    } else if (c === 123 || c === 91) {
      depth++;
      j++;
    } else if (c === 125 || c === 93) {
      depth--;
      j++;
      if (depth <= 0) return j;
    } else if (depth === 0) {
      while (j < text.length && !endsScalar(text.charCodeAt(j))) j++;
      return j;
    } else j++;
  }
  return j;
}

function readKey(text: string, i: number): { key: string; end: number } {
  const end = stringEnd(text, i);
  const raw = text.slice(i, end);
  let key: string;
  try {
    key = raw.includes('\\') ? (JSON.parse(raw) as string) : raw.slice(1, -1);
  } catch {
    key = raw.slice(1, -1);
  }
  return { key, end };
}

/** A function answering where a path is written in the JSON `text`. */
export function jsonLocator(text: string): (path: Path, part: PathPart) => OffsetSpan {
  /** Per sequence (by the offset of its `[`): the starts of the elements scanned so far, and whether its `]` was reached. */
  const sequences = new Map<number, { starts: number[]; closed: boolean }>();
  const element = (open: number, index: number): number | undefined => {
    let seq = sequences.get(open);
    if (!seq) sequences.set(open, (seq = { starts: [], closed: false }));
    const { starts } = seq;
    while (starts.length <= index && !seq.closed) {
      let i: number;
      if (starts.length === 0) i = skipWs(text, open + 1);
      else {
        i = skipWs(text, valueEnd(text, starts[starts.length - 1]!));
        if (text[i] !== ',') {
          seq.closed = true;
          break;
        }
        i = skipWs(text, i + 1);
      }
      if (i >= text.length || text[i] === ']') seq.closed = true;
      else starts.push(i);
    }
    return starts[index];
  };
  /** Fields of the root mapping found so far: every item of a List is reached through the root's `items`. */
  const rootFields = new Map<string, { found: number | undefined; keySpan: OffsetSpan | undefined }>();
  return (path, part) => {
    let at = skipWs(text, 0);
    let best: OffsetSpan = { start: at, end: at + 1 };
    for (let n = 0; n < path.length; n++) {
      const seg = path[n]!;
      const open = text[at];
      let found: number | undefined;
      let keySpan: OffsetSpan | undefined;
      const known = n === 0 && typeof seg === 'string' ? rootFields.get(seg) : undefined;
      if (known) ({ found, keySpan } = known);
      else if (typeof seg === 'string' && open === '{') {
        let i = skipWs(text, at + 1);
        while (i < text.length && text[i] === '"') {
          const { key, end } = readKey(text, i);
          const v = skipWs(text, skipWs(text, end) + 1);
          if (key === seg) {
            found = v;
            keySpan = { start: i, end };
            break;
          }
          i = skipWs(text, valueEnd(text, v));
          if (text[i] !== ',') break;
          i = skipWs(text, i + 1);
        }
        if (n === 0) rootFields.set(seg, { found, keySpan });
      } else if (typeof seg === 'number' && open === '[') {
        found = element(at, seg);
      }
      if (found === undefined) return best;
      if (n === path.length - 1 && part === 'key' && keySpan) return keySpan;
      at = found;
      // A mapping or sequence is marked by its opening bracket: scanning to its end could read the whole file.
      best = { start: at, end: text[at] === '{' || text[at] === '[' ? at + 1 : valueEnd(text, at) };
    }
    return best;
  };
}
