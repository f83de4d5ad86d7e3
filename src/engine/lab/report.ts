/**
 * What `lab verify` found, as data and as text: per trace, per hop, `match` or the fields that
 * differ with the predicted and captured header stacks side by side; and how the trace ended in the
 * kernel (answered, rejected with an ICMP error, no answer) against the walk's disposition. Pure.
 */

import type { Disposition, HeaderStack, Step, Trace } from '../trace/types';
import type { CapturedPacket } from './tcpdump';
import type { FieldDifference } from './compare';

export interface HopReport {
  readonly hop: number;
  /** `master host enp0s1`: the node, the namespace and the link the hop is on. */
  readonly where: string;
  readonly predicted: HeaderStack;
  readonly captured?: HeaderStack;
  readonly differences: readonly FieldDifference[];
}

/** How a flow ended, as seen on the sender's own link. */
export type Outcome = 'answered' | 'reset' | `rejected (icmp unreachable code ${number})` | 'no answer';

export interface OutcomeCheck {
  readonly predicted: Outcome;
  readonly observed: Outcome;
}

export interface TraceReport {
  readonly label: string;
  readonly kind?: string;
  readonly disposition: Disposition;
  /** Where kube-proxy picks an endpoint at random: which of the walk's alternatives the kernel took. */
  readonly alternative?: { readonly index: number; readonly of: number };
  readonly hops: readonly HopReport[];
  /** The reply leg's hops (SYN-ACK, echo reply, the UDP listener's echo), where the kernel answers. */
  readonly reply?: readonly HopReport[];
  /** Absent where the kernel's answer shows nothing (UDP gets no reply whether delivered or not). */
  readonly outcome?: OutcomeCheck;
  /** Why the trace could not be sent at all (an unknown endpoint, a lab that failed). */
  readonly error?: string;
  /**
   * Why the probe never left its source (the sending tool could not bind its port, a capture never
   * started): nothing was compared, so this is neither a match nor a difference.
   */
  readonly unsent?: string;
  /**
   * For a packet the CNI's policy rules deny: the link it would have left by, and how many packets
   * of the flow were captured there (0 when the kernel dropped it where the walk says).
   */
  readonly silence?: { readonly where: string; readonly seen: number };
  /** What the lab could not hold against the kernel here, said rather than counted as a match. */
  readonly unchecked?: string;
}

/** What one trace came to: the kernel agreed, it disagreed, or the probe never left so nothing was held against it. */
export type Verdict = 'match' | 'differ' | 'could not send';

export function traceVerdict(r: TraceReport): Verdict {
  if (r.unsent !== undefined) return 'could not send';
  const agrees = !r.error && [...r.hops, ...(r.reply ?? [])].every((h) => h.differences.length === 0) && (!r.outcome || r.outcome.predicted === r.outcome.observed) && (r.silence?.seen ?? 0) === 0;
  return agrees ? 'match' : 'differ';
}

export function traceMatches(r: TraceReport): boolean {
  return traceVerdict(r) === 'match';
}

/** A run's verdict: any difference found among the probes sent, else any probe that could not be sent, else a match. */
export function runVerdict(verdicts: readonly Verdict[]): Verdict {
  return verdicts.includes('differ') ? 'differ' : verdicts.includes('could not send') ? 'could not send' : 'match';
}

const rejectCodes: Readonly<Record<string, number>> = {
  'icmp-net-unreachable': 0,
  'icmp-host-unreachable': 1,
  'icmp-port-unreachable': 3,
  'icmp-proto-unreachable': 2,
  'icmp-net-prohibited': 9,
  'icmp-host-prohibited': 10,
  'icmp-admin-prohibited': 13,
};

function rejectCode(steps: readonly Step[]): number {
  for (const s of steps) {
    if (s.kind === 'netfilter' && s.verdict === 'REJECT') {
      const m = /--reject-with (\S+)/.exec(s.rule);
      if (m) return rejectCodes[m[1]!] ?? 3;
    }
  }
  return 3;
}

/** The outcome the walk predicts a TCP SYN or ICMP echo meets; undefined where nothing comes back to tell (UDP, a flow leaving the cluster). */
export function predictedOutcome(trace: Trace): Outcome | undefined {
  const first = trace.hops[0]?.headers;
  // The flow's own transport is the last header (a VXLAN hop's outer UDP is not the flow's).
  if (!first || first[first.length - 1]?.layer === 'udp') return undefined;
  switch (trace.disposition) {
    case 'DELIVERED':
      return 'answered';
    case 'REJECTED':
      return `rejected (icmp unreachable code ${rejectCode([...trace.hops.flatMap((h) => h.steps), ...trace.final])})`;
    case 'DROPPED':
      return 'no answer';
    case 'DENIED':
      return 'no answer';
    case 'NO_ROUTE':
    case 'LOOP':
    case 'TTL_EXCEEDED':
    case 'EXITS_CLUSTER':
      return undefined;
  }
}

