/**
 * The packet as the walk carries it, and the header stacks a capture shows on each link.
 * Sizes and defaults are what Linux sends (seen on the kernel: a TCP SYN is 60 bytes with
 * mss/sackOK/TS/wscale options and DF set; ping's echo request is 84 bytes; TTL starts at 64;
 * VXLAN's outer header has TTL 64, TOS 0 and DF clear, and is 50 bytes longer than the inner packet).
 */

import type { EthHeader, Header, Ipv4Header } from './types';
import type { FlowKey } from './hooks';

export type L4Proto = 'tcp' | 'udp' | 'icmp';

/** The inner IPv4 packet: what the endpoints send and NAT rewrites. */
export interface Packet {
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly proto: L4Proto;
  readonly length: number;
  readonly df: boolean;
  readonly sport: number;
  readonly dport: number;
  /** TCP flags, or ICMP type for icmp. */
  readonly tcpFlags: string;
  readonly icmpType: 'echo request' | 'echo reply';
}

/** Outer encapsulation around an inner frame or packet on the underlay. */
export type Encapsulation =
  | { readonly kind: 'vxlan'; readonly outer: Ipv4Header; readonly sport: number; readonly dport: number; readonly vni: number; readonly innerEth: EthHeader }
  | { readonly kind: 'ipip'; readonly outer: Ipv4Header }
  | { readonly kind: 'udp'; readonly outer: Ipv4Header; readonly sport: number; readonly dport: number }
  /** Weave sleeve: weaver's UDP carrying the whole frame, Ethernet header included. */
  | { readonly kind: 'sleeve'; readonly outer: Ipv4Header; readonly sport: number; readonly dport: number; readonly innerEth: EthHeader };

export const DEFAULT_TTL = 64;
/** IPv4 20 + TCP 20 + the 20 bytes of options Linux puts on a SYN. */
const TCP_SYN_LENGTH = 60;
/** IPv4 20 + ICMP 8 + ping's default 56 data bytes. */
const ICMP_ECHO_LENGTH = 84;
/** IPv4 20 + UDP 8 + a 6-byte payload (`hello\n`, what the lab sends). */
const UDP_LENGTH = 34;
/** Source port of the first connection the walk models; a real client picks one from 32768-60999. */
export const DEFAULT_SPORT = 45678;
export const ICMP_ID = 1;

export function newPacket(src: string, dst: string, proto: L4Proto, dport: number, sport = DEFAULT_SPORT): Packet {
  return {
    src,
    dst,
    ttl: DEFAULT_TTL,
    proto,
    length: proto === 'tcp' ? TCP_SYN_LENGTH : proto === 'udp' ? UDP_LENGTH : ICMP_ECHO_LENGTH,
    // Linux sets DF on TCP, on UDP (IP_PMTUDISC_WANT) and on ping's echo requests.
    df: true,
    sport: proto === 'icmp' ? 0 : sport,
    dport: proto === 'icmp' ? 0 : dport,
    tcpFlags: 'S',
    icmpType: 'echo request',
  };
}

/** The same connection's answer: addresses and ports swapped, a SYN-ACK or echo reply of its own size. */
export function replyPacket(p: Packet): Packet {
  return {
    ...p,
    src: p.dst,
    dst: p.src,
    sport: p.dport,
    dport: p.sport,
    ttl: DEFAULT_TTL,
    // The kernel answers an echo from its own ICMP socket, which never sets DF: icmp_sk_init in
    // linux net/ipv4/icmp.c gives it IP_PMTUDISC_DONT. A SYN-ACK and a UDP answer keep theirs.
    df: p.proto === 'icmp' ? false : p.df,
    tcpFlags: 'S.',
    icmpType: 'echo reply',
  };
}

export function flowOf(p: Packet): FlowKey {
  return { src: p.src, dst: p.dst, proto: p.proto, sport: p.sport, dport: p.dport };
}

export function ipv4Of(p: Packet): Ipv4Header {
  return { layer: 'ipv4', src: p.src, dst: p.dst, ttl: p.ttl, proto: p.proto, length: p.length, df: p.df, tos: 0 };
}

export function l4Of(p: Packet): Header {
  switch (p.proto) {
    case 'tcp':
      return { layer: 'tcp', sport: p.sport, dport: p.dport, flags: p.tcpFlags };
    case 'udp':
      return { layer: 'udp', sport: p.sport, dport: p.dport, length: p.length - 20 };
    case 'icmp':
      return { layer: 'icmp', type: p.icmpType, code: 0, id: ICMP_ID, seq: 1 };
  }
}

/** The stack a capture on the link shows, outermost first. */
export function headerStack(eth: EthHeader, p: Packet, encap?: Encapsulation): Header[] {
  const inner = [ipv4Of(p), l4Of(p)];
  if (!encap) return [eth, ...inner];
  switch (encap.kind) {
    case 'vxlan':
      return [eth, encap.outer, { layer: 'udp', sport: encap.sport, dport: encap.dport, length: encap.outer.length - 20 }, { layer: 'vxlan', vni: encap.vni }, encap.innerEth, ...inner];
    case 'ipip':
      return [eth, encap.outer, ...inner];
    case 'udp':
      return [eth, encap.outer, { layer: 'udp', sport: encap.sport, dport: encap.dport, length: encap.outer.length - 20 }, ...inner];
    case 'sleeve':
      return [eth, encap.outer, { layer: 'udp', sport: encap.sport, dport: encap.dport, length: encap.outer.length - 20 }, encap.innerEth, ...inner];
  }
}

/**
 * The outer UDP source port a VXLAN device picks: the kernel hashes the inner flow
 * (udp_flow_src_port) into the local port range 32768-60999. The hash differs from the kernel's
 * (it is seeded at boot), so the value is a stable stand-in in the same range; compare everything else.
 */
export function vxlanSourcePort(p: Packet): number {
  let h = 0x811c9dc5;
  const key = `${p.src}|${p.dst}|${p.proto}|${p.sport}|${p.dport}`;
  for (let i = 0; i < key.length; i++) h = Math.imul(h ^ key.charCodeAt(i), 0x01000193) >>> 0;
  return 32768 + (h % (60999 - 32768 + 1));
}
