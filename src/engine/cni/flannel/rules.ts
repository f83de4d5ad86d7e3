/**
 * flanneld's own iptables rules: the egress MASQUERADE of pod traffic leaving the cluster network
 * (--ip-masq) and the FORWARD accepts for the cluster network.
 */

import type { CniRule } from '../descriptor';

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
