import type { Result } from '../engine/diagnostics';
import { deriveDataplane } from '../engine/dataplane/derive';
import type { Dataplane } from '../engine/dataplane/types';
import type { LoadHost } from '../engine/model/host';
import { loadTopology } from '../engine/model/load';
import type { Topology } from '../engine/model/types';
import { renderRestore } from '../engine/proxy/index';
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

// One dataplane per loaded topology: namespaces are derived lazily inside it and kept.
const dataplanes = new WeakMap<Topology, Dataplane>();

export function dataplaneOf(topology: Topology): Dataplane {
  let dp = dataplanes.get(topology);
  if (!dp) {
    dp = deriveDataplane(topology);
    dataplanes.set(topology, dp);
  }
  return dp;
}

/** The host-side veth whose peer is the pod's eth0. */
export function hostVethOf(topology: Topology, nodeName: string, namespace: string, name: string): string | undefined {
  const host = dataplaneOf(topology).namespace(`node/${nodeName}`);
  const podNs = `pod/${namespace}/${name}`;
  for (const d of host?.devices ?? []) if (d.kind === 'veth' && d.peerNetns === podNs) return d.name;
  return undefined;
}

export function trace(_topology: Topology, _request: TraceRequest): Trace | Unavailable {
  return { unavailable: 'The packet walk is not available in this build yet.' };
}

export function renderNodeView(topology: Topology, node: string, view: RuleView): string | Unavailable {
  switch (view) {
    case 'iptables':
      return renderRestore(topology, node);
    case 'ipvs':
    case 'routes':
    case 'neigh':
    case 'fdb':
      return { unavailable: `The ${view} view is not available in this build yet.` };
  }
}
