/**
 * Where netfilter (kube-proxy, CNI NAT) and NetworkPolicy plug into the walk. The walk calls these
 * at the points the kernel does; the stages behind them are built and tested apart, so adding a
 * rule kind or a policy feature never changes the walk itself.
 */

import type { PolicyOrigin } from '../cni/descriptor';
import type { Protocol } from '../model/types';
import type { NetfilterHookName, PolicyStep, Step } from './types';

/** The 5-tuple netfilter and conntrack see. Ports are 0 for ICMP. */
export interface FlowKey {
  readonly src: string;
  readonly dst: string;
  readonly proto: 'tcp' | 'udp' | 'icmp' | 'sctp';
  readonly sport: number;
  readonly dport: number;
}

export interface NetfilterInput {
  /** Node whose host namespace runs the rules. */
  readonly node: string;
  readonly hook: NetfilterHookName;
  readonly flow: FlowKey;
  /** skb->mark as it arrives at this hook. */
  readonly mark: number;
  readonly inDevice?: string;
  readonly outDevice?: string;
  /** True for the first packet of a connection (conntrack state NEW): nat tables run only then. */
  readonly newConnection: boolean;
  /** Whether an address is local to the node, for `-m addrtype --dst-type LOCAL`. */
  isLocalAddress(address: string): boolean;
  /** Primary address of `outDevice`, the source MASQUERADE picks; the node's address when absent. */
  readonly outDeviceAddress?: string;
  /** Which endpoint a load-balancing choice follows (0-based, wraps); the first when absent. */
  readonly endpointIndex?: number;
  /** Seed for a reproducible random endpoint choice, used when `endpointIndex` is absent. */
  readonly endpointSeed?: number;
  /** The connection was DNATed at an earlier hook (conntrack's virtual `DNAT` state). */
  readonly conntrackDnat?: boolean;
  /**
   * The packet carries no conntrack entry (as br_netfilter leaves the copy a promiscuous bridge
   * passes up to its stack): `--ctstate INVALID` matches it and no other state does, and the nat
   * table never sees it, whatever `newConnection` says.
   */
  readonly noConntrackEntry?: boolean;
}

export type NetfilterVerdict = 'ACCEPT' | 'DROP' | 'REJECT';

export interface NetfilterResult {
  readonly verdict: NetfilterVerdict;
  /** The flow after any DNAT/SNAT/MASQUERADE at this hook. */
  readonly flow: FlowKey;
  readonly mark: number;
  /** Each rule traversed (`netfilter` steps), NAT diffs (`nat` steps), IPVS choices (`ipvs` steps). */
  readonly steps: readonly Step[];
  /** For REJECT: the ICMP the kernel sends back, e.g. `icmp-port-unreachable`. */
  readonly rejectWith?: string;
  /** For a DROP by a CNI rule that enforces NetworkPolicy: which policy, which rule. */
  readonly origin?: PolicyOrigin;
}

/** Netfilter for every node of a topology; absent rules are an ACCEPT with no steps. */
export interface NetfilterHook {
  run(input: NetfilterInput): NetfilterResult;
}

/** One side of a connection as NetworkPolicy sees it. */
export interface PolicyPeer {
  readonly ip: string;
  /** The pod behind the address, when it is a pod (not a node, not an external host). */
  readonly pod?: { readonly namespace: string; readonly name: string };
}

export interface PolicyQuery {
  readonly src: PolicyPeer;
  /** After DNAT: policy sees the endpoint pod, not the ClusterIP. */
  readonly dst: PolicyPeer;
  readonly protocol: Protocol;
  readonly port: number;
  /** A packet of the reply leg: conntrack accepts it as ESTABLISHED before any policy rule. */
  readonly reply?: boolean;
}

/**
 * NetworkPolicy for a topology. `enforced` in the returned step says whether the CNI applies it;
 * the walk stops with DENIED only for an enforced deny.
 */
export interface PolicyHook {
  evaluate(direction: 'ingress' | 'egress', query: PolicyQuery): PolicyStep;
}
