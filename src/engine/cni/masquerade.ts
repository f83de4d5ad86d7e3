/**
 * The iptables rules a CNI keeps on each node besides kube-proxy's, as iptables-save prints them:
 * the egress MASQUERADE of pod traffic leaving the cluster network (flanneld --ip-masq, Calico
 * natOutgoing, kubenet, the AWS VPC CNI's SNAT) and what comes with it. The netfilter hook joins
 * them to kube-proxy's rules, so a walk quotes these lines exactly as a node would show them.
 */

import type { NodeInfo, Topology } from '../model/types';
import { awsSnatRules } from './awsvpc/builder';
import { calicoSettings, CALICO_IPIP_DEVICE, CALICO_VXLAN_DEVICE } from './calico/builder';
import { kubenetMasqueradeRule } from './kubenet/builder';
import { felixPolicyRules } from './calico/felix';

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
}

/** An ipset a CNI's rules match against, with its members as CIDRs (`hash:net`). */
export interface CniIpset {
  readonly name: string;
  readonly members: readonly string[];
}

export interface CniNat {
  readonly rules: readonly CniRule[];
  readonly ipsets: readonly CniIpset[];
}

/** flanneld's fwmark check: kube-proxy's masquerade bit as flannel hard-codes it (trafficmngr.KubeProxyMark). */
const FLANNEL_KUBE_PROXY_MARK = '0x4000/0x4000';

/**
 * flanneld's rules (pkg/trafficmngr/iptables: masqRules with --random-fully, which every
 * iptables since 1.6.2 supports, and forwardRules, on by default with --iptables-forward-rules).
 */
export function flannelRules(clusterCIDR: string, podCIDR: string, ipMasq: boolean): CniRule[] {
  const masq = '-m comment --comment "flanneld masq"';
  const fwd = '-m comment --comment "flanneld forward"';
  const nat = (rule: string): CniRule => ({ table: 'nat', rule, position: 'last' });
  const filter = (rule: string): CniRule => ({ table: 'filter', rule, position: 'last' });
  const masqRules = ipMasq
    ? [
        nat(`-A POSTROUTING ${masq} -j FLANNEL-POSTRTG`),
        nat(`-A FLANNEL-POSTRTG -m mark --mark ${FLANNEL_KUBE_PROXY_MARK} ${masq} -j RETURN`),
        nat(`-A FLANNEL-POSTRTG -s ${podCIDR} -d ${clusterCIDR} ${masq} -j RETURN`),
        nat(`-A FLANNEL-POSTRTG -s ${clusterCIDR} -d ${podCIDR} ${masq} -j RETURN`),
        nat(`-A FLANNEL-POSTRTG ! -s ${clusterCIDR} -d ${podCIDR} ${masq} -j RETURN`),
        nat(`-A FLANNEL-POSTRTG -s ${clusterCIDR} ! -d 224.0.0.0/4 ${masq} -j MASQUERADE --random-fully`),
        nat(`-A FLANNEL-POSTRTG ! -s ${clusterCIDR} -d ${clusterCIDR} ${masq} -j MASQUERADE --random-fully`),
      ]
    : [];
  return [
    ...masqRules,
    filter(`-A FORWARD ${fwd} -j FLANNEL-FWD`),
    filter(`-A FLANNEL-FWD -s ${clusterCIDR} ${fwd} -j ACCEPT`),
    filter(`-A FLANNEL-FWD -d ${clusterCIDR} ${fwd} -j ACCEPT`),
  ];
}

/** Felix's ipset names for IPv4 (`cali40` + the set id). */
export const CALICO_MASQ_POOLS = 'cali40masq-ipam-pools';
export const CALICO_ALL_POOLS = 'cali40all-ipam-pools';

/**
 * Felix's rule-hash comments (`cali:` + the first 16 characters of the URL-safe base64 of a
 * SHA-224 chained over the chain name and each rule as Felix renders it, generictables.RuleHashes).
 * The rules are fixed text, so their hashes are too; the unit test recomputes each.
 */
export const CALICO_NAT_HASHES = {
  preroutingJump: '6gwbT8clXdHdC1b1',
  outputJump: 'tVnHkvAo15HuiPy0',
  /** Hashed under `POSTROUTING*appends*`, Felix's name for appended rules. */
  postroutingJump: '0i8pjzKKPyA34aQD',
  preroutingFipDnat: 'r6XmIziWUJsdOK6Z',
  outputFipDnat: 'GBTAv2p5CwevEyJm',
  postroutingFipSnat: 'Z-c7XtVd2Bq7s_hA',
  postroutingNatOutgoing: 'nYKhEzDlr11Jccal',
  tunnelMasq: { [CALICO_IPIP_DEVICE]: 'SXWvdsbh4Mw7wOln', [CALICO_VXLAN_DEVICE]: 'e9dnSgSVNmIcpVhP' } as Readonly<Record<string, string>>,
  natOutgoing: 'flqWnvo8yq4ULQLa',
} as const;

