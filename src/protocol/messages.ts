/**
 * Messages between the topology webview and the extension host: one union each way, keyed by
 * `type`, handled by an exhaustive switch on both sides. The host owns the model; the webview
 * holds only UI state (positions, zoom, the selected hop) and renders what it is sent.
 */

import type { Disposition, HeaderStack, Step } from '../engine/trace/types';

/** What a graph element stands for; drives its style and what a click opens. */
export type GraphKind = 'underlay' | 'node' | 'bridge' | 'tunnel' | 'device' | 'pod' | 'service' | 'external' | 'aggregate';

export interface GraphNode {
  readonly id: string;
  readonly kind: GraphKind;
  readonly label: string;
  /** Compound parent (a cluster node holds its bridge, tunnel device and pods). */
  readonly parent?: string;
  /** One-line detail shown on hover: IP, CIDR, MAC. */
  readonly detail?: string;
  /** Where the object is defined, so a click can open the YAML there (1-based line). */
  readonly sourceLine?: number;
  /** For aggregates: how many elements were collapsed into this one. */
  readonly count?: number;
}

export interface GraphEdge {
  readonly id: string;
  readonly source: string;
  readonly target: string;
  readonly kind: 'link' | 'veth' | 'endpoint' | 'tunnel';
}

export interface GraphModel {
  readonly title: string;
  readonly nodes: readonly GraphNode[];
  readonly edges: readonly GraphEdge[];
  /** Cluster nodes shown collapsed because the graph is over the size threshold. */
  readonly collapsed: readonly string[];
}

/** One hop as the graph shows it: the element it sits on and everything the tooltip needs. */
export interface TraceHopView {
  readonly index: number;
  /** Graph element ids the packet passes on this hop, in order (namespace, then device link). */
  readonly path: readonly string[];
  readonly title: string;
  readonly headers: HeaderStack;
  /** Indexes into `headers` of fields a step on this hop changed, as `index.field`. */
  readonly changed: readonly string[];
  readonly steps: readonly StepView[];
}

export interface StepView {
  readonly text: string;
  readonly kind: Step['kind'];
  /** Where a click on the step leads. */
  readonly target?: StepTarget;
}

export type StepTarget =
  | { readonly type: 'rules'; readonly node: string; readonly view: RuleView; readonly line?: number; readonly search?: string }
  | { readonly type: 'source'; readonly line: number };

export type RuleView = 'iptables' | 'ipvs' | 'routes' | 'neigh' | 'fdb';

export interface TraceView {
  readonly title: string;
  readonly disposition: Disposition;
  readonly hops: readonly TraceHopView[];
  readonly final: readonly StepView[];
}

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

export type { Header, HeaderStack } from '../engine/trace/types';

/** For exhaustive switches over the unions above, on either side. */
export function assertNever(x: never): never {
  throw new Error(`unexpected message: ${JSON.stringify(x)}`);
}
