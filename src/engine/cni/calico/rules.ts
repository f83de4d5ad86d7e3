/**
 * Calico's own iptables rules besides Felix's policy chains: Felix's nat table with the tunnel
 * MASQUERADE and natOutgoing. The netfilter hook joins them to kube-proxy's rules, so a walk quotes
 * these lines exactly as a node would show them.
 */

import type { Topology } from '../../model/types';
import type { CniNat, CniRule } from '../descriptor';
import { calicoSettings, CALICO_IPIP_DEVICE, CALICO_VXLAN_DEVICE } from './builder';

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
