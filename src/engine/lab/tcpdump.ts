/**
 * tcpdump's `-e -vv -n` text, read back into header stacks shaped like a trace hop's, so a capture
 * and a prediction compare field by field. Only what the walk predicts is read: eth, ARP, IPv4,
 * TCP/UDP ports and flags, ICMP type, VXLAN's VNI (printed as `VXLAN … vni N` on 4789 and under
 * `-T vxlan`, and as `OTV … instance N` on flannel's 8472). An ICMP error's quoted packet is skipped.
 */

import type { EthHeader, Header, HeaderStack, IcmpHeader, IpProto, Ipv4Header } from '../trace/types';

export interface CapturedPacket {
  /** tcpdump's timestamp, as printed. */
  readonly time: string;
  readonly headers: HeaderStack;
}

const packetStart = /^\d\d:\d\d:\d\d\.\d+ /;
const ethLine = /^([0-9a-f:]{17}) > ([0-9a-f:]{17}), ethertype (IPv4|ARP|IPv6) \(0x[0-9a-f]+\), length \d+: (.*)$/;
const ipHead = /^\(tos (0x[0-9a-f]+), ttl (\d+), id \d+, offset \d+, flags \[([^\]]*)\], proto (\w+) \(\d+\), length (\d+)/;
// Addresses end before tcpdump's `, length 28`; a greedy \S+ would keep the comma.
const arpBody = /(Request who-has ([\d.]+) tell ([\d.]+)|Reply ([\d.]+) is-at ([0-9a-f:]{17}))/;

const protoOf: Record<string, IpProto> = { TCP: 'tcp', UDP: 'udp', ICMP: 'icmp', SCTP: 'sctp', IPIP: 'ipip' };

function splitHostPort(text: string): [string, number | undefined] {
  const parts = text.split('.');
  if (parts.length === 5) return [parts.slice(0, 4).join('.'), Number(parts[4])];
  return [text, undefined];
}

/** Reads one eth(+IP) line and the line after it; returns the headers and how many lines it used. */
function readFrame(lines: readonly string[], at: number, out: Header[]): number {
  const m = ethLine.exec(lines[at]!.trim());
  if (!m) return 1;
  const [, src, dst, type, rest] = m as unknown as [string, string, string, 'IPv4' | 'ARP' | 'IPv6', string];
  const eth: EthHeader = { layer: 'eth', src, dst, type };
  out.push(eth);
  if (type === 'ARP') {
    const a = arpBody.exec(rest);
    if (a?.[2]) out.push({ layer: 'arp', op: 'request', senderMac: src, senderIp: a[3]!, targetMac: '00:00:00:00:00:00', targetIp: a[2] });
    else if (a?.[4]) out.push({ layer: 'arp', op: 'reply', senderMac: a[5]!, senderIp: a[4], targetMac: dst, targetIp: '' });
    return 1;
  }
  const ip = ipHead.exec(rest);
  if (type !== 'IPv4' || !ip) return 1;
  const body = (lines[at + 1] ?? '').trim();
  const arrow = /^(\S+) > (\S+?): (.*)$/.exec(body);
  if (!arrow) return 1;
  const [srcHost, sport] = splitHostPort(arrow[1]!);
  const [dstHost, dport] = splitHostPort(arrow[2]!);
  const proto = protoOf[ip[4]!] ?? 'tcp';
  const length = Number(ip[5]);
  const ipv4: Ipv4Header = { layer: 'ipv4', src: srcHost, dst: dstHost, ttl: Number(ip[2]), proto, length, df: ip[3]!.split(',').map((f) => f.trim()).includes('DF'), tos: parseInt(ip[1]!, 16) };
  out.push(ipv4);
  const text = arrow[3]!;
  let used = 2;
  switch (proto) {
    case 'tcp': {
      const flags = /Flags \[([^\]]*)\]/.exec(text)?.[1] ?? '';
      out.push({ layer: 'tcp', sport: sport ?? 0, dport: dport ?? 0, flags });
      break;
    }
    case 'udp': {
      out.push({ layer: 'udp', sport: sport ?? 0, dport: dport ?? 0, length: length - 20 });
      const vni = /(?:VXLAN, flags \[I\] \(0x08\), vni (\d+))|(?:OTV, flags \[I\] \(0x08\), overlay \d+, instance (\d+))/.exec(text);
      if (vni) {
        out.push({ layer: 'vxlan', vni: Number(vni[1] ?? vni[2]) });
        used += readFrame(lines, at + 2, out);
      }
      break;
    }
    case 'icmp': {
      const icmp = icmpOf(text);
      if (icmp) out.push(icmp);
      // The quoted original of an ICMP error follows as two tab-indented lines.
      while (lines[at + used]?.startsWith('\t') || (lines[at + used]?.startsWith('    ') && lines[at + used - 1]?.startsWith('\t'))) used++;
      break;
    }
    case 'sctp':
      out.push({ layer: 'sctp', sport: sport ?? 0, dport: dport ?? 0 });
      break;
    case 'ipip':
      used += readInnerIp(lines, at + 2, out);
      break;
  }
  return used;
}

/** IPIP: the inner IPv4 header and its transport line follow without an eth line. */
function readInnerIp(lines: readonly string[], at: number, out: Header[]): number {
  const fake = `00:00:00:00:00:00 > 00:00:00:00:00:00, ethertype IPv4 (0x0800), length 0: ${(lines[at] ?? '').trim()}`;
  const inner: Header[] = [];
  const used = readFrame([fake, lines[at + 1] ?? ''], 0, inner);
  out.push(...inner.slice(1));
  return used;
}

function icmpOf(text: string): IcmpHeader | undefined {
  const echo = /ICMP echo (request|reply), id (\d+), seq (\d+)/.exec(text);
  if (echo) return { layer: 'icmp', type: echo[1] === 'request' ? 'echo request' : 'echo reply', code: 0, id: Number(echo[2]), seq: Number(echo[3]) };
  if (/need to frag/.test(text)) return { layer: 'icmp', type: 'unreachable', code: 4 };
  if (/port \d+ unreachable/.test(text)) return { layer: 'icmp', type: 'unreachable', code: 3 };
  if (/host \S+ unreachable/.test(text)) return { layer: 'icmp', type: 'unreachable', code: 1 };
  if (/net \S+ unreachable/.test(text)) return { layer: 'icmp', type: 'unreachable', code: 0 };
  if (/admin prohibited/.test(text)) return { layer: 'icmp', type: 'unreachable', code: 13 };
  if (/time exceeded in-transit/.test(text)) return { layer: 'icmp', type: 'time exceeded', code: 0 };
  return undefined;
}

/** Every packet of a capture, in order. */
export function parseTcpdump(text: string): CapturedPacket[] {
  const lines = text.split('\n');
  const packets: CapturedPacket[] = [];
  for (let i = 0; i < lines.length; ) {
    const line = lines[i]!;
    const time = packetStart.exec(line)?.[0];
    if (!time) {
      i++;
      continue;
    }
    const headers: Header[] = [];
    lines[i] = line.slice(time.length);
    const used = readFrame(lines, i, headers);
    packets.push({ time: time.trim(), headers });
    i += Math.max(1, used);
  }
  return packets;
}