/** What came back to `source` on its own link: a SYN-ACK or echo reply, a RST, an ICMP error, or nothing. */
export function observedOutcome(packets: readonly CapturedPacket[], source: string): Outcome {
  let outcome: Outcome = 'no answer';
  for (const p of packets) {
    // The innermost packet is the flow's own, also where it is seen inside a tunnel.
    const at = p.headers.map((h) => h.layer).lastIndexOf('ipv4');
    const ip = p.headers[at];
    if (ip?.layer !== 'ipv4' || ip.dst !== source) continue;
    const l4 = p.headers[at + 1];
    if (l4?.layer === 'icmp' && l4.type === 'unreachable') return `rejected (icmp unreachable code ${l4.code})`;
    if (l4?.layer === 'icmp' && l4.type === 'echo reply') return 'answered';
    if (l4?.layer === 'tcp' && l4.flags.includes('S') && l4.flags.includes('.')) return 'answered';
    if (l4?.layer === 'tcp' && l4.flags.startsWith('R')) outcome = 'reset';
  }
  return outcome;
}

/** One header as tcpdump would summarise it: `ipv4 10.42.0.65 > 10.42.1.9 ttl 63 len 60 DF`. */
export function headerText(h: HeaderStack[number]): string {
  switch (h.layer) {
    case 'eth':
      return `eth ${h.src} > ${h.dst}`;
    case 'arp':
      return `arp ${h.op} ${h.senderIp} > ${h.targetIp}`;
    case 'ipv4':
      return `ipv4 ${h.src} > ${h.dst} ttl ${h.ttl} len ${h.length}${h.df ? ' DF' : ''}${h.tos ? ` tos 0x${h.tos.toString(16)}` : ''}`;
    case 'ipv6':
      return `ipv6 ${h.src} > ${h.dst} hlim ${h.hlim}`;
    case 'icmp':
      return `icmp ${h.type} code ${h.code}`;
    case 'udp':
      return `udp ${h.sport} > ${h.dport}`;
    case 'tcp':
      return `tcp ${h.sport} > ${h.dport} [${h.flags}]`;
    case 'sctp':
      return `sctp ${h.sport} > ${h.dport}`;
    case 'vxlan':
      return `vxlan vni ${h.vni}`;
  }
}

function sideBySide(predicted: HeaderStack, captured: HeaderStack | undefined, indent: string): string[] {
  const left = predicted.map(headerText);
  const right = (captured ?? []).map(headerText);
  const width = Math.max(9, ...left.map((l) => l.length));
  const rows = [`${indent}${'predicted'.padEnd(width)} | captured`];
  for (let i = 0; i < Math.max(left.length, right.length, 1); i++) {
    rows.push(`${indent}${(left[i] ?? '').padEnd(width)} | ${right[i] ?? (i === 0 && !captured ? '(nothing captured)' : '')}`);
  }
  return rows;
}

/** The report for people: a verdict per trace and per hop, the header stacks side by side. */
export function renderText(reports: readonly TraceReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    const alt = r.alternative ? ` [kube-proxy chose endpoint ${r.alternative.index + 1} of ${r.alternative.of}]` : '';
    const verdict = traceVerdict(r);
    const head = verdict === 'could not send' ? 'NOT SENT' : verdict === 'differ' ? 'DIFFER' : r.unchecked && r.hops.length === 0 ? 'UNCHECKED' : 'MATCH';
    out.push(`${head}  ${r.kind ? `${r.kind}: ` : ''}${r.label}  ${r.disposition}${alt}`);
    if (r.error) out.push(`  error: ${r.error}`);
    if (r.unsent !== undefined) out.push(`  could not send: ${r.unsent}`);
    if (r.unchecked) out.push(`  not checked: ${r.unchecked}`);
    for (const [leg, hops] of [['hop', r.hops], ['reply hop', r.reply ?? []]] as const) {
      for (const h of hops) {
        out.push(`  ${leg} ${h.hop} ${h.where}: ${h.differences.length === 0 ? 'match' : h.differences.map((d) => `${d.field} predicted ${d.predicted}, captured ${d.captured}`).join('; ')}`);
        out.push(...sideBySide(h.predicted, h.captured, '      '));
      }
    }
    if (r.silence) out.push(`  after the deny, on ${r.silence.where}: ${r.silence.seen === 0 ? 'nothing, as predicted' : `${r.silence.seen} packet${r.silence.seen === 1 ? '' : 's'} of the flow, predicted none`}`);
    if (r.outcome) out.push(`  outcome: ${r.outcome.predicted === r.outcome.observed ? `match (${r.outcome.observed})` : `predicted ${r.outcome.predicted}, observed ${r.outcome.observed}`}`);
  }
  const bad = reports.filter((r) => traceVerdict(r) === 'differ').length;
  const unsent = reports.filter((r) => traceVerdict(r) === 'could not send').length;
  const found = [...(bad ? [`${bad} differ`] : []), ...(unsent ? [`${unsent} could not be sent`] : [])];
  out.push(`${reports.length} trace${reports.length === 1 ? '' : 's'}, ${reports.reduce((n, r) => n + r.hops.length + (r.reply?.length ?? 0), 0)} hops: ${found.length === 0 ? 'all match' : found.join(', ')}`);
  return `${out.join('\n')}\n`;
}
