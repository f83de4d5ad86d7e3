/**
 * Stage 1 of the data flow: text → documents, each able to say where any path inside it is
 * written. The stream is cut at its `---` / `...` markers and each document parsed on its own, so
 * one broken document costs only itself. JSON takes a `JSON.parse` fast path. Positions are found
 * on demand (see locateYaml.ts, locateJson.ts): parsing stays as cheap as js-yaml's own.
 */

import * as yaml from 'js-yaml';
import type { Diagnostic, SourcePos, SourceSpan } from '../diagnostics';
import type { SourceFile } from './host';
import { jsonLocator } from './locateJson';
import { yamlLocator, type OffsetSpan } from './locateYaml';
import { LineIndex } from './lines';
import type { Path, PathPart } from './path';
import { diagnostic, pointAt } from './report';
import { checkText } from './textChecks';

/** One Kubernetes object (or the Cluster) as parsed, before validation. */
export interface ParsedDocument {
  readonly file: string;
  readonly value: unknown;
  /** Where the document (or, inside a `kind: List`, the item) begins. */
  readonly pos: SourcePos;
  /** Where a path inside the value is written: its key, or its value (the default). */
  span(path: Path, part?: PathPart): SourceSpan;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Nesting deeper than this is refused; no Kubernetes object comes near it. */
const MAX_DEPTH = 100;

interface Chunk {
  readonly text: string;
  /** 0-based line of the file where the chunk begins; chunks always begin at a line start. */
  readonly line: number;
}

/** Cuts a YAML stream into documents at `---` and after `...`; directives stay with the document they precede. */
function splitStream(text: string): Chunk[] {
  const chunks: Chunk[] = [];
  const marker = /^(?:---|\.\.\.)(?=[ \t\r\n]|$)|^%/gm;
  let start = 0;
  let directives = -1;
  let line = 0;
  let counted = 0;
  const lineAt = (offset: number): number => {
    for (let i = text.indexOf('\n', counted); i >= 0 && i < offset; i = text.indexOf('\n', i + 1)) line++;
    counted = offset;
    return line;
  };
  const cut = (at: number): void => {
    if (at > start) chunks.push({ text: text.slice(start, at), line: lineAt(start) });
    start = at;
  };
  for (let m = marker.exec(text); m; m = marker.exec(text)) {
    if (m[0] === '%') {
      if (directives < 0) directives = m.index;
    } else if (m[0] === '---') {
      cut(directives >= 0 ? directives : m.index);
      directives = -1;
    } else {
      const nl = text.indexOf('\n', m.index);
      cut(nl < 0 ? text.length : nl + 1);
      directives = -1;
    }
  }
  cut(text.length);
  return chunks;
}

/** How many nodes a value has once every alias is expanded, stopping as soon as `limit` is passed. */
function expandedSize(value: unknown, limit: number): number {
  const memo = new Map<object, number>();
  const size = (v: unknown): number => {
    if (v === null || typeof v !== 'object') return 1;
    const known = memo.get(v);
    if (known !== undefined) return known;
    let n = 1;
    for (const child of Object.values(v)) {
      n += size(child);
      if (n > limit) break;
    }
    memo.set(v, n);
    return n;
  };
  return size(value);
}

type Locate = (path: Path, part: PathPart) => OffsetSpan;

/** Positions inside one chunk: offsets → file line/column, the line index built on first use. */
function chunkPositions(file: string, chunk: Chunk, locate: Locate): (path: Path, part: PathPart) => SourceSpan {
  let lines: LineIndex | undefined;
  return (path, part) => {
    const { start, end } = locate(path, part);
    lines ??= new LineIndex(chunk.text);
    const s = lines.position(start);
    const e = lines.position(Math.max(start, end));
    return { file, line: chunk.line + s.line, col: s.col, endLine: chunk.line + e.line, endCol: e.col };
  };
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** A document, or each item of a `kind: List` (and the typed lists the API returns, such as PodList). */
function documentsOf(file: string, value: unknown, chunk: Chunk, where: (path: Path, part: PathPart) => SourceSpan, out: ParsedDocument[], diagnostics: Diagnostic[]): void {
  const docPos = (): SourcePos => {
    const s = where([], 'value');
    return { file, line: s.line, col: s.col };
  };
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
    const items = value.items;
    if (!Array.isArray(items)) {
      diagnostics.push(diagnostic('wrongType', where(['items'], 'value'), `items of a ${value.kind} must be a sequence of objects; write "items:" followed by "- " entries`));
      return;
    }
    items.forEach((item, i) => {
      let pos: SourcePos | undefined;
      out.push({
        file,
        value: item,
        get pos() {
          return (pos ??= (() => {
            const s = where(['items', i], 'value');
            return { file, line: s.line, col: s.col };
          })());
        },
        span: (path, part = 'value') => where(['items', i, ...path], part),
      });
    });
    return;
  }
  out.push({ file, value, pos: chunk.text ? { file, line: chunk.line + 1 + leadingLines(chunk.text), col: 1 } : docPos(), span: (path, part = 'value') => where(path, part) });
}

/** Lines of comments, blank lines and the `---` marker before a document's first content line. */
function leadingLines(text: string): number {
  let n = 0;
  let i = 0;
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    const line = text.slice(i, nl < 0 ? text.length : nl).trim();
    const isMarker = line === '---' || line.startsWith('--- #');
    if (line !== '' && !line.startsWith('#') && !isMarker && !line.startsWith('%')) return n;
    if (nl < 0) return n;
    n++;
    i = nl + 1;
  }
  return n;
}

