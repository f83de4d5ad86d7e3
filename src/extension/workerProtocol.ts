import type { Diagnostic, Trace } from '../engine/index';
import type { GraphModel, RuleView, TraceView } from '../protocol/messages';
import type { TraceRequest, Unavailable } from './engine';
import type { EndpointChoice } from './pick';
import type { PodIpFix } from './podIpFix';

/**
 * Messages between the extension host and the engine worker. The worker owns every loaded
 * topology and its engine; the host keeps per document only what it must answer synchronously
 * (diagnostics, lens anchors, counts) and asks the worker for everything else. Each request names
 * its document by `doc` (the document's URI as a string) and carries an id its response repeats.
 */

/** Where CodeLenses go, packed so that 150,000 of them cross the thread boundary as a few buffers. */
export interface LensAnchors {
  /** 0: a Pod defined in this file, 1: a Service. Sorted by line. */
  readonly kinds: Uint8Array;
  /** 1-based line of the object's document. */
  readonly lines: Uint32Array;
  /** A service's first port, 0 when it has none (or for pods). */
  readonly ports: Uint32Array;
  /** One `namespace\tname\tclusterIP` line per anchor (clusterIP empty for pods), in the same order. */
  readonly names: string;
  /** The node a service's rule lenses open (the first node). */
  readonly firstNode: string | undefined;
}

/** What the host keeps of one load. */
export interface LoadSummary {
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: number;
  /**
   * Bumped whenever the document's topology is replaced; 0 while none has loaded. An edit with
   * errors keeps the last good topology and its generation.
   */
  readonly generation: number;
  readonly counts: { readonly nodes: number; readonly pods: number; readonly services: number };
  /** Sent only when the generation changed, else the host keeps the anchors it has. */
  readonly anchors: LensAnchors | undefined;
  /** Milliseconds the worker spent loading. */
  readonly workMs: number;
}

export interface ChoicesResult {
  readonly items: readonly EndpointChoice[];
  /** How many choices the filter matched, of which `items` is the head. */
  readonly matched: number;
  readonly total: number;
}

/** Each request's parameters and result, by type. */
export interface WorkerCalls {
  /** `text` left out: the worker reads `path` from disk (a large document unchanged since VS Code read it). */
  load: { params: { doc: string; path: string; text?: string; onDisk: boolean }; result: LoadSummary };
  forget: { params: { doc: string }; result: null };
  /** Trace quick-pick entries: recent ones first, then those whose text holds every word of `filter`. */
  choices: { params: { doc: string; side: 'source' | 'destination'; filter: string; recent: readonly string[]; limit: number; exclude?: string }; result: ChoicesResult };
  nodes: { params: { doc: string }; result: readonly { name: string; address: string }[] };
  /** The trace, and the id the worker keeps it under for `view` (the host sends the id, not the trace, back). */
  trace: { params: { doc: string; request: TraceRequest }; result: { id: number; trace: Trace; generation: number } | Unavailable };
  /** The graph and, when a trace id is given, that trace's view (its nodes shown in full). */
  view: { params: { doc: string; expanded: readonly string[]; collapseThreshold: number; trace?: { id: number; title: string } }; result: { graph: GraphModel; trace: TraceView | undefined } | Unavailable };
  rules: { params: { doc: string; node: string; view: RuleView }; result: string | Unavailable };
  hover: { params: { doc: string; path: string; line: number; word: string | undefined }; result: string[] | undefined };
  quickFix: { params: { doc: string; code: unknown; text: string; line: number }; result: PodIpFix | undefined };
}

export type CallType = keyof WorkerCalls;
export type Params<K extends CallType> = WorkerCalls[K]['params'];
export type CallResult<K extends CallType> = WorkerCalls[K]['result'];

export type CallRequest = { [K in CallType]: { readonly id: number; readonly type: K; readonly params: Params<K> } }[CallType];

/** Asks for one part of a list a response left out (see `WorkerResponse`). */
export interface PartRequest {
  readonly id: number;
  readonly type: 'part';
  readonly params: { readonly of: number; readonly path: string; readonly index: number };
}

export type WorkerRequest = CallRequest | PartRequest;

/**
 * The answer to one request. A long list inside a result (the graph's elements) arrives empty,
 * with `parts` saying how many parts of it the worker keeps; the host asks for them one at a time
 * (each answer is a list of items), so it decodes one part per task instead of the whole answer
 * at once (and Node hands over all queued messages in one task, so pushing them would not do).
 */
export type WorkerResponse =
  | { readonly id: number; readonly ok: true; readonly result: unknown; readonly parts?: readonly { readonly path: string; readonly count: number }[] }
  | { readonly id: number; readonly ok: false; readonly error: string };

/** Lists (dotted paths into the result) that may be long enough to be sent in parts, by request type. */
export const partedLists: { readonly [K in CallType]?: readonly string[] } = { view: ['graph.nodes', 'graph.edges'] };

/** Items per part: about 10 ms to decode on the host. */
export const partSize = 10_000;

/** The array at a dotted path of an object, if there is one. */
export function listAt(value: unknown, path: string): unknown[] | undefined {
  let at: unknown = value;
  for (const key of path.split('.')) at = typeof at === 'object' && at !== null ? (at as Record<string, unknown>)[key] : undefined;
  return Array.isArray(at) ? at : undefined;
}
