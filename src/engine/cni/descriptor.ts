/**
 * What the engine knows about one CNI plugin, in one object: each plugin's folder exports one
 * `CniDescriptor` and `index.ts` lists them, so a fact about a plugin (its builder, its iptables
 * rules, whether it enforces NetworkPolicy, what its devices are called) is read from one place.
 */

import type { CniBuilder } from '../dataplane/types';
import type { CniConfig, NodeInfo, Topology } from '../model/types';

/** Where a CNI rule comes from, when it enforces a NetworkPolicy: the walk reads this, never the rule's text. */
export interface PolicyOrigin {
  readonly kind: 'policy';
  readonly direction: 'ingress' | 'egress';
  /** The policies (`namespace/name`) whose rules the packet was checked against; empty for the namespace profile. */
  readonly policies: readonly string[];
  /** The index of the policy's rule, for a rule rendered from one. */
  readonly ruleIndex?: number;
}

export interface CniRule {
  readonly table: 'nat' | 'filter';
  /** `-A CHAIN …` as iptables-save prints it. */
  readonly rule: string;
  /**
   * Where a rule in a kernel base chain sits relative to kube-proxy's jumps: `first` for daemons
   * that insert (Felix's default ChainInsertMode), `last` for those that append (flanneld,
   * kubenet, aws-node, and Felix's nat POSTROUTING jump, appended so kube-proxy's MASQUERADE runs first).
   */
  readonly position: 'first' | 'last';
  /** Set on rules that enforce NetworkPolicy. */
  readonly origin?: PolicyOrigin;
}

/** An ipset a CNI's rules match against, with its members as CIDRs (`hash:net`). */
export interface CniIpset {
  readonly name: string;
  readonly members: readonly string[];
}

/** A CNI's own iptables rules and ipsets on one node, as the netfilter hook joins them to kube-proxy's. */
export interface CniNat {
  readonly rules: readonly CniRule[];
  readonly ipsets: readonly CniIpset[];
}

/** The host devices the plugin creates on a node, as it names them: views draw them, hops are placed on them. */
export interface CniDevices {
  /** The bridge pods' veths are enslaved to, when the CNI uses one. */
  readonly bridge?: string;
  /** The tunnel device that encapsulates cross-node traffic, when the CNI uses one. */
  readonly tunnel?: string;
}

export interface CniPolicySupport {
  /** Whether the plugin as the topology describes it enforces NetworkPolicy (elsewhere verdicts are only reported). */
  readonly networkPolicy: boolean;
  /** Whether it enforces AdminNetworkPolicy; the engine reads none yet. */
  readonly adminNetworkPolicy: boolean;
  /** For a plugin that does not enforce: the loader's warning on each NetworkPolicy (what a real cluster does, what to do). */
  readonly warning?: string;
}

export interface CniDescriptor {
  /**
   * How the plugin derives a node's and a pod's state, names a pod's host-side veth, and what it
   * would refuse or warn about (`notes`, reported by `dataplane/diagnose.ts`).
   */
  readonly builder: CniBuilder;
  /** The plugin's iptables rules and ipsets on `node` (masquerade, forwarding, and Felix's policy chains where Felix runs). */
  rules(topology: Topology, node: NodeInfo): CniNat;
  readonly policy: CniPolicySupport;
  /** The bridge and tunnel devices for these settings. */
  devices(cni: CniConfig): CniDevices;
  /**
   * Where the plugin's IPAM puts pods: `node` inside their node's podCIDR (host-local IPAM, whose
   * `.0`, `.1` and broadcast are not pods'), `cluster` anywhere in the cluster CIDR, `underlay` in
   * the node's own network.
   */
  readonly podAddresses: 'node' | 'cluster' | 'underlay';
}

/** The loader's warning for a NetworkPolicy under a plugin with no policy agent at all. */
export function noPolicyAgent(plugin: string): string {
  return `${plugin} does not enforce NetworkPolicy, so a real cluster would let this traffic through; the simulator shows that too. Use canal or calico to enforce it`;
}
