/**
 * The trace model (DESIGN.md §4, after Batfish's Trace → Hop → Step).
 * A trace ends in a disposition; each hop is the packet on one link with its full header stack,
 * outermost first, and the steps taken before it was sent. Field names follow tcpdump's.
 */

import type { SourcePos } from '../diagnostics';
import type { NetnsRef } from '../dataplane/types';

export interface EthHeader {
  readonly layer: 'eth';
  readonly src: string;
  readonly dst: string;
  /** Ethertype as tcpdump names it: IPv4, ARP, IPv6. */
  readonly type: 'IPv4' | 'ARP' | 'IPv6';
}

export interface ArpHeader {
  readonly layer: 'arp';
  readonly op: 'request' | 'reply';
  readonly senderMac: string;
  readonly senderIp: string;
  readonly targetMac: string;
  readonly targetIp: string;
}

/** IP protocol numbers the walk carries, named as tcpdump names them. */
export type IpProto = 'tcp' | 'udp' | 'icmp' | 'sctp' | 'ipip';

export interface Ipv4Header {
  readonly layer: 'ipv4';
  readonly src: string;
  readonly dst: string;
  readonly ttl: number;
  readonly proto: IpProto;
  /** Total length in bytes, header included, as tcpdump's `length`. */
  readonly length: number;
  /** Don't Fragment. */
  readonly df: boolean;
  readonly tos: number;
}

export interface Ipv6Header {
  readonly layer: 'ipv6';
  readonly src: string;
  readonly dst: string;
  readonly hlim: number;
  readonly proto: IpProto;
  readonly length: number;
}

export interface IcmpHeader {
  readonly layer: 'icmp';
  /** `echo request`, `echo reply`, `unreachable`, `time exceeded`. */
  readonly type: 'echo request' | 'echo reply' | 'unreachable' | 'time exceeded';
  readonly code: number;
  readonly id?: number;
  readonly seq?: number;
}

export interface UdpHeader {
  readonly layer: 'udp';
  readonly sport: number;
  readonly dport: number;
  readonly length: number;
}

export interface TcpHeader {
  readonly layer: 'tcp';
  readonly sport: number;
  readonly dport: number;
  /** tcpdump's flag letters: `S` for SYN, `S.` for SYN-ACK, `R.` for RST-ACK. */
  readonly flags: string;
}

export interface SctpHeader {
  readonly layer: 'sctp';
  readonly sport: number;
  readonly dport: number;
}

export interface VxlanHeader {
  readonly layer: 'vxlan';
  readonly vni: number;
}

export type Header =
  | EthHeader
  | ArpHeader
  | Ipv4Header
  | Ipv6Header
  | IcmpHeader
  | UdpHeader
  | TcpHeader
  | SctpHeader
  | VxlanHeader;

/** A header stack, outermost first. */
export type HeaderStack = readonly Header[];

// ---------------------------------------------------------------------------------------------
// Steps: what moved the packet. Each names the exact line of state it used.

export interface RouteStep {
  readonly kind: 'route';
  readonly table: string;
  /** The matched route exactly as `ip route show table T` prints it. */
  readonly line: string;
  readonly outDevice: string;
  readonly nextHop?: string;
  /** The `ip rule` line whose table gave the route, in a namespace with policy routing rules. */
  readonly rule?: string;
}

export interface NeighbourStep {
  readonly kind: 'neighbour';
  /** As `ip neigh` prints it. */
  readonly line: string;
  /** An ARP exchange happened on the link before this hop (not shown as its own hop). */
  readonly resolvedByArp: boolean;
}

export interface FdbStep {
  readonly kind: 'fdb';
  readonly device: string;
  /** As `bridge fdb show` prints it. */
  readonly line: string;
}

export interface BridgeStep {
  readonly kind: 'bridge';
  readonly bridge: string;
  readonly inPort: string;
  readonly outPort: string;
  /** `fdb` when a learned/static entry chose the port, `flood` when none did, `local` for the bridge itself. */
  readonly decision: 'fdb' | 'flood' | 'local';
}

export type NetfilterTable = 'raw' | 'mangle' | 'nat' | 'filter';
export type NetfilterHookName = 'PREROUTING' | 'INPUT' | 'FORWARD' | 'OUTPUT' | 'POSTROUTING';

