/**
 * Stage 1 of the data flow: text → documents, each able to say where any path inside it is
 * written. The stream is cut at its `---` / `...` markers and each document parsed on its own, so
 * one broken document costs only itself, and handed on as soon as it is parsed: a reader that
 * takes what it needs and releases the value keeps only its drafts alive, never a whole file of
 * parsed trees. JSON takes a `JSON.parse` fast path. Positions are found on demand (see
 * locateYaml.ts, locateJson.ts): parsing stays as cheap as js-yaml's own.
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
import { topologySchema } from './yamlSchema';

/** One Kubernetes object (or the Cluster) as parsed, before validation. */
export interface ParsedDocument {
  readonly file: string;
  /** The parsed value; undefined once released. */
  readonly value: unknown;
  /** Where the document (or, inside a `kind: List`, the item) begins. */
  readonly pos: SourcePos;
  /** Where a path inside the value is written: its key, or its value (the default). */
  span(path: Path, part?: PathPart): SourceSpan;
  /**
   * Lets the parsed value go once it has been read in full; positions still work, as they read
   * the text. The loader releases the objects it reads in one go, so that a 150,000-pod file's
   * trees die young rather than all living until the load ends.
   */
  release(): void;
}

export interface ParsedFile {
  readonly documents: readonly ParsedDocument[];
  readonly diagnostics: readonly Diagnostic[];
}

/** Nesting deeper than this is refused; no Kubernetes object comes near it. */
const MAX_DEPTH = 100;

export interface Chunk {
  readonly text: string;
  /** 0-based line of the file where the chunk begins; chunks always begin at a line start. */
  readonly line: number;
}

