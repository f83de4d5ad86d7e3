/**
 * A trace as text for people: one hop per line with its header stack in tcpdump's words, the
 * steps that moved it indented under it, then the disposition and the reply leg. The one trace
 * renderer: the CLI prints it, and the editor's hop titles, step lines and Markdown export are
 * made of the same pieces (`views/traceView.ts`, `extension/exportTrace.ts`).
 */

import type { Header, Hop, Step, Trace } from '../trace/types';
import { assertNever } from '../trace/types';

export function formatHeader(h: Header): string {
  switch (h.layer) {
    case 'eth':
      return `eth ${h.src} > ${h.dst}`;
    case 'arp':
      return `arp ${h.op} ${h.targetIp} tell ${h.senderIp}`;
    case 'ipv4':
      return `ipv4 ${h.src} > ${h.dst} ttl ${h.ttl} ${h.proto} length ${h.length}${h.df ? ' DF' : ''}`;
    case 'ipv6':
      return `ipv6 ${h.src} > ${h.dst} hlim ${h.hlim} ${h.proto}`;
    case 'icmp':
      return `icmp ${h.type}${h.id !== undefined ? ` id ${h.id} seq ${h.seq ?? 0}` : ''}`;
    case 'udp':
      return `udp ${h.sport} > ${h.dport}`;
    case 'tcp':
      return `tcp ${h.sport} > ${h.dport} [${h.flags}]`;
    case 'sctp':
      return `sctp ${h.sport} > ${h.dport}`;
    case 'vxlan':
      return `vxlan vni ${h.vni}`;
    default:
      return assertNever(h);
  }
}

export function formatStep(s: Step): string {
  switch (s.kind) {
    case 'route':
      return `route: ${s.line}${s.table !== 'main' ? ` (table ${s.table})` : ''}`;
    case 'neighbour':
      return `neighbour: ${s.line}${s.resolvedByArp ? ' (resolved by ARP)' : ''}`;
    case 'fdb':
      return `fdb ${s.device}: ${s.line.trimEnd()}`;
    case 'bridge':
      return `bridge ${s.bridge}: ${s.inPort} -> ${s.outPort} (${s.decision})`;
    case 'netfilter':
      return `netfilter ${s.table}/${s.chain}: ${s.rule}${s.line !== undefined ? ` [line ${s.line}]` : ''} -> ${s.verdict}`;
    case 'nat':
      return `${s.type}: ${Object.entries(s.changes).map(([k, [a, b]]) => `${k} ${a} -> ${b}`).join(', ')}`;
    case 'ipvs':
      return `ipvs ${s.service} -> ${s.realServer} (${s.scheduler})`;
    case 'policy':
      return `policy ${s.direction}: ${s.verdict}${s.enforced ? '' : ' (not enforced)'}${s.policy ? ` by ${s.policy}` : ''}: ${s.reason}`;
    case 'encap':
      return `encap ${s.tunnel} on ${s.device}${s.line ? `: ${s.line.trimEnd()}` : ''}`;
    case 'decap':
      return `decap ${s.tunnel} on ${s.device}`;
    case 'ttl':
      return `ttl ${s.from} -> ${s.to}`;
    case 'deliver':
      return `deliver to ${s.to}`;
    case 'note':
      return `note: ${s.text}`;
    default:
      return assertNever(s);
  }
}

/** Where a hop is: the node, the namespace, the device it came in by and the one it leaves by. */
export function hopWhere(hop: Hop): string {
  return `${hop.node} ${hop.netns}${hop.in ? ` ${hop.in}` : ''} -> ${hop.out}`;
}

function formatHop(hop: Hop, n: number): string[] {
  return [...hop.steps.map((s) => `      ${formatStep(s)}`), `  ${n}. ${hopWhere(hop)}: ${hop.headers.map(formatHeader).join(' | ')}`];
}

function formatLeg(trace: Trace, title: string): string[] {
  return [title, ...trace.hops.flatMap((h, i) => formatHop(h, i + 1)), ...trace.final.map((s) => `      ${formatStep(s)}`), `  => ${trace.disposition}`];
}

export function renderTrace(trace: Trace, title: string): string {
  const lines = formatLeg(trace, title);
  if (trace.reply) lines.push(...formatLeg(trace.reply, 'reply'));
  return lines.map((l) => `${l}\n`).join('');
}
