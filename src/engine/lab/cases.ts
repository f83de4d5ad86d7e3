/**
 * The traces `lab verify` sends when none is named: one per kind of path the topology has, so a
 * single run holds every way a packet can cross this cluster against the kernel. Pure: the
 * topology in, trace requests out. Each case gets its own source port, so the conntrack entry one
 * case leaves behind never decides the fate of the next, and a lab that stays up hands every run
 * ports no earlier run used (`sourcePortsFrom`): a finished connection's socket holds its port in
 * TIME-WAIT for a minute, and a probe bound to it would never be sent.
 */

import type { NetworkPolicyPort, Pod, Service, Topology } from '../model/types';
import type { TraceRequest } from '../trace/flow';
import type { PolicyPeer } from '../trace/hooks';
import { createPolicyHook } from '../policy/hook';
import { selectorMatches } from '../policy/selector';

export type PathKind =
  | 'same-node pod-to-pod'
  | 'cross-node pod-to-pod'
  | 'pod-to-node'
  | 'node-to-pod'
  | 'pod-to-ClusterIP'
  | 'external-to-NodePort'
  | 'pod-to-external'
  | 'service without endpoints'
  | 'NetworkPolicy allow'
  | 'NetworkPolicy deny';

export interface LabCase {
  readonly kind: PathKind;
  /** `pod/default/a -> svc/default/web:80`, for the report. */
  readonly label: string;
  readonly request: TraceRequest;
}

/** A port no Service or NodePort of a sample uses, for plain connections to pods, nodes and externals. */
export const LAB_PORT = 9000;
/** The first source port; case i sends from FIRST_SPORT + i. */
export const FIRST_SPORT = 40001;
/** The last source port a probe uses, the top of Linux's ephemeral range (net.ipv4.ip_local_port_range). */
export const LAST_SPORT = 60999;

/**
 * Where a run of `count` probes starts, given the lab's next unused port (undefined for a lab that
 * has sent nothing yet): that port, or FIRST_SPORT again once the run would pass LAST_SPORT. A
 * port comes round again only after some 21,000 probes, long after its TIME-WAIT has ended.
 */
export function firstSourcePort(next: number | undefined, count: number): number {
  const first = next ?? FIRST_SPORT;
  return first < FIRST_SPORT || first + count - 1 > LAST_SPORT ? FIRST_SPORT : first;
}

/** The cases renumbered to send from `first`, `first + 1`, … in order; the walk predicts with the same ports. */
export function sourcePortsFrom<C extends { readonly request: TraceRequest }>(cases: readonly C[], first: number): C[] {
  return cases.map((c, i) => ({ ...c, request: { ...c.request, sport: first + i } }));
}

const podRef = (p: Pod): string => `pod/${p.namespace}/${p.name}`;

function hasEndpoints(topology: Topology, svc: Service): boolean {
  return topology.endpointSlices.some((s) => s.namespace === svc.namespace && s.serviceName === svc.name && s.endpoints.some((e) => e.conditions.ready && e.addresses.length > 0));
}

/**
 * Where a policy isolates a pod for ingress: one source it allows and one it denies, on the first
 * port its rules name (the lab port when they name none), each classified by the policy model.
 */
