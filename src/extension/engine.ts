import type { Result } from '../engine/diagnostics';
import type { LoadHost } from '../engine/model/host';
import { loadTopology } from '../engine/model/load';
import type { Topology } from '../engine/model/types';
import type { Trace } from '../engine/trace/types';
import type { RuleView } from '../protocol/messages';

/**
 * The engine as the extension uses it: one place that names the engine's entry points, so each
 * feature asks here and a stage that has not landed yet reports itself unavailable instead of
 * failing somewhere inside the UI.
 */

export interface TraceRequest {
  /** Endpoint specs as the CLI takes them: pod/NS/NAME, node/NAME, ext/NAME, svc/NS/NAME[:PORT], ip/ADDR[:PORT]. */
  readonly from: string;
  readonly to: string;
  readonly proto: 'tcp' | 'udp' | 'icmp';
  readonly port: number;
}

export interface Unavailable {
  readonly unavailable: string;
}

export function isUnavailable<T>(x: T | Unavailable): x is Unavailable {
  return typeof x === 'object' && x !== null && 'unavailable' in x;
}

export function load(path: string, text: string, host: LoadHost): Result<Topology | undefined> {
  return loadTopology({ path, text }, host);
}

export function trace(_topology: Topology, _request: TraceRequest): Trace | Unavailable {
  return { unavailable: 'The packet walk is not available in this build yet.' };
}

export function renderNodeView(_topology: Topology, _node: string, view: RuleView): string | Unavailable {
  return { unavailable: `The ${view} view is not available in this build yet.` };
}
