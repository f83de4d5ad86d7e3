/**
 * kube-proxy's nftables mode for one node: the `ip kube-proxy` table it writes in a full sync
 * (pkg/proxy/nftables/proxier.go, setupNFTables and syncProxyRules, as of the v1.34 tests, where
 * the firewall checks moved to filter-prerouting-pre-dnat / filter-output-pre-dnat at -110).
 */

import type { NodeInfo, Topology } from '../../model/types';
import { cidrHas } from '../cidrs';
import { defaultEnvironment, localCidr, masqueradeMark, nodeAddresses, type ProxyEnvironment } from '../iptables';
import { categorizeEndpoints, externallyAccessible, servicePorts, usesClusterEndpoints, usesLocalEndpoints, type ProxyEndpoint, type ProxyServicePort } from '../servicePorts';
import { nftEndpointNames, nftServiceChains } from './names';
import { NftTable } from './transaction';

const MARK_MASQ = 'mark-for-masquerade';
const REJECT_CHAIN = 'reject-chain';

/** The addresses NodePorts answer on: `--nodeport-addresses`, or the node's primary IP when unset. */
function nodePortIPs(topology: Topology, node: NodeInfo): string[] {
  const npa = topology.cluster.kubeProxy.nodePortAddresses;
  if (npa.length === 0) return [node.address];
  const out = new Set<string>();
  for (const c of npa) {
    if (c === 'primary') out.add(node.address);
    else for (const a of nodeAddresses(node)) if (!a.includes(':') && !c.includes(':') && cidrHas(c, a)) out.add(a);
  }
  return [...out];
}

