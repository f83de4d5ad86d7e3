/**
 * Conntrack as the walk needs it: the NAT a request met, remembered per node, and undone where the
 * reply meets it (un-SNAT before routing, un-DNAT after).
 */

import type { FlowKey } from './hooks';
import type { Packet } from './packet';
import type { Step } from './types';

/** A NAT conntrack remembers: the flow before and after, on the node that did it. */
export interface ConntrackEntry {
  readonly node: string;
  readonly original: FlowKey;
  readonly translated: FlowKey;
}

export function withFlow(p: Packet, f: FlowKey): Packet {
  return { ...p, src: f.src, dst: f.dst, sport: f.sport, dport: f.dport };
}

export function sameFlow(a: FlowKey, b: FlowKey): boolean {
  return a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport && a.proto === b.proto;
}

export function fmtEnd(ip: string, port: number): string {
  return port ? `${ip}:${port}` : ip;
}

/** A reply to a SNATed request, on the node that SNATed it: its destination restored (at PREROUTING). */
export function unSnat(reverse: readonly ConntrackEntry[], node: string, flow: FlowKey, steps: Step[]): FlowKey {
  for (const e of reverse) {
    if (e.node !== node) continue;
    if (e.original.src !== e.translated.src && flow.dst === e.translated.src && flow.src === e.translated.dst) {
      const after = { ...flow, dst: e.original.src, dport: e.original.sport };
      steps.push({ kind: 'nat', type: 'un-SNAT', changes: { dst: [fmtEnd(flow.dst, flow.dport), fmtEnd(after.dst, after.dport)] } });
      flow = after;
    }
  }
  return flow;
}

/** A reply to a DNATed request, on the node that DNATed it: its source restored to the address first asked for. */
export function unDnat(reverse: readonly ConntrackEntry[], node: string, f: FlowKey, steps: Step[]): FlowKey {
  for (const e of reverse) {
    if (e.node !== node || e.original.dst === e.translated.dst || f.src !== e.translated.dst || f.dst !== e.original.src) continue;
    const after = { ...f, src: e.original.dst, sport: e.original.dport };
    steps.push({ kind: 'nat', type: 'un-DNAT', changes: { src: [fmtEnd(f.src, f.sport), fmtEnd(after.src, after.sport)] } });
    return after;
  }
  return f;
}
