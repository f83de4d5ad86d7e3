/**
 * What the faces draw, as data: the graph of a topology and a trace placed on it. Built by the
 * views (`graph.ts`, `traceView.ts`) in the engine; the extension sends them to the webview as
 * they are (`src/protocol/messages.ts` re-exports these types).
 */

import type { Disposition, HeaderStack, Step } from '../trace/types';

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