function yamlError(file: string, chunk: Chunk, e: unknown): Diagnostic {
  if (e instanceof yaml.YAMLException) {
    // js-yaml also counts a lone CR as a line break, and may mark the line after the last; keep the mark inside the chunk.
    const lastLine = chunk.text.split('\n').length;
    const line = Math.min(e.mark.line + 1, lastLine);
    const at = pointAt(file, chunk.line + line, line === e.mark.line + 1 ? e.mark.column + 1 : 1);
    if (e.reason.startsWith('nesting exceeded maxDepth')) {
      return diagnostic('tooDeep', at, `this document nests deeper than ${MAX_DEPTH} levels, which no Kubernetes object needs; the document is skipped, check the indentation or brackets here`);
    }
    if (e.reason.startsWith('merge keys exceeded')) {
      return diagnostic('aliasBomb', at, 'this document expands too many merge keys (<<); the document is skipped, write the objects out instead');
    }
    return diagnostic('yamlSyntax', at, `YAML syntax error: ${e.reason}; fix it here (this document is skipped, the others still load)`);
  }
  return diagnostic('yamlSyntax', pointAt(file, chunk.line + 1, 1), `this document could not be parsed (${e instanceof Error ? e.message : String(e)}); the document is skipped`);
}

function parseJson(file: SourceFile): ParsedFile | undefined {
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    return undefined; // Not strict JSON: the YAML parser reads it (JSON is YAML) and says what is wrong.
  }
  const chunk: Chunk = { text: file.text, line: 0 };
  const out: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  documentsOf(file.path, value, { text: '', line: 0 }, chunkPositions(file.path, chunk, jsonLocator(file.text)), out, diagnostics);
  return { documents: out, diagnostics };
}

function loadWhole(file: SourceFile): unknown[] | undefined {
  try {
    return yaml.loadAll(file.text, undefined, { filename: file.path, maxDepth: MAX_DEPTH } as yaml.LoadOptions);
  } catch {
    return undefined;
  }
}

/** Whether js-yaml's loadAll counts a chunk as a document: it opens with `---`, or holds more than comments. */
function holdsDocument(chunk: Chunk): boolean {
  return chunk.text.startsWith('---') || chunk.text.startsWith('%') || /^[ \t]*[^\s#]/m.test(chunk.text);
}

export function parseDocuments(file: SourceFile): ParsedFile {
  const verdict = checkText(file.path, file.text);
  if (!verdict.parse) return { documents: [], diagnostics: verdict.diagnostics };
  const diagnostics: Diagnostic[] = [...verdict.diagnostics];
  const first = /\S/.exec(file.text);
  if (first && (first[0] === '{' || first[0] === '[')) {
    const json = parseJson(file);
    if (json) return { documents: json.documents, diagnostics: [...diagnostics, ...json.diagnostics] };
  }
  const documents: ParsedDocument[] = [];
  const chunks = splitStream(file.text);
  // Fast path: one loadAll over the whole stream, as cheap as js-yaml gets, its documents paired
  // with the chunks in order. Any error, or a count that does not pair up, falls back to parsing
  // chunk by chunk, which recovers from errors document by document.
  const whole = loadWhole(file);
  const documentChunks = whole ? chunks.filter(holdsDocument) : chunks;
  const values = whole && whole.length === documentChunks.length ? whole : undefined;
  const parsed = values ? documentChunks : chunks;
  for (let i = 0; i < parsed.length; i++) {
    const chunk = parsed[i]!;
    let value: unknown;
    if (values) value = values[i];
    else {
      try {
        value = yaml.load(chunk.text, { filename: file.path, maxDepth: MAX_DEPTH } as yaml.LoadOptions);
      } catch (e) {
        diagnostics.push(yamlError(file.path, chunk, e));
        continue;
      }
    }
    if (value === undefined || value === null) continue;
    const where = chunkPositions(file.path, chunk, yamlLocator(chunk.text));
    // js-yaml shares aliased nodes rather than copying them, but anything walking the value would
    // expand them: a "billion laughs" document is refused before anyone walks it.
    if (chunk.text.includes('*')) {
      const limit = chunk.text.length + 10_000;
      if (expandedSize(value, limit) > limit) {
        const s = where([], 'value');
        diagnostics.push(diagnostic('aliasBomb', { ...s, endLine: s.line, endCol: s.col + 1 }, `this document's aliases (*name) expand to more than ${limit} nodes, far beyond its own size; the document is skipped, write the repeated parts out or reference them fewer times`));
        continue;
      }
    }
    documentsOf(file.path, value, chunk, where, documents, diagnostics);
  }
  return { documents, diagnostics };
}
