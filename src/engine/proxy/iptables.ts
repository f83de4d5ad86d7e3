/**
 * kube-proxy v1.31's iptables mode (pkg/proxy/iptables/proxier.go, syncProxyRules): the filter and
 * nat rules it hands to iptables-restore for one node, rule for rule, in the words it uses.
 */

import type { NodeInfo, Topology } from '../model/types';
import { cidrHas as cidrContains } from './cidrs';
import { probability } from './probability';
import { categorizeEndpoints, externallyAccessible, servicePorts, usesClusterEndpoints, usesLocalEndpoints, type ProxyEndpoint, type ProxyServicePort } from './servicePorts';

/** What kube-proxy finds on the node at start-up; it changes the rules it writes. */
export interface ProxyEnvironment {
  /** iptables supports `--random-fully` (every iptables since 1.6.2); its test fake does not. */
  readonly randomFully: boolean;
  /** The nfacct counters could be created (nfnetlink_acct present). */
  readonly nfacct: boolean;
  /** net.netfilter.nf_conntrack_tcp_be_liberal is set: no INVALID drop rule. */
  readonly conntrackTCPLiberal: boolean;
  /**
   * The mark as written. kube-proxy formats `1 << masqueradeBit` with Go's %#08x (`0x00004000`);
   * its unit tests' fake proxier hard-codes `0x4000` instead.
   */
  readonly masqueradeMarkText?: string;
}

export const defaultEnvironment: ProxyEnvironment = { randomFully: true, nfacct: true, conntrackTCPLiberal: false };

/** The environment of upstream's proxier_test.go (NewFakeProxier), for reproducing its cases. */
export const upstreamTestEnvironment: ProxyEnvironment = { randomFully: false, nfacct: true, conntrackTCPLiberal: false, masqueradeMarkText: '0x4000' };

/**
 * A table as kube-proxy writes it: chain declarations, then rules, in write order. A chain's rules
 * are kept as blocks of newline-joined lines: a service port's own chains are sealed into one block
 * each once written, so a 10,000-service payload is held as tens of thousands of flat strings
 * rather than hundreds of thousands of concatenations the garbage collector must copy.
 */
export class TableBuilder {
  readonly chains: string[] = [];
  readonly rules = new Map<string, string[]>();
  constructor(readonly name: 'filter' | 'nat') {}
  chain(name: string): void {
    if (this.rules.has(name)) return;
    this.chains.push(name);
    this.rules.set(name, []);
  }
  /**
   * kube-proxy writes chain lines and rules into separate buffers, so a rule may come before its
   * chain's line (the masquerade rule of a policy chain does); the chain is declared either way.
   * `spec` is the rule after `-A CHAIN `, written as one string: at 10,000 services the payload has
   * hundreds of thousands of rules, and argument arrays would be most of the work.
   */
  rule(chain: string, spec: string): void {
    let list = this.rules.get(chain);
    if (!list) {
      this.chains.push(chain);
      this.rules.set(chain, (list = []));
    }
    list.push(`-A ${chain} ${spec}`);
  }
  /** Joins a chain's rules into one block; for chains no later rule is added to. */
  seal(chain: string): void {
    const list = this.rules.get(chain);
    if (list && list.length > 1) this.rules.set(chain, [list.join('\n')]);
  }
}

const KUBE_SERVICES = 'KUBE-SERVICES';
const KUBE_EXTERNAL_SERVICES = 'KUBE-EXTERNAL-SERVICES';
const KUBE_NODEPORTS = 'KUBE-NODEPORTS';
const KUBE_POSTROUTING = 'KUBE-POSTROUTING';
const KUBE_MARK_MASQ = 'KUBE-MARK-MASQ';
const KUBE_FORWARD = 'KUBE-FORWARD';
const KUBE_PROXY_FIREWALL = 'KUBE-PROXY-FIREWALL';
const KUBE_FIREWALL = 'KUBE-FIREWALL';
const LARGE_CLUSTER_THRESHOLD = 1000;
const LOCALHOST_NPS_COUNTER = 'localhost_nps_accepted_pkts';
const CT_INVALID_COUNTER = 'ct_state_invalid_dropped_pkts';

