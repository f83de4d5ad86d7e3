import { cniDevices } from '../cni/index';
import { nodeNetnsId } from '../dataplane/derive';
import type { Dataplane, NetnsRef } from '../dataplane/types';
import { formatStep, hopWhere } from '../render/trace';
import type { HeaderStack, Hop, Step, Trace } from '../trace/types';
import { assertNever } from '../trace/types';
import { ids } from './graph';
import type { StepView, TraceHopView, TraceView } from './types';

/**
 * Trace → what the webview draws: each hop placed on graph elements (the namespace that sent it,
 * then the device it left by), header fields a hop changed marked, each step as a line of text
 * with where a click on it leads. The hop titles and step lines are the CLI's (`render/trace.ts`).
 */
export function buildTraceView(dataplane: Dataplane, trace: Trace, title: string): TraceView {
  const topology = dataplane.topology;
  const devices = cniDevices(topology.cluster.cni);
  const nodes = new Map(topology.nodes.map((n) => [n.name, n] as const));
  const place = (hop: Hop): string[] => {
    const at = hop.ref;
    if (at.kind === 'pod') return [ids.pod(at.namespace, at.name)];
    if (at.kind !== 'host') return [ids.external(at.name)];
    const node = nodes.get(at.node);
    if (!node) return [ids.external(at.node)];
    if (hop.out === devices.tunnel) return [ids.tunnel(node.name), ids.nic(node.name)];
    // Into a pod: from the bridge (or the host) to the pod at the veth's other end.
    const peer = vethPeer(dataplane, node.name, hop.out);
    if (peer?.kind === 'pod') return [devices.bridge ? ids.bridge(node.name) : ids.nic(node.name), ids.pod(peer.namespace, peer.name)];
    if (hop.out === node.interface) return [ids.nic(node.name)];
    if (devices.bridge && (hop.out === devices.bridge || hop.in === devices.bridge)) return [ids.bridge(node.name)];
    return [ids.nic(node.name)];
  };
  const hops: TraceHopView[] = trace.hops.map((hop, index) => ({
    index: index + 1,
    path: place(hop),
    title: `${index + 1}. ${hopWhere(hop)}`,
    headers: hop.headers,
    changed: changedFields(index === 0 ? undefined : trace.hops[index - 1]?.headers, hop.headers),
    steps: hop.steps.map((s) => stepView(s, hop.node)),
  }));
  const lastNode = trace.hops[trace.hops.length - 1]?.node ?? '';
  return { title, disposition: trace.disposition, hops, final: trace.final.map((s) => stepView(s, lastNode)) };
}

/** The namespace at the other end of a node's veth, for placing a hop on the pod it enters. */
function vethPeer(dataplane: Dataplane, node: string, device: string): NetnsRef | undefined {
  const d = dataplane.namespace(nodeNetnsId(node))?.devices.find((x) => x.name === device);
  return d?.kind === 'veth' ? dataplane.namespace(d.peerNetns)?.ref : undefined;
}

/**
 * Fields of `now` that differ from the previous hop, as `headerIndex.field`; a header the previous
 * hop did not have (encapsulation) is marked whole as `headerIndex.*`. Stacks are aligned from the
 * innermost header, since encapsulation adds headers on the outside.
 */
export function changedFields(before: HeaderStack | undefined, now: HeaderStack): string[] {
  if (!before) return [];
  const out: string[] = [];
  now.forEach((header, i) => {
    const j = before.length - (now.length - i);
    const old = j >= 0 ? before[j] : undefined;
    if (!old || old.layer !== header.layer) {
      out.push(`${i}.*`);
      return;
    }
    const a = old as unknown as Record<string, unknown>;
    for (const [field, value] of Object.entries(header)) {
      if (a[field] !== value) out.push(`${i}.${field}`);
    }
  });
  return out;
}

export function stepView(step: Step, node: string): StepView {
  return { kind: step.kind, text: formatStep(step), ...target(step, node) };
}

function target(step: Step, node: string): Pick<StepView, 'target'> {
  switch (step.kind) {
    case 'netfilter':
      return { target: { type: 'rules', node, view: 'iptables', ...(step.line ? { line: step.line } : {}), search: step.rule } };
    case 'route':
      return { target: { type: 'rules', node, view: 'routes', search: step.line } };
    case 'neighbour':
      return { target: { type: 'rules', node, view: 'neigh', search: step.line } };
    case 'fdb':
      return { target: { type: 'rules', node, view: 'fdb', search: step.line } };
    case 'ipvs':
      return { target: { type: 'rules', node, view: 'ipvs', search: step.service } };
    case 'policy':
      return step.source ? { target: { type: 'source', line: step.source.line } } : {};
    case 'encap':
      return step.line ? { target: { type: 'rules', node, view: 'fdb', search: step.line } } : {};
    case 'bridge':
    case 'nat':
    case 'decap':
    case 'ttl':
    case 'deliver':
    case 'note':
      return {};
    default:
      return assertNever(step);
  }
}