function policyCases(topology: Topology, pods: readonly Pod[]): { kind: PathKind; from: string; to: string; port: number }[] {
  if (topology.policies.length === 0) return [];
  const hook = createPolicyHook(topology);
  const peer = (p: Pod): PolicyPeer => ({ ip: p.ip, pod: { namespace: p.namespace, name: p.name } });
  for (const target of pods) {
    const isolating = topology.policies.filter((pol) => pol.namespace === target.namespace && pol.policyTypes.includes('Ingress') && selectorMatches(pol.podSelector, target.labels));
    if (isolating.length === 0) continue;
    // A named port is the target's own container port of that name.
    const numbered = (p: NetworkPolicyPort): number | undefined =>
      typeof p.port === 'number' ? p.port : target.containers.flatMap((c) => c.ports).find((c) => c.name === p.port && c.protocol === p.protocol)?.containerPort;
    const port = isolating.flatMap((pol) => pol.ingress.flatMap((r) => r.ports)).filter((p) => p.protocol === 'TCP').map(numbered).find((n) => n !== undefined) ?? LAB_PORT;
    const out: { kind: PathKind; from: string; to: string; port: number }[] = [];
    for (const verdict of ['allow', 'deny'] as const) {
      const src = pods.find((s) => s !== target && hook.evaluate('ingress', { src: peer(s), dst: peer(target), protocol: 'TCP', port }).verdict === verdict);
      if (src) out.push({ kind: verdict === 'allow' ? 'NetworkPolicy allow' : 'NetworkPolicy deny', from: podRef(src), to: podRef(target), port });
    }
    if (out.length) return out;
  }
  return [];
}

/** The generated set: the path kinds this topology has, each once (NodePorts once per node). */
export function labCases(topology: Topology): LabCase[] {
  const pods = topology.pods.filter((p) => !p.hostNetwork && p.ready);
  const wanted: { kind: PathKind; from: string; to: string; port?: number; proto?: 'tcp' | 'udp' }[] = [];
  const a = pods[0];
  if (a) {
    const sameNode = pods.find((p) => p !== a && p.nodeName === a.nodeName);
    const otherNode = pods.find((p) => p.nodeName !== a.nodeName);
    if (sameNode) wanted.push({ kind: 'same-node pod-to-pod', from: podRef(a), to: podRef(sameNode), port: LAB_PORT });
    if (otherNode) wanted.push({ kind: 'cross-node pod-to-pod', from: podRef(a), to: podRef(otherNode), port: LAB_PORT });
    const peerNode = topology.nodes.find((n) => n.name !== a.nodeName);
    if (peerNode) wanted.push({ kind: 'pod-to-node', from: podRef(a), to: `ip/${peerNode.address}:${LAB_PORT}` });
    const target = otherNode ?? sameNode;
    const fromNode = topology.nodes.find((n) => target && n.name !== target.nodeName);
    if (target && fromNode) wanted.push({ kind: 'node-to-pod', from: `node/${fromNode.name}`, to: podRef(target), port: LAB_PORT });
    for (const svc of topology.services) {
      const port = svc.ports[0];
      if (!port || svc.clusterIP === 'None' || !svc.clusterIP) continue;
      const proto = port.protocol === 'UDP' ? 'udp' : port.protocol === 'TCP' ? 'tcp' : undefined;
      if (!proto) continue;
      const kind = hasEndpoints(topology, svc) ? 'pod-to-ClusterIP' : 'service without endpoints';
      wanted.push({ kind, from: podRef(a), to: `svc/${svc.namespace}/${svc.name}:${port.port}`, proto });
    }
    const ext = topology.externals[0];
    if (ext) wanted.push({ kind: 'pod-to-external', from: podRef(a), to: `ext/${ext.name}`, port: LAB_PORT });
  }
  wanted.push(...policyCases(topology, pods));
  const client = topology.externals[0];
  if (client) {
    for (const svc of topology.services) {
      const port = svc.ports.find((p) => p.nodePort !== undefined && p.protocol === 'TCP');
      if (!port || !hasEndpoints(topology, svc)) continue;
      for (const node of topology.nodes) wanted.push({ kind: 'external-to-NodePort', from: `ext/${client.name}`, to: `ip/${node.address}:${port.nodePort!}` });
    }
  }
  return wanted.map((w, i) => ({
    kind: w.kind,
    label: `${w.from} -> ${w.to}${w.port !== undefined ? `:${w.port}` : ''}${w.proto === 'udp' ? ' (udp)' : ''}`,
    request: { from: w.from, to: w.to, proto: w.proto ?? 'tcp', sport: FIRST_SPORT + i, ...(w.port !== undefined ? { port: w.port } : {}) },
  }));
}
