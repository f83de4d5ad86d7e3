/**
 * Checks a built trace: every hop's stack has a shape a capture can show, outer lengths agree with
 * what they carry, and between consecutive hops only the fields a step changed differ (addresses
 * and ports by NAT, TTL by the forwarding decrement, the outer layers by encap/decap).
 */

import type { Header, Hop, Ipv4Header, Step, Trace } from './types';

/** Outer bytes over the inner IPv4 packet; sleeve's 62 are weave's UDP, peer-name prefix, frame header and the frame's Ethernet header. */
const overhead: Record<string, number> = { vxlan: 50, ipip: 20, udp: 28, sleeve: 62 };

function shapeOf(headers: readonly Header[]): string | undefined {
  const layers = headers.map((h) => h.layer).join(',');
  const l4 = '(tcp|udp|icmp|sctp)';
  if (new RegExp(`^eth,ipv4,${l4}$`).test(layers)) return 'plain';
  if (new RegExp(`^eth,ipv4,udp,vxlan,eth,ipv4,${l4}$`).test(layers)) return 'vxlan';
  if (new RegExp(`^eth,ipv4,ipv4,${l4}$`).test(layers)) return 'ipip';
  if (new RegExp(`^eth,ipv4,udp,ipv4,${l4}$`).test(layers)) return 'udp';
  if (new RegExp(`^eth,ipv4,udp,eth,ipv4,${l4}$`).test(layers)) return 'sleeve';
  return undefined;
}

interface Inner {
  readonly ip: Ipv4Header;
  readonly sport: number;
  readonly dport: number;
}

function innerOf(headers: readonly Header[]): Inner | undefined {
  const ips = headers.filter((h): h is Ipv4Header => h.layer === 'ipv4');
  const ip = ips[ips.length - 1];
  const l4 = headers[headers.length - 1];
  if (!ip || !l4) return undefined;
  return { ip, sport: l4.layer === 'tcp' || l4.layer === 'udp' || l4.layer === 'sctp' ? l4.sport : 0, dport: l4.layer === 'tcp' || l4.layer === 'udp' || l4.layer === 'sctp' ? l4.dport : 0 };
}

function checkHop(hop: Hop, index: number, prev: Hop | undefined): string[] {
  const where = `hop ${index + 1} (${hop.node} ${hop.netns} out ${hop.out})`;
  const problems: string[] = [];
  const shape = shapeOf(hop.headers);
  if (!shape) return [`${where}: header stack ${hop.headers.map((h) => h.layer).join(',')} is not one a link carries`];
  const inner = innerOf(hop.headers)!;
  if (shape !== 'plain') {
    const outer = hop.headers[1] as Ipv4Header;
    if (outer.length !== inner.ip.length + overhead[shape]!) problems.push(`${where}: outer length ${outer.length} does not carry a ${inner.ip.length}-byte packet in ${shape}`);
    const udp = hop.headers[2];
    if (udp?.layer === 'udp' && udp.length !== outer.length - 20) problems.push(`${where}: outer UDP length ${udp.length} is not ${outer.length - 20}`);
  }
  const steps: readonly Step[] = hop.steps;
  if (!prev) {
    if (inner.ip.ttl > 255 || inner.ip.ttl < 1) problems.push(`${where}: TTL ${inner.ip.ttl} is out of range`);
    return problems;
  }
  const before = innerOf(prev.headers)!;
  const prevShape = shapeOf(prev.headers);
  const nat = steps.some((s) => s.kind === 'nat');
  if (!nat && (before.ip.src !== inner.ip.src || before.ip.dst !== inner.ip.dst || before.sport !== inner.sport || before.dport !== inner.dport)) {
    problems.push(`${where}: addresses or ports changed without a NAT step`);
  }
  const ttlDrop = steps.filter((s) => s.kind === 'ttl').reduce((sum, s) => sum + (s.kind === 'ttl' ? s.from - s.to : 0), 0);
  if (before.ip.ttl - ttlDrop !== inner.ip.ttl) problems.push(`${where}: TTL ${before.ip.ttl} → ${inner.ip.ttl} but the steps decrement by ${ttlDrop}`);
  if (before.ip.proto !== inner.ip.proto || before.ip.length !== inner.ip.length) problems.push(`${where}: protocol or length changed`);
  if (shape !== prevShape) {
    const encap = steps.some((s) => s.kind === 'encap');
    const decap = steps.some((s) => s.kind === 'decap');
    if (shape !== 'plain' && !encap) problems.push(`${where}: ${shape} outer headers appear without an encap step`);
    if (prevShape !== 'plain' && !decap) problems.push(`${where}: ${prevShape} outer headers vanish without a decap step`);
  }
  return problems;
}

export function validateTrace(trace: Trace): string[] {
  const problems = trace.hops.flatMap((hop, i) => checkHop(hop, i, trace.hops[i - 1]));
  return trace.reply ? [...problems, ...validateTrace(trace.reply).map((p) => `reply: ${p}`)] : problems;
}
