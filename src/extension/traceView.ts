import type { Topology } from '../engine/model/types';
import type { Header, HeaderStack, Hop, Step, Trace } from '../engine/trace/types';
import { assertNever } from '../engine/trace/types';
import type { StepView, TraceHopView, TraceView } from '../protocol/messages';
import { cniDevices } from '../engine/index';
import { ids } from './graph';

/**
 * Trace → what the webview draws: each hop placed on graph elements (the namespace that sent it,
 * then the device it left by), header fields a hop changed marked, each step as a line of text
 * with where a click on it leads.
 */
export function buildTraceView(topology: Topology, trace: Trace, title: string, vethPeer: (node: string, device: string) => string | undefined = () => undefined): TraceView {
  const devices = cniDevices(topology.cluster.cni);
  const nodes = new Map(topology.nodes.map((n) => [n.name, n] as const));
  const place = (hop: Hop): string[] => {
    const netns = hop.netns;
    if (netns.startsWith('pod/')) return [ids.pod(...splitNsName(netns.slice(4)))];
    if (netns.startsWith('ext/')) return [ids.external(netns.slice(4))];
    const node = nodes.get(hop.node);
    if (!node) return [ids.external(hop.node)];
    if (hop.out === devices.tunnel) return [ids.tunnel(node.name), ids.nic(node.name)];
    // Into a pod: from the bridge (or the host) to the pod at the veth's other end.
    const peer = vethPeer(node.name, hop.out);
    if (peer?.startsWith('pod/')) return [devices.bridge ? ids.bridge(node.name) : ids.nic(node.name), ids.pod(...splitNsName(peer.slice(4)))];
    if (hop.out === node.interface) return [ids.nic(node.name)];
    if (devices.bridge && (hop.out === devices.bridge || hop.in === devices.bridge)) return [ids.bridge(node.name)];
    return [ids.nic(node.name)];
  };
  const hops: TraceHopView[] = trace.hops.map((hop, index) => ({
    index: index + 1,
    path: place(hop),
    title: `${index + 1}. ${hop.node} ${hop.netns}${hop.in ? ` in ${hop.in}` : ''} → ${hop.out}`,
    headers: hop.headers,
    changed: changedFields(index === 0 ? undefined : trace.hops[index - 1]?.headers, hop.headers),
    steps: hop.steps.map((s) => stepView(s, hop.node)),
  }));
  const lastNode = trace.hops[trace.hops.length - 1]?.node ?? '';
  return { title, disposition: trace.disposition, hops, final: trace.final.map((s) => stepView(s, lastNode)) };
}

function splitNsName(s: string): [string, string] {
  const slash = s.indexOf('/');
  return slash < 0 ? ['default', s] : [s.slice(0, slash), s.slice(slash + 1)];
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
  return { kind: step.kind, text: stepText(step), ...target(step, node) };
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

export function stepText(step: Step): string {
  switch (step.kind) {
    case 'route':
      return `route (table ${step.table}): ${step.line}`;
    case 'neighbour':
      return `neigh: ${step.line}${step.resolvedByArp ? ' (resolved by ARP)' : ''}`;
    case 'fdb':
      return `fdb ${step.device}: ${step.line}`;
    case 'bridge':
      return `bridge ${step.bridge}: ${step.inPort} → ${step.outPort} (${step.decision})`;
    case 'netfilter':
      return `${step.table}/${step.chain}${step.line ? ` line ${step.line}` : ''}: ${step.rule} → ${step.verdict}`;
    case 'nat':
      return `${step.type}: ${Object.entries(step.changes).map(([f, [a, b]]) => `${f} ${a} → ${b}`).join(', ')}`;
    case 'ipvs':
      return `ipvs ${step.service} (${step.scheduler}) → ${step.realServer}`;
    case 'policy':
      return `policy ${step.direction} ${step.verdict}${step.enforced ? '' : ' (not enforced)'}${step.policy ? ` by ${step.policy}` : ''}: ${step.reason}`;
    case 'encap':
      return `encap ${step.tunnel} on ${step.device}${step.line ? `: ${step.line}` : ''}`;
    case 'decap':
      return `decap ${step.tunnel} on ${step.device}`;
    case 'ttl':
      return `ttl ${step.from} → ${step.to}`;
    case 'deliver':
      return `delivered to ${step.to}`;
    case 'note':
      return step.text;
    default:
      return assertNever(step);
  }
}

/** A header as one line, tcpdump style, for tooltips and exports. */
export function headerText(h: Header): string {
  switch (h.layer) {
    case 'eth':
      return `eth ${h.src} > ${h.dst} ${h.type}`;
    case 'arp':
      return `arp ${h.op} ${h.senderIp} (${h.senderMac}) → ${h.targetIp} (${h.targetMac})`;
    case 'ipv4':
      return `IP ${h.src} > ${h.dst} ttl ${h.ttl} proto ${h.proto} length ${h.length}${h.df ? ' DF' : ''}`;
    case 'ipv6':
      return `IP6 ${h.src} > ${h.dst} hlim ${h.hlim} proto ${h.proto} length ${h.length}`;
    case 'icmp':
      return `ICMP ${h.type} code ${h.code}${h.id !== undefined ? ` id ${h.id}` : ''}${h.seq !== undefined ? ` seq ${h.seq}` : ''}`;
    case 'udp':
      return `UDP ${h.sport} > ${h.dport} length ${h.length}`;
    case 'tcp':
      return `TCP ${h.sport} > ${h.dport} Flags [${h.flags}]`;
    case 'sctp':
      return `SCTP ${h.sport} > ${h.dport}`;
    case 'vxlan':
      return `VXLAN vni ${h.vni}`;
    default:
      return assertNever(h);
  }
}
