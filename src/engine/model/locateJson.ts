/**
 * Source positions inside a JSON document (`kubectl get -o json`), found on demand by scanning the
 * text along one path. JSON files take `JSON.parse`, which records nothing, so a diagnostic pays
 * for its own position: one forward scan that skips every subtree off the path, without recursion,
 * so deep nesting cannot overflow the stack.
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

function stringEnd(text: string, i: number): number {
  for (let j = i + 1; j < text.length; j++) {
    const c = text[j];
    if (c === '\\') j++;
    else if (c === '"') return j + 1;
  }
  return text.length;
}

/** The offset just past the JSON value starting at `i`. */
function valueEnd(text: string, i: number): number {
  let depth = 0;
  let j = i;
  while (j < text.length) {
    const c = text[j];
    if (c === '"') {
      j = stringEnd(text, j);
      if (depth === 0) return j;
    } else if (c === '{' || c === '[') {
      depth++;
      j++;
    } else if (c === '}' || c === ']') {
      depth--;
      j++;
      if (depth <= 0) return j;
    } else if (depth === 0) {
      while (j < text.length && !/[\s,\]}]/.test(text[j]!)) j++;
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
  return (path, part) => {
    let at = skipWs(text, 0);
    let best: OffsetSpan = { start: at, end: at + 1 };
    for (let n = 0; n < path.length; n++) {
      const seg = path[n]!;
      const open = text[at];
      let found: number | undefined;
      let keySpan: OffsetSpan | undefined;
      if (typeof seg === 'string' && open === '{') {
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
      } else if (typeof seg === 'number' && open === '[') {
        let i = skipWs(text, at + 1);
        for (let k = 0; i < text.length && text[i] !== ']'; k++) {
          if (k === seg) {
            found = i;
            break;
          }
          i = skipWs(text, valueEnd(text, i));
          if (text[i] !== ',') break;
          i = skipWs(text, i + 1);
        }
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
