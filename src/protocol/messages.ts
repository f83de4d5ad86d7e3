/**
 * Messages between the topology webview and the extension host: one union each way, keyed by
 * `type`, handled by an exhaustive switch on both sides. The host owns the model; the webview
 * holds only UI state (positions, zoom, the selected hop) and renders what it is sent.
 */

import type { GraphModel, RuleView, TraceView } from '../engine/index';

// The graph and the trace are the engine's views; the protocol carries them as they are.
export type { GraphEdge, GraphKind, GraphModel, GraphNode, RuleView, StepTarget, StepView, TraceHopView, TraceView } from '../engine/index';

export type HostToWebview =
  | { readonly type: 'graph'; readonly graph: GraphModel; readonly errors: number }
  | { readonly type: 'trace'; readonly trace: TraceView | undefined }
  | { readonly type: 'status'; readonly text: string }
  | { readonly type: 'export'; readonly format: 'png' | 'svg' };

export type WebviewToHost =
  | { readonly type: 'ready' }
  | { readonly type: 'openSource'; readonly line: number }
  | { readonly type: 'openRules'; readonly node: string; readonly view: RuleView; readonly line?: number; readonly search?: string }
  | { readonly type: 'expand'; readonly node: string }
  | { readonly type: 'traceFrom'; readonly element: string }
  | { readonly type: 'exported'; readonly format: 'png' | 'svg'; readonly data: string }
  | { readonly type: 'log'; readonly text: string };

export type { Header, HeaderStack } from '../engine/index';

/** For exhaustive switches over the unions above, on either side. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