/** Cuts a YAML stream into documents at `---` and after `...`; directives stay with the document they precede. */
export function splitStream(text: string): Chunk[] {
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

/**
 * Positions inside one chunk of text: offsets → file line/column. The locator and the line index
 * are built on first use, so a document nobody asks about costs one small object.
 */
class ChunkPositions {
  private locate: Locate | undefined;
  private lines: LineIndex | undefined;

  constructor(readonly file: string, private readonly chunk: Chunk, private readonly makeLocator: (text: string) => Locate) {}

  span(path: Path, part: PathPart): SourceSpan {
    this.locate ??= this.makeLocator(this.chunk.text);
    const { start, end } = this.locate(path, part);
    this.lines ??= new LineIndex(this.chunk.text);
    const s = this.lines.position(start);
    const e = this.lines.position(Math.max(start, end));
    return { file: this.file, line: this.chunk.line + s.line, col: s.col, endLine: this.chunk.line + e.line, endCol: e.col };
  }

  /** Where the value at `path` starts: what a document's position needs, without the span's end. */
  start(path: Path): SourcePos {
    this.locate ??= this.makeLocator(this.chunk.text);
    this.lines ??= new LineIndex(this.chunk.text);
    const s = this.lines.position(this.locate(path, 'value').start);
    return { file: this.file, line: this.chunk.line + s.line, col: s.col };
  }

  /** Where the chunk's content begins: the first line that is not a comment, blank or a marker. */
  contentStart(): SourcePos {
    return { file: this.file, line: this.chunk.line + 1 + leadingLines(this.chunk.text), col: 1 };
  }
}

/** A parsed document, or one item of a List (then `prefix` is its path in the List). */
class Document implements ParsedDocument {
  private position: SourcePos | undefined;

  constructor(private parsed: unknown, private readonly at: ChunkPositions, private readonly prefix: Path | undefined, private readonly whole: boolean) {}

  get value(): unknown {
    return this.parsed;
  }

  release(): void {
    this.parsed = undefined;
  }

  get file(): string {
    return this.at.file;
  }

  get pos(): SourcePos {
    if (!this.position) {
      if (this.whole) this.position = this.at.contentStart();
      else this.position = this.at.start(this.prefix ?? []);
    }
    return this.position;
  }

  span(path: Path, part: PathPart = 'value'): SourceSpan {
    return this.at.span(this.prefix ? [...this.prefix, ...path] : path, part);
  }
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/**
 * An item of a typed list as its kind's object: the API server leaves kind and apiVersion out of
 * a PodList's items, and client-go's decoder gives each the list's kind less `List` and the list's
 * apiVersion (apimachinery's meta.ExtractList). A `kind: List` holds objects of any kind, each
 * saying its own.
 */
function itemOf(item: unknown, listKind: string, apiVersion: unknown): unknown {
  if (listKind === 'List' || !isRecord(item)) return item;
  const kind = item.kind ?? listKind.slice(0, -'List'.length);
  return { ...item, kind, ...(item.apiVersion === undefined && apiVersion !== undefined ? { apiVersion } : {}) };
}

/**
 * A document, or each item of a `kind: List` (and the typed lists the API returns, such as
 * PodList). `whole` says the chunk holds just this document, so its first content line is its start.
 */
function documentsOf(value: unknown, at: ChunkPositions, whole: boolean, visit: (doc: ParsedDocument) => void, diagnostics: Diagnostic[]): void {
  if (isRecord(value) && typeof value.kind === 'string' && value.kind.endsWith('List') && 'items' in value) {
    const items = value.items;
    if (!Array.isArray(items)) {
      diagnostics.push(diagnostic('wrongType', at.span(['items'], 'value'), `items of a ${value.kind} must be a sequence of objects; write "items:" followed by "- " entries`));
      return;
    }
    const kind = value.kind;
    items.forEach((item, i) => visit(new Document(itemOf(item, kind, value.apiVersion), at, ['items', i], false)));
    return;
  }
  visit(new Document(value, at, undefined, whole));
}

/** Lines of comments, blank lines and the `---` marker before a document's first content line. */
export function leadingLines(text: string): number {
  let n = 0;
  let i = 0;
  // Every document's position is asked for, so lines are judged in place rather than sliced out.
  while (i < text.length) {
    const nl = text.indexOf('\n', i);
    const end = nl < 0 ? text.length : nl;
    let s = i;
    while (s < end && isBlank(text.charCodeAt(s))) s++;
    let e = end;
    while (e > s && isBlank(text.charCodeAt(e - 1))) e--;
    const c = text.charCodeAt(s);
    const isMarker = e - s >= 3 && text.startsWith('---', s) && (e - s === 3 || text.startsWith(' #', s + 3));
    if (s < e && c !== 0x23 /* # */ && c !== 0x25 /* % */ && !isMarker) return n;
    if (nl < 0) return n;
    n++;
    i = nl + 1;
  }
  return n;
}

/** Whether `String.prototype.trim` strips this code unit (what `\s` matches), tested cheaply for ASCII. */
function isBlank(c: number): boolean {
  if (c < 0x80) return c === 0x20 || (c >= 0x09 && c <= 0x0d);
  return /\s/.test(String.fromCharCode(c));
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

function parseJson(file: SourceFile, visit: (doc: ParsedDocument) => void, diagnostics: Diagnostic[]): boolean {
  let value: unknown;
  try {
    value = JSON.parse(file.text);
  } catch {
    return false; // Not strict JSON: the YAML parser reads it (JSON is YAML) and says what is wrong.
  }
  documentsOf(value, new ChunkPositions(file.path, { text: file.text, line: 0 }, jsonLocator), false, visit, diagnostics);
  return true;
}

const loadOptions = (path: string): yaml.LoadOptions => ({ filename: path, maxDepth: MAX_DEPTH, schema: topologySchema }) as yaml.LoadOptions;

/**
 * How many chunks one `loadAll` parses: enough to spread its set-up cost over many documents, few
 * enough that their trees are still young when their readers let them go.
 */
const BATCH = 32;

/** Whether js-yaml's loadAll counts a chunk as a document: it opens with `---`, or holds more than comments. */
function holdsDocument(chunk: Chunk): boolean {
  return chunk.text.startsWith('---') || chunk.text.startsWith('%') || /^[ \t]*[^\s#]/m.test(chunk.text);
}

/**
 * A batch of chunks parsed by one `loadAll`, each value paired with its chunk; undefined when
 * the batch has an error or its documents do not pair up, and must be parsed chunk by chunk.
 */
function loadBatch(batch: readonly Chunk[], options: yaml.LoadOptions): { chunks: Chunk[]; values: unknown[] } | undefined {
  let values: unknown[];
  try {
    values = yaml.loadAll(batch.map((c) => c.text).join(''), undefined, options);
  } catch {
    return undefined;
  }
  const chunks = batch.filter(holdsDocument);
  return values.length === chunks.length ? { chunks, values } : undefined;
}

/**
 * Hands each document of the file to `visit` as soon as it is parsed, in file order, and answers
 * the diagnostics of the text and its syntax. A YAML stream is parsed a batch of documents at a
 * time, so every tree can go as soon as its reader is done with it; a batch with an error is
 * parsed again chunk by chunk, which recovers document by document.
 */
export function visitDocuments(file: SourceFile, visit: (doc: ParsedDocument) => void): Diagnostic[] {
  const verdict = checkText(file.path, file.text);
  if (!verdict.parse) return [...verdict.diagnostics];
  const diagnostics: Diagnostic[] = [...verdict.diagnostics];
  const first = /\S/.exec(file.text);
  if (first && (first[0] === '{' || first[0] === '[') && parseJson(file, visit, diagnostics)) return diagnostics;
  const options = loadOptions(file.path);
  const chunks = splitStream(file.text);
  for (let i = 0; i < chunks.length; i += BATCH) {
    const batch = chunks.slice(i, i + BATCH);
    const parsed = loadBatch(batch, options);
    if (parsed) {
      for (let k = 0; k < parsed.chunks.length; k++) chunkDocuments(file.path, parsed.chunks[k]!, parsed.values[k], visit, diagnostics);
      continue;
    }
    for (const chunk of batch) {
      let value: unknown;
      try {
        value = yaml.load(chunk.text, options);
      } catch (e) {
        diagnostics.push(yamlError(file.path, chunk, e));
        continue;
      }
      chunkDocuments(file.path, chunk, value, visit, diagnostics);
    }
  }
  return diagnostics;
}

/** The documents of one parsed chunk, unless its aliases expand beyond reason. */
function chunkDocuments(path: string, chunk: Chunk, value: unknown, visit: (doc: ParsedDocument) => void, diagnostics: Diagnostic[]): void {
  if (value === undefined || value === null) return;
  const at = new ChunkPositions(path, chunk, yamlLocator);
  // js-yaml shares aliased nodes rather than copying them, but anything walking the value would
  // expand them: a "billion laughs" document is refused before anyone walks it.
  if (chunk.text.includes('*')) {
    const limit = chunk.text.length + 10_000;
    if (expandedSize(value, limit) > limit) {
      const s = at.span([], 'value');
      diagnostics.push(diagnostic('aliasBomb', { ...s, endLine: s.line, endCol: s.col + 1 }, `this document's aliases (*name) expand to more than ${limit} nodes, far beyond its own size; the document is skipped, write the repeated parts out or reference them fewer times`));
      return;
    }
  }
  documentsOf(value, at, true, visit, diagnostics);
}

/**
 * One chunk of a YAML stream (as splitStream cut it) parsed on its own, with positions in the
 * whole file: what an edit inside one document needs re-read, and no more.
 */
export function parseChunk(path: string, chunk: Chunk): ParsedFile {
  const documents: ParsedDocument[] = [];
  const diagnostics: Diagnostic[] = [];
  try {
    chunkDocuments(path, chunk, yaml.load(chunk.text, loadOptions(path)), (d) => documents.push(d), diagnostics);
  } catch (e) {
    diagnostics.push(yamlError(path, chunk, e));
  }
  return { documents, diagnostics };
}