/**
 * Felix's nat table in iptables mode (rules/static.go StaticNATTableChains, rules/nat.go
 * NATOutgoingChain) as Calico 3.2x writes it: the base-chain jumps, the empty floating-IP chains,
 * the tunnel-source MASQUERADE for the encapsulating device, and with natOutgoing the MASQUERADE of
 * pool traffic to anything outside every pool.
 */
export function calicoRules(topology: Topology): CniNat {
  const c = calicoSettings(topology);
  const h = CALICO_NAT_HASHES;
  const tag = (hash: string): string => `-m comment --comment "cali:${hash}"`;
  const tunnel = c.vxlanMode !== 'Never' ? CALICO_VXLAN_DEVICE : c.ipipMode !== 'Never' ? CALICO_IPIP_DEVICE : undefined;
  const rules: CniRule[] = [
    { table: 'nat', position: 'first', rule: `-A PREROUTING ${tag(h.preroutingJump)} -j cali-PREROUTING` },
    { table: 'nat', position: 'first', rule: `-A OUTPUT ${tag(h.outputJump)} -j cali-OUTPUT` },
    { table: 'nat', position: 'last', rule: `-A POSTROUTING ${tag(h.postroutingJump)} -j cali-POSTROUTING` },
    { table: 'nat', position: 'last', rule: `-A cali-OUTPUT ${tag(h.outputFipDnat)} -j cali-fip-dnat` },
    { table: 'nat', position: 'last', rule: `-A cali-POSTROUTING ${tag(h.postroutingFipSnat)} -j cali-fip-snat` },
    { table: 'nat', position: 'last', rule: `-A cali-POSTROUTING ${tag(h.postroutingNatOutgoing)} -j cali-nat-outgoing` },
  ];
  if (tunnel) {
    rules.push({
      table: 'nat',
      position: 'last',
      rule: `-A cali-POSTROUTING -o ${tunnel} ${tag(h.tunnelMasq[tunnel]!)} -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully`,
    });
  }
  rules.push({ table: 'nat', position: 'last', rule: `-A cali-PREROUTING ${tag(h.preroutingFipDnat)} -j cali-fip-dnat` });
  if (c.natOutgoing) {
    rules.push({
      table: 'nat',
      position: 'last',
      rule: `-A cali-nat-outgoing ${tag(h.natOutgoing)} -m set --match-set ${CALICO_MASQ_POOLS} src -m set ! --match-set ${CALICO_ALL_POOLS} dst -j MASQUERADE --random-fully`,
    });
  }
  // The pool is the cluster CIDR; it is in the masq set only when natOutgoing is on.
  const pool = topology.cluster.clusterCIDR;
  return { rules, ipsets: [{ name: CALICO_ALL_POOLS, members: [pool] }, { name: CALICO_MASQ_POOLS, members: c.natOutgoing ? [pool] : [] }] };
}

/** The CNI's own rules on `node`, for the plugin the topology uses (with Felix's NetworkPolicy rules where Felix runs). */
export function cniNat(topology: Topology, node: NodeInfo): CniNat {
  const cni = topology.cluster.cni;
  switch (cni.plugin) {
    case 'flannel':
      return { rules: flannelRules(topology.cluster.clusterCIDR, node.podCIDR, cni.ipMasq), ipsets: [] };
    case 'canal': {
      const policy = felixPolicyRules(topology, node);
      return { rules: [...flannelRules(topology.cluster.clusterCIDR, node.podCIDR, cni.flannel.ipMasq), ...policy.rules], ipsets: policy.ipsets };
    }
    case 'calico': {
      const nat = calicoRules(topology);
      const policy = felixPolicyRules(topology, node);
      return { rules: [...nat.rules, ...policy.rules], ipsets: [...nat.ipsets, ...policy.ipsets] };
    }
    case 'kubenet':
      return { rules: [{ table: 'nat', rule: kubenetMasqueradeRule(), position: 'last' }], ipsets: [] };
    case 'aws-vpc':
      return { rules: awsSnatRules(topology, node).map((rule) => ({ table: 'nat', rule, position: 'last' })), ipsets: [] };
    case 'weave':
      return { rules: [], ipsets: [] };
  }
}
