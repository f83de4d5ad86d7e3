import { buildIpvs, createEngine, type Dataplane, type Engine, findNode, type LoadHost, loadTopology, netnsId, renderFdb, renderIpvsadm, renderNeighbours, renderRestore, renderRoutes, type Result, type Topology, type Trace, tryTraceFlow, withDataplaneDiagnostics } from '../engine/index';
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

/** The loader's diagnostics, then (after a clean load) what the CNI would refuse on the topology. */
export function load(path: string, text: string, host: LoadHost): Result<Topology | undefined> {
  return withDataplaneDiagnostics(loadTopology({ path, text }, host));
}

// One engine per loaded topology: the dataplane derives namespaces lazily inside it and keeps them.
const engines = new WeakMap<Topology, Engine>();

export function engineOf(topology: Topology): Engine {
  let engine = engines.get(topology);
  if (!engine) {
    engine = createEngine(topology);
    engines.set(topology, engine);
  }
  return engine;
}

export function dataplaneOf(topology: Topology): Dataplane {
  return engineOf(topology).dataplane;
}

/** The host-side veth whose peer is the pod's eth0. */
export function hostVethOf(topology: Topology, nodeName: string, namespace: string, name: string): string | undefined {
  const host = dataplaneOf(topology).namespace(netnsId({ kind: 'host', node: nodeName }));
  const podNs = netnsId({ kind: 'pod', node: nodeName, namespace, name });
  for (const d of host?.devices ?? []) if (d.kind === 'veth' && d.peerNetns === podNs) return d.name;
  return undefined;
}

/** The walk, or why the request cannot be walked (unknown pod, ambiguous name, …). */
export function trace(topology: Topology, request: TraceRequest): Trace | Unavailable {
  try {
    const result = tryTraceFlow(engineOf(topology), { from: request.from, to: request.to, proto: request.proto, port: request.port });
    return result.ok ? result.value.trace : { unavailable: result.error };
  } catch (e) {
    return { unavailable: `the walk failed: ${e instanceof Error ? e.message : String(e)}` };
  }
}

export function renderNodeView(topology: Topology, node: string, view: RuleView): string | Unavailable {
  switch (view) {
    case 'iptables':
      return renderRestore(topology, node);
    case 'ipvs': {
      const info = findNode(topology, node);
      if (!info) return { unavailable: `no node named ${node}` };
      if (topology.cluster.kubeProxy.mode !== 'ipvs') return `# kube-proxy runs in ${topology.cluster.kubeProxy.mode} mode here: no IPVS virtual servers.\n`;
      return renderIpvsadm(buildIpvs(topology, info));
    }
    case 'routes':
    case 'neigh':
    case 'fdb': {
      const ns = dataplaneOf(topology).namespace(netnsId({ kind: 'host', node }));
      if (!ns) return { unavailable: `no node named ${node}` };
      return view === 'routes' ? renderRoutes(ns) : view === 'neigh' ? renderNeighbours(ns) : renderFdb(ns);
    }
  }
}