/** `0x00004000` for bit 14: Go's %#08x pads the digits, not the whole text, to eight. */
export function masqueradeMark(bit: number): string {
  return `0x${(2 ** bit).toString(16).padStart(8, '0')}`;
}

/** The node's local-traffic detector: `-s CIDR` for pod traffic, or none. */
export function localCidr(topology: Topology, node: NodeInfo): string | undefined {
  const mode = topology.cluster.kubeProxy.detectLocalMode;
  switch (mode) {
    case 'ClusterCIDR': return topology.cluster.clusterCIDR;
    case 'NodeCIDR': return node.podCIDR;
    case 'None': return undefined;
  }
}

/** The addresses kube-proxy's interface scan finds on the node, loopback first. */
export function nodeAddresses(node: NodeInfo): string[] {
  const out = ['127.0.0.1', node.address];
  for (const i of node.extraInterfaces) if (i.address) out.push(i.address.split('/')[0]!);
  for (const e of node.enis) out.push(e.primary, ...e.secondary);
  return [...new Set(out)];
}

export interface IptablesPayload {
  readonly filter: TableBuilder;
  readonly nat: TableBuilder;
}

/** `-m comment --comment "text"`: kube-proxy quotes comments that hold spaces. */
const comment = (text: string): string => `-m comment --comment "${text}"`;

const NODEPORTS_LAST = `${comment('kubernetes service nodeports; NOTE: this must be the last rule in this chain')}`;

/**
 * What every service port's rules read of the node and the cluster, fixed before the first is
 * written. `largeClusterMode` counts every endpoint, so a service port written alone (see
 * ./layout) needs the settings of the whole sync.
 */
export interface WriteSettings {
  readonly mark: string;
  readonly local: string | undefined;
  readonly nodeIP: string;
  readonly localhostNodePorts: boolean;
  readonly nfacct: boolean;
  readonly masqueradeAll: boolean;
  /** Per-endpoint rules go without their comments. */
  readonly largeClusterMode: boolean;
}

export function writeSettings(topology: Topology, node: NodeInfo, ports: readonly ProxyServicePort[], env: ProxyEnvironment = defaultEnvironment): WriteSettings {
  const cfg = topology.cluster.kubeProxy;
  const npaCidrs = cfg.nodePortAddresses;
  let totalEndpoints = 0;
  for (const sp of ports) totalEndpoints += sp.endpoints.length;
  return {
    mark: env.masqueradeMarkText ?? masqueradeMark(cfg.masqueradeBit),
    local: localCidr(topology, node),
    nodeIP: node.address,
    localhostNodePorts: cfg.localhostNodePorts && (npaCidrs.length === 0 || npaCidrs.some((c) => cidrContains(c, '127.0.0.1'))),
    nfacct: env.nfacct,
    masqueradeAll: cfg.masqueradeAll,
    // Above the threshold kube-proxy drops the comments of the per-endpoint rules to save space.
    largeClusterMode: totalEndpoints > LARGE_CLUSTER_THRESHOLD,
  };
}

/** syncProxyRules for `node`, tables filled in kube-proxy's own write order. */
export function buildIptables(topology: Topology, node: NodeInfo, env: ProxyEnvironment = defaultEnvironment): IptablesPayload {
  const ports = servicePorts(topology, node.name);
  const settings = writeSettings(topology, node, ports, env);
  const tables = { filter: new TableBuilder('filter'), nat: new TableBuilder('nat') };
  writeHead(tables, settings, env);
  for (const sp of ports) writeServicePort(sp, settings, tables);
  writeTail(tables, settings, topology, node, env);
  return tables;
}