export interface NetfilterStep {
  readonly kind: 'netfilter';
  readonly table: NetfilterTable;
  readonly chain: string;
  /** The rule as the rule view prints it (`-A CHAIN …`), so a step can point at a line. */
  readonly rule: string;
  /** 1-based line of `rule` in the node's `rules --format restore` output. */
  readonly line?: number;
  /** What the rule did: a jump, a return, or a terminal verdict. */
  readonly verdict: string;
  /** When several endpoints could be chosen here, each with its probability. */
  readonly alternatives?: readonly { readonly rule: string; readonly probability: number }[];
}

export interface NatStep {
  readonly kind: 'nat';
  readonly type: 'DNAT' | 'SNAT' | 'MASQUERADE' | 'un-DNAT' | 'un-SNAT';
  /** Field name → [before, after], e.g. `dst: ['10.43.6.58:80', '10.42.1.6:80']`. */
  readonly changes: Readonly<Record<string, readonly [string, string]>>;
}

export interface IpvsStep {
  readonly kind: 'ipvs';
  readonly service: string;
  readonly realServer: string;
  readonly scheduler: string;
  readonly alternatives: readonly { readonly realServer: string; readonly weight: number }[];
}

export interface PolicyStep {
  readonly kind: 'policy';
  readonly direction: 'ingress' | 'egress';
  readonly verdict: 'allow' | 'deny';
  /** False where the CNI does not enforce NetworkPolicy: the verdict is reported, not applied. */
  readonly enforced: boolean;
  /** `ns/name` of the deciding policy; absent when the pod is not isolated. */
  readonly policy?: string;
  readonly ruleIndex?: number;
  readonly reason: string;
  readonly source?: SourcePos;
}

export interface EncapStep {
  readonly kind: 'encap';
  readonly tunnel: 'vxlan' | 'ipip' | 'udp' | 'sleeve';
  readonly device: string;
  /** The FDB or neighbour line that chose the outer destination. */
  readonly line?: string;
}

export interface DecapStep {
  readonly kind: 'decap';
  readonly tunnel: 'vxlan' | 'ipip' | 'udp' | 'sleeve';
  readonly device: string;
}

export interface TtlStep {
  readonly kind: 'ttl';
  readonly from: number;
  readonly to: number;
}

export interface DeliverStep {
  readonly kind: 'deliver';
  /** The socket or process that receives it, e.g. `10.42.1.9:80 (nginx-1/nginx)`. */
  readonly to: string;
}

export interface NoteStep {
  readonly kind: 'note';
  readonly text: string;
}

export type Step =
  | RouteStep
  | NeighbourStep
  | FdbStep
  | BridgeStep
  | NetfilterStep
  | NatStep
  | IpvsStep
  | PolicyStep
  | EncapStep
  | DecapStep
  | TtlStep
  | DeliverStep
  | NoteStep;

export interface Hop {
  /** Cluster node (or external host) whose namespace sent the packet on this link. */
  readonly node: string;
  /** Network namespace as a label: `host`, or `pod/NS/NAME`, or `ext/NAME` (`netnsLabel(ref)`). */
  readonly netns: string;
  /** The same namespace as data, for faces that place the hop or name the namespace otherwise. */
  readonly ref: NetnsRef;
  /** Device the packet entered the namespace by (absent at the origin). */
  readonly in?: string;
  /** Device it leaves by: this hop is the packet on that device's link. */
  readonly out: string;
  readonly headers: HeaderStack;
  readonly steps: readonly Step[];
}

export type Disposition =
  | 'DELIVERED'
  | 'DENIED'
  | 'DROPPED'
  | 'REJECTED'
  | 'NO_ROUTE'
  | 'LOOP'
  | 'TTL_EXCEEDED'
  | 'EXITS_CLUSTER';

export interface Trace {
  readonly disposition: Disposition;
  readonly hops: readonly Hop[];
  /** Steps taken after the last hop was sent: delivery, the dropping rule, the policy verdict. */
  readonly final: readonly Step[];
  /** The reply leg (conntrack reverses the NAT), when the request was delivered. */
  readonly reply?: Trace;
}

export function assertNever(x: never): never {
  throw new Error(`unexpected value: ${JSON.stringify(x)}`);
}