/** setupNFTables: the table, its base chains, helper chains, sets and maps. */
function writeBase(t: NftTable, mark: string, serviceCIDR: string, nodePorts: readonly string[]): void {
  t.set('set', 'cluster-ips', 'type ipv4_addr ; comment "Active ClusterIPs" ;');
  t.set('set', 'nodeport-ips', 'type ipv4_addr ; comment "IPs that accept NodePort traffic" ;');
  const dest = 'ipv4_addr . inet_proto . inet_service : verdict';
  t.set('map', 'firewall-ips', `type ${dest} ; comment "destinations that are subject to LoadBalancerSourceRanges" ;`);
  t.set('map', 'no-endpoint-nodeports', 'type inet_proto . inet_service : verdict ; comment "vmap to drop or reject packets to service nodeports with no endpoints" ;');
  t.set('map', 'no-endpoint-services', `type ${dest} ; comment "vmap to drop or reject packets to services with no endpoints" ;`);
  t.set('map', 'service-ips', `type ${dest} ; comment "ClusterIP, ExternalIP and LoadBalancer IP traffic" ;`);
  t.set('map', 'service-nodeports', 'type inet_proto . inet_service : verdict ; comment "NodePort traffic" ;');

  const base = [
    ['filter-prerouting-pre-dnat', 'filter', 'prerouting', -110],
    ['filter-output-pre-dnat', 'filter', 'output', -110],
    ['filter-forward', 'filter', 'forward', 0],
    ['filter-input', 'filter', 'input', 0],
    ['filter-output', 'filter', 'output', 0],
    ['nat-output', 'nat', 'output', -100],
    ['nat-postrouting', 'nat', 'postrouting', 100],
    ['nat-prerouting', 'nat', 'prerouting', -100],
  ] as const;
  for (const [name, type, hook, priority] of base) t.chain(name, { base: { type, hook, priority } });
  for (const name of ['cluster-ips-check', 'firewall-check', MARK_MASQ, 'masquerading', 'nodeport-endpoints-check', 'services', 'service-endpoints-check']) t.chain(name);
  t.chain(REJECT_CHAIN, { comment: 'helper for @no-endpoint-services / @no-endpoint-nodeports' });

  t.rule('cluster-ips-check', 'ip daddr @cluster-ips reject comment "Reject traffic to invalid ports of ClusterIPs"');
  t.rule('cluster-ips-check', `ip daddr { ${serviceCIDR} } drop comment "Drop traffic to unallocated ClusterIPs"`);
  t.rule('filter-prerouting-pre-dnat', 'ct state new jump firewall-check');
  t.rule('filter-forward', 'ct state new jump service-endpoints-check');
  t.rule('filter-forward', 'ct state new jump cluster-ips-check');
  t.rule('filter-input', 'ct state new jump nodeport-endpoints-check');
  t.rule('filter-input', 'ct state new jump service-endpoints-check');
  t.rule('filter-output', 'ct state new jump service-endpoints-check');
  t.rule('filter-output-pre-dnat', 'ct state new jump firewall-check');
  t.rule('filter-output', 'ct state new jump cluster-ips-check');
  t.rule('firewall-check', 'ip daddr . meta l4proto . th dport vmap @firewall-ips');
  t.rule(MARK_MASQ, `mark set mark or ${mark}`);
  t.rule('masquerading', `mark and ${mark} == 0 return`);
  t.rule('masquerading', `mark set mark xor ${mark}`);
  t.rule('masquerading', 'masquerade fully-random');
  t.rule('nat-output', 'jump services');
  t.rule('nat-postrouting', 'jump masquerading');
  t.rule('nat-prerouting', 'jump services');
  t.rule('nodeport-endpoints-check', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @no-endpoint-nodeports');
  t.rule(REJECT_CHAIN, 'reject');
  t.rule('services', 'ip daddr . meta l4proto . th dport vmap @service-ips');
  t.rule('services', 'ip daddr @nodeport-ips meta l4proto . th dport vmap @service-nodeports');
  t.rule('service-endpoints-check', 'ip daddr . meta l4proto . th dport vmap @no-endpoint-services');
  for (const ip of nodePorts) t.element('nodeport-ips', ip);
}

interface PortContext {
  readonly t: NftTable;
  readonly mark: string;
  readonly local: string | undefined;
  readonly nodeIP: string;
  readonly masqueradeAll: boolean;
}

function endpointNames(sp: ProxyServicePort, ep: ProxyEndpoint) {
  return nftEndpointNames(sp.service.namespace, sp.service.name, sp.protocol, sp.port.name ?? '', ep.ip, ep.port);
}

/** writeServiceToEndpointRules: affinity lookups, then one numgen verdict map over the endpoints. */
function writeServiceToEndpoints(t: NftTable, sp: ProxyServicePort, chain: string, endpoints: readonly ProxyEndpoint[]): void {
  if (sp.clientIPAffinity) for (const ep of endpoints) { const n = endpointNames(sp, ep); t.rule(chain, `ip saddr @${n.affinitySet} goto ${n.chain}`); }
  const entries = endpoints.map((ep, i) => `${i} : goto ${endpointNames(sp, ep).chain}`);
  t.rule(chain, `numgen random mod ${endpoints.length} vmap { ${entries.join(' , ')} }`);
}

/** One pass of syncProxyRules' loop over the service ports. */
function writeServicePort(ctx: PortContext, sp: ProxyServicePort): void {
  const { t } = ctx;
  const key = (ip: string) => `${ip} . ${sp.protocol} . ${sp.port.port}`;
  const comment = ` comment ${JSON.stringify(sp.name)}`;
  const { cluster: clusterEndpoints, local: localEndpoints, allReachable, hasAny: hasEndpoints } = categorizeEndpoints(sp);
  const chains = nftServiceChains(sp.service.namespace, sp.service.name, sp.protocol, sp.port.name ?? '');

  for (const ep of allReachable) t.chain(endpointNames(sp, ep).chain);
  const usesClusterPolicy = clusterEndpoints.length > 0 && usesClusterEndpoints(sp);
  if (usesClusterPolicy) t.chain(chains.cluster);
  const usesLocalPolicy = localEndpoints.length > 0 && usesLocalEndpoints(sp);
  if (usesLocalPolicy) t.chain(chains.local);

  const internalChain = sp.internalPolicyLocal ? chains.local : chains.cluster;
  const hasInternal = hasEndpoints && !(sp.internalPolicyLocal && localEndpoints.length === 0);
  const externalPolicyChain = sp.externalPolicyLocal ? chains.local : chains.cluster;
  const hasExternal = hasEndpoints && !(sp.externalPolicyLocal && localEndpoints.length === 0);
  // Built even without externally usable endpoints: the short-circuit rules for local traffic still apply.
  const usesExternalChain = hasEndpoints && externallyAccessible(sp);
  if (usesExternalChain) t.chain(chains.external);

  const internalVerdict = hasEndpoints ? 'drop' : `goto ${REJECT_CHAIN}`;
  const externalVerdict = internalVerdict;

  t.element('cluster-ips', sp.clusterIP);
  if (hasInternal) t.element('service-ips', `${key(sp.clusterIP)} : goto ${internalChain}`);
  else t.element('no-endpoint-services', `${key(sp.clusterIP)}${comment} : ${internalVerdict}`);

  for (const ip of sp.externalIPs) {
    if (hasEndpoints) t.element('service-ips', `${key(ip)} : goto ${chains.external}`);
    if (!hasExternal) t.element('no-endpoint-services', `${key(ip)}${comment} : ${externalVerdict}`);
  }

  const usesFirewall = sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  if (usesFirewall) t.chain(chains.firewall);
  for (const ip of sp.loadBalancerVIPs) {
    if (hasEndpoints) t.element('service-ips', `${key(ip)} : goto ${chains.external}`);
    if (usesFirewall) t.element('firewall-ips', `${key(ip)} : goto ${chains.firewall}`);
  }
  if (!hasExternal) for (const ip of sp.loadBalancerVIPs) t.element('no-endpoint-services', `${key(ip)}${comment} : ${externalVerdict}`);

  if (sp.nodePort !== 0) {
    const npKey = `${sp.protocol} . ${sp.nodePort}`;
    if (hasEndpoints) t.element('service-nodeports', `${npKey} : goto ${chains.external}`);
    if (!hasExternal) t.element('no-endpoint-nodeports', `${npKey}${comment} : ${externalVerdict}`);
  }

  if (hasInternal) {
    if (ctx.masqueradeAll) t.rule(internalChain, `ip daddr ${sp.clusterIP} ${sp.protocol} dport ${sp.port.port} jump ${MARK_MASQ}`);
    else if (ctx.local) t.rule(internalChain, `ip daddr ${sp.clusterIP} ip saddr != ${ctx.local} jump ${MARK_MASQ}`);
  }

  if (usesExternalChain) {
    if (!sp.externalPolicyLocal) t.rule(chains.external, `jump ${MARK_MASQ}`);
    else {
      if (ctx.local) t.rule(chains.external, `ip saddr ${ctx.local} goto ${chains.cluster} comment "short-circuit pod traffic"`);
      t.rule(chains.external, `fib saddr type local jump ${MARK_MASQ} comment "masquerade local traffic"`);
      t.rule(chains.external, `fib saddr type local goto ${chains.cluster} comment "short-circuit local traffic"`);
    }
    if (hasExternal) t.rule(chains.external, `goto ${externalPolicyChain}`);
  }

  if (usesFirewall) {
    const sources = [...sp.loadBalancerSourceRanges];
    // A VIP configured on the node loops a node's own request back with the VIP as its source.
    if (sp.loadBalancerSourceRanges.some((c) => cidrHas(c, ctx.nodeIP))) sources.push(...sp.loadBalancerVIPs);
    t.rule(chains.firewall, `ip saddr != { ${sources.join(', ')} } drop`);
  }

  if (sp.clientIPAffinity) {
    for (const ep of allReachable) t.set('set', endpointNames(sp, ep).affinitySet, `type ipv4_addr ; flags dynamic,timeout ; timeout ${sp.stickySeconds}s ;`);
  }
  if (usesClusterPolicy) writeServiceToEndpoints(t, sp, chains.cluster, clusterEndpoints);
  if (usesLocalPolicy) writeServiceToEndpoints(t, sp, chains.local, localEndpoints);

  for (const ep of allReachable) {
    const n = endpointNames(sp, ep);
    t.rule(n.chain, `ip saddr ${ep.ip} jump ${MARK_MASQ}`);
    if (sp.clientIPAffinity) t.rule(n.chain, `update @${n.affinitySet} { ip saddr }`);
    t.rule(n.chain, `meta l4proto ${sp.protocol} dnat to ${ep.key}`);
  }
}

/** The `ip kube-proxy` table kube-proxy's full sync writes on `node`. */
export function buildNftables(topology: Topology, node: NodeInfo, env: ProxyEnvironment = defaultEnvironment): NftTable {
  const cfg = topology.cluster.kubeProxy;
  const mark = env.masqueradeMarkText ?? masqueradeMark(cfg.masqueradeBit);
  const t = new NftTable('ip', 'kube-proxy', 'rules for kube-proxy');
  writeBase(t, mark, topology.cluster.serviceCIDR, nodePortIPs(topology, node));
  const ctx: PortContext = { t, mark, local: localCidr(topology, node), nodeIP: node.address, masqueradeAll: cfg.masqueradeAll };
  // kube-proxy walks a Go map, in no fixed order; ports are taken in name order so output is stable.
  const ports = [...servicePorts(topology, node.name)].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  for (const sp of ports) writeServicePort(ctx, sp);
  return t;
}