/** The rules written ahead of the service ports': the fixed chains, masquerading, the localhost firewall. */
export function writeHead({ filter, nat }: IptablesPayload, settings: WriteSettings, env: ProxyEnvironment): void {
  const { mark } = settings;
  for (const c of [KUBE_SERVICES, KUBE_EXTERNAL_SERVICES, KUBE_FORWARD, KUBE_NODEPORTS, KUBE_PROXY_FIREWALL]) filter.chain(c);
  for (const c of [KUBE_SERVICES, KUBE_NODEPORTS, KUBE_POSTROUTING, KUBE_MARK_MASQ]) nat.chain(c);

  nat.rule(KUBE_POSTROUTING, `-m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.rule(KUBE_POSTROUTING, `-j MARK --xor-mark ${mark}`);
  nat.rule(KUBE_POSTROUTING, `${comment('kubernetes service traffic requiring SNAT')} -j MASQUERADE${env.randomFully ? ' --random-fully' : ''}`);
  nat.rule(KUBE_MARK_MASQ, `-j MARK --or-mark ${mark}`);

  if (settings.localhostNodePorts) {
    filter.chain(KUBE_FIREWALL);
    filter.rule(KUBE_FIREWALL, `${comment('block incoming localnet connections')} -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP`);
  }
}

/** The rules written after the service ports': the jump to KUBE-NODEPORTS and the forwarding rules. */
export function writeTail({ filter, nat }: IptablesPayload, settings: WriteSettings, topology: Topology, node: NodeInfo, env: ProxyEnvironment): void {
  const { mark, localhostNodePorts } = settings;
  const npaCidrs = topology.cluster.kubeProxy.nodePortAddresses;
  if (npaCidrs.length === 0) {
    nat.rule(KUBE_SERVICES, `${NODEPORTS_LAST} -m addrtype --dst-type LOCAL${localhostNodePorts ? '' : ' ! -d 127.0.0.0/8'} -j ${KUBE_NODEPORTS}`);
  } else {
    for (const ip of nodeAddresses(node)) {
      if (!npaCidrs.some((c) => cidrContains(c, ip))) continue;
      if (ip.startsWith('127.') && !localhostNodePorts) continue;
      nat.rule(KUBE_SERVICES, `${NODEPORTS_LAST} -d ${ip} -j ${KUBE_NODEPORTS}`);
    }
  }

  if (!env.conntrackTCPLiberal) {
    filter.rule(KUBE_FORWARD, `-m conntrack --ctstate INVALID${env.nfacct ? ` -m nfacct --nfacct-name ${CT_INVALID_COUNTER}` : ''} -j DROP`);
  }
  filter.rule(KUBE_FORWARD, `${comment('kubernetes forwarding rules')} -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.rule(KUBE_FORWARD, `${comment('kubernetes forwarding conntrack rule')} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`);
}

/** The service port's chains writeServicePort uses, named by their kind. */
type PolicyChain = 'svc' | 'svl';

/** What syncProxyRules decides for one service port before it writes a rule. */
interface PortPlan {
  readonly cluster: readonly ProxyEndpoint[];
  readonly local: readonly ProxyEndpoint[];
  readonly allReachable: readonly ProxyEndpoint[];
  readonly hasAny: boolean;
  readonly internalPolicyChain: PolicyChain;
  readonly hasInternalEndpoints: boolean;
  readonly externalPolicyChain: PolicyChain;
  readonly hasExternalEndpoints: boolean;
  readonly usesClusterPolicyChain: boolean;
  readonly usesLocalPolicyChain: boolean;
  readonly usesExternalTrafficChain: boolean;
  readonly usesFWChain: boolean;
  /** The internal policy chain's masquerade rule is written. */
  readonly masqueradeInternal: boolean;
  /** A source range holds the node's address: the FW chain lets each VIP through as a source. */
  readonly allowFromNode: boolean;
}

function planServicePort(sp: ProxyServicePort, settings: WriteSettings): PortPlan {
  const { cluster, local, allReachable, hasAny } = categorizeEndpoints(sp);
  const internalLocal = sp.internalPolicyLocal;
  const externalLocal = sp.externalPolicyLocal;
  const hasInternalEndpoints = hasAny && !(internalLocal && local.length === 0);
  const usesFWChain = hasAny && sp.loadBalancerVIPs.length > 0 && sp.loadBalancerSourceRanges.length > 0;
  return {
    cluster, local, allReachable, hasAny,
    internalPolicyChain: internalLocal ? 'svl' : 'svc',
    hasInternalEndpoints,
    externalPolicyChain: externalLocal ? 'svl' : 'svc',
    hasExternalEndpoints: hasAny && !(externalLocal && local.length === 0),
    usesClusterPolicyChain: cluster.length > 0 && usesClusterEndpoints(sp),
    usesLocalPolicyChain: local.length > 0 && usesLocalEndpoints(sp),
    usesExternalTrafficChain: hasAny && externallyAccessible(sp),
    usesFWChain,
    masqueradeInternal: hasInternalEndpoints && (settings.masqueradeAll || settings.local !== undefined),
    allowFromNode: usesFWChain && sp.loadBalancerSourceRanges.some((cidr) => cidrContains(cidr, settings.nodeIP)),
  };
}

/** Rules a service port adds to each chain; -1 where it leaves its own chain undeclared. */
export interface PortRuleCounts {
  readonly filterServices: number;
  readonly externalServices: number;
  readonly filterNodePorts: number;
  readonly proxyFirewall: number;
  readonly natServices: number;
  readonly natNodePorts: number;
  readonly svc: number;
  readonly svl: number;
  readonly ext: number;
  readonly fw: number;
  /** Its endpoint chains (two rules each). */
  readonly endpoints: readonly ProxyEndpoint[];
}

/**
 * How many rules writeServicePort would write where, without writing them: what places a service
 * port's rules in a payload laid out but never written (./layout). Each count follows the branch
 * of writeServicePort that writes those rules; the tests hold the two together line for line.
 */
export function countServicePort(sp: ProxyServicePort, settings: WriteSettings): PortRuleCounts {
  const p = planServicePort(sp, settings);
  const ips = sp.externalIPs.length;
  const vips = sp.loadBalancerVIPs.length;
  const hasNodePort = sp.nodePort !== 0;
  const own = { svc: -1, svl: -1, ext: -1, fw: -1 };
  const add = (chain: keyof typeof own, n: number): void => { own[chain] = Math.max(own[chain], 0) + n; };
  if (p.masqueradeInternal) add(p.internalPolicyChain, 1);
  if (p.usesExternalTrafficChain) {
    const clusterJumps = sp.externalPolicyLocal ? (settings.local !== undefined ? 1 : 0) + 2 : 1;
    add('ext', clusterJumps + (p.hasExternalEndpoints ? 1 : 0));
  }
  if (p.usesFWChain) add('fw', sp.loadBalancerSourceRanges.length + (p.allowFromNode ? vips : 0) + 1);
  const perEndpoint = sp.clientIPAffinity ? 2 : 1;
  if (p.usesClusterPolicyChain) add('svc', perEndpoint * p.cluster.length);
  if (p.usesLocalPolicyChain) add('svl', perEndpoint * p.local.length);
  const nodePortRules = settings.localhostNodePorts && settings.nfacct ? 2 : 1;
  return {
    filterServices: p.hasInternalEndpoints ? 0 : 1,
    externalServices: p.hasExternalEndpoints ? 0 : ips + vips + (hasNodePort ? 1 : 0),
    filterNodePorts: sp.healthCheckNodePort !== 0 ? 1 : 0,
    proxyFirewall: p.usesFWChain ? vips : 0,
    natServices: (p.hasInternalEndpoints ? 1 : 0) + (p.hasAny ? ips + vips : 0),
    natNodePorts: hasNodePort && p.hasAny ? nodePortRules : 0,
    ...own,
    endpoints: p.allReachable,
  };
}

/** One service port's rules, in kube-proxy's write order, into `tables`. */
export function writeServicePort(sp: ProxyServicePort, settings: WriteSettings, tables: IptablesPayload): void {
  const { filter, nat } = tables;
  const name = sp.name;
  const proto = sp.protocol;
  const p = planServicePort(sp, settings);
  const { cluster, local, allReachable, hasAny, hasInternalEndpoints, hasExternalEndpoints, usesFWChain } = p;
  const clusterPolicyChain = sp.chains.svc;
  const localPolicyChain = sp.chains.svl;
  const internalPolicyChain = sp.chains[p.internalPolicyChain];
  const externalPolicyChain = sp.chains[p.externalPolicyChain];
  const externalTrafficChain = sp.chains.ext;
  const fwChain = sp.chains.fw;
  const loadBalancerTrafficChain = usesFWChain ? fwChain : externalTrafficChain;

  let internalFilterTarget = '', internalFilterComment = '';
  let externalFilterTarget = '', externalFilterComment = '';
  if (!hasAny) {
    internalFilterTarget = externalFilterTarget = 'REJECT';
    internalFilterComment = externalFilterComment = comment(`${name} has no endpoints`);
  } else {
    if (!hasInternalEndpoints) {
      internalFilterTarget = 'DROP';
      internalFilterComment = comment(`${name} has no local endpoints`);
    }
    if (!hasExternalEndpoints) {
      externalFilterTarget = 'DROP';
      externalFilterComment = comment(`${name} has no local endpoints`);
    }
  }

  // `-m tcp -p tcp -d IP --dport PORT`, the match every per-address rule shares.
  const match = (ip: string): string => `-m ${proto} -p ${proto} -d ${ip} --dport ${sp.port.port}`;
  const clusterIPMatch = `${comment(`${name} cluster IP`)} ${match(sp.clusterIP)}`;

  if (hasInternalEndpoints) nat.rule(KUBE_SERVICES, `${clusterIPMatch} -j ${internalPolicyChain}`);
  else filter.rule(KUBE_SERVICES, `${internalFilterComment} ${match(sp.clusterIP)} -j ${internalFilterTarget}`);

  for (const ip of sp.externalIPs) {
    if (hasAny) nat.rule(KUBE_SERVICES, `${comment(`${name} external IP`)} ${match(ip)} -j ${externalTrafficChain}`);
    if (!hasExternalEndpoints) filter.rule(KUBE_EXTERNAL_SERVICES, `${externalFilterComment} ${match(ip)} -j ${externalFilterTarget}`);
  }

  for (const ip of sp.loadBalancerVIPs) {
    if (hasAny) nat.rule(KUBE_SERVICES, `${comment(`${name} loadbalancer IP`)} ${match(ip)} -j ${loadBalancerTrafficChain}`);
    if (usesFWChain) filter.rule(KUBE_PROXY_FIREWALL, `${comment(`${name} traffic not accepted by ${fwChain}`)} ${match(ip)} -j DROP`);
  }
  if (!hasExternalEndpoints) {
    for (const ip of sp.loadBalancerVIPs) filter.rule(KUBE_EXTERNAL_SERVICES, `${externalFilterComment} ${match(ip)} -j ${externalFilterTarget}`);
  }

  if (sp.nodePort !== 0) {
    if (hasAny) {
      // The comment is the bare service port name: no spaces, so kube-proxy leaves it unquoted.
      if (settings.localhostNodePorts && settings.nfacct) {
        nat.rule(KUBE_NODEPORTS, `-m comment --comment ${name} -m ${proto} -p ${proto} -d 127.0.0.0/8 --dport ${sp.nodePort} -m nfacct --nfacct-name ${LOCALHOST_NPS_COUNTER} -j ${externalTrafficChain}`);
      }
      nat.rule(KUBE_NODEPORTS, `-m comment --comment ${name} -m ${proto} -p ${proto} --dport ${sp.nodePort} -j ${externalTrafficChain}`);
    }
    if (!hasExternalEndpoints) {
      filter.rule(KUBE_EXTERNAL_SERVICES, `${externalFilterComment} -m addrtype --dst-type LOCAL -m ${proto} -p ${proto} --dport ${sp.nodePort} -j ${externalFilterTarget}`);
    }
  }

  if (sp.healthCheckNodePort !== 0) {
    filter.rule(KUBE_NODEPORTS, `${comment(`${name} health check node port`)} -m tcp -p tcp --dport ${sp.healthCheckNodePort} -j ACCEPT`);
  }

  if (p.masqueradeInternal) {
    if (settings.masqueradeAll) nat.rule(internalPolicyChain, `${clusterIPMatch} -j ${KUBE_MARK_MASQ}`);
    else nat.rule(internalPolicyChain, `${clusterIPMatch} ! -s ${settings.local} -j ${KUBE_MARK_MASQ}`);
  }

  if (p.usesExternalTrafficChain) {
    nat.chain(externalTrafficChain);
    if (!sp.externalPolicyLocal) {
      nat.rule(externalTrafficChain, `${comment(`masquerade traffic for ${name} external destinations`)} -j ${KUBE_MARK_MASQ}`);
    } else {
      if (settings.local !== undefined) {
        nat.rule(externalTrafficChain, `${comment(`pod traffic for ${name} external destinations`)} -s ${settings.local} -j ${clusterPolicyChain}`);
      }
      nat.rule(externalTrafficChain, `${comment(`masquerade LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${KUBE_MARK_MASQ}`);
      nat.rule(externalTrafficChain, `${comment(`route LOCAL traffic for ${name} external destinations`)} -m addrtype --src-type LOCAL -j ${clusterPolicyChain}`);
    }
    if (hasExternalEndpoints) nat.rule(externalTrafficChain, `-j ${externalPolicyChain}`);
  }

  if (usesFWChain) {
    nat.chain(fwChain);
    const lbComment = comment(`${name} loadbalancer IP`);
    for (const cidr of sp.loadBalancerSourceRanges) nat.rule(fwChain, `${lbComment} -s ${cidr} -j ${externalTrafficChain}`);
    if (p.allowFromNode) for (const ip of sp.loadBalancerVIPs) nat.rule(fwChain, `${lbComment} -s ${ip} -j ${externalTrafficChain}`);
    // A rule with no target: what falls through returns to KUBE-PROXY-FIREWALL's DROP.
    nat.rule(fwChain, comment(`other traffic to ${name} will be dropped by KUBE-PROXY-FIREWALL`));
  }

  if (p.usesClusterPolicyChain) {
    nat.chain(clusterPolicyChain);
    writeServiceToEndpointRules(nat, settings, sp, clusterPolicyChain, cluster);
  }
  if (p.usesLocalPolicyChain) {
    nat.chain(localPolicyChain);
    writeServiceToEndpointRules(nat, settings, sp, localPolicyChain, local);
  }

  const head = settings.largeClusterMode ? '' : `-m comment --comment ${name} `;
  const affinity = sp.clientIPAffinity;
  for (const ep of allReachable) {
    nat.chain(ep.chain);
    nat.rule(ep.chain, `${head}-s ${ep.ip} -j ${KUBE_MARK_MASQ}`);
    nat.rule(ep.chain, `${head}${affinity ? `-m recent --name ${ep.chain} --set ` : ''}-m ${proto} -p ${proto} -j DNAT --to-destination ${ep.key}`);
    nat.seal(ep.chain);
  }
  for (const c of [clusterPolicyChain, localPolicyChain, externalTrafficChain, fwChain]) nat.seal(c);
}

function writeServiceToEndpointRules(nat: TableBuilder, settings: WriteSettings, sp: ProxyServicePort, chain: string, endpoints: readonly ProxyEndpoint[]): void {
  const head = (ep: ProxyEndpoint): string => (settings.largeClusterMode ? '' : `${comment(`${sp.name} -> ${ep.key}`)} `);
  if (sp.clientIPAffinity) {
    for (const ep of endpoints) {
      nat.rule(chain, `${head(ep)}-m recent --name ${ep.chain} --rcheck --seconds ${sp.stickySeconds} --reap -j ${ep.chain}`);
    }
  }
  const n = endpoints.length;
  for (let i = 0; i < n; i++) {
    const ep = endpoints[i]!;
    const stat = i < n - 1 ? `-m statistic --mode random --probability ${probability(n - i)} ` : '';
    nat.rule(chain, `${head(ep)}${stat}-j ${ep.chain}`);
  }
}
