/**
 * kube-proxy's IPVS mode (pkg/proxy/ipvs): every service address bound to the kube-ipvs0 dummy,
 * one IPVS virtual server per address and port with the endpoints as masqueraded real servers,
 * the ipsets its few iptables rules match on, and those rules.
 */

import type { DeviceSpec } from '../dataplane/types';
import type { NodeInfo, Topology } from '../model/types';
import { derivedMac } from '../net/derivedNames';
import { ipToNum } from '../net/ipv4';
import { cidrHas } from './cidrs';
import { defaultEnvironment, localCidr, masqueradeMark, nodeAddresses, type ProxyEnvironment } from './iptables';
import { categorizeEndpoints, type ProxyEndpoint, servicePorts } from './servicePorts';

export interface RealServer {
  readonly ip: string;
  readonly port: number;
  readonly weight: number;
}

export interface VirtualServer {
  readonly protocol: 'TCP' | 'UDP' | 'SCTP';
  readonly ip: string;
  readonly port: number;
  readonly scheduler: string;
  /** ClientIP affinity: `persistent <seconds>`. */
  readonly persistenceSeconds?: number;
  readonly realServers: readonly RealServer[];
  /** `ns/name:port` of the service port behind it. */
  readonly service: string;
  readonly kind: 'clusterIP' | 'externalIP' | 'loadBalancer' | 'nodePort';
}

export interface Ipset {
  readonly name: string;
  readonly type: string;
  readonly comment: string;
  readonly entries: string[];
}

/** A load balancer address, port and protocol the node itself may not reach (its address is in no source range). */
export interface NodeBlockedLoadBalancer {
  readonly ip: string;
  readonly port: number;
  /** Lower case, as the ipset entry holds it. */
  readonly protocol: string;
}

export interface IpvsState {
  readonly dummyAddresses: readonly string[];
  readonly virtualServers: readonly VirtualServer[];
  readonly ipsets: ReadonlyMap<string, Ipset>;
  /** In the order kube-proxy met them; each becomes a KUBE-IPVS-OUT-FILTER DROP rule. */
  readonly nodeBlockedLoadBalancers: readonly NodeBlockedLoadBalancer[];
  /** How many iptables rules match on each set: `ipset list`'s References. */
  readonly references: ReadonlyMap<string, number>;
}

/** kube-proxy's ipsets, in its ipsetInfo order, with the comment and type it creates them with. */
const IPSETS: readonly [string, string, string][] = [
  ['KUBE-LOOP-BACK', 'hash:ip,port,ip', 'Kubernetes endpoints dst ip:port, source ip for solving hairpin purpose'],
  ['KUBE-CLUSTER-IP', 'hash:ip,port', 'Kubernetes service cluster ip + port for masquerade purpose'],
  ['KUBE-EXTERNAL-IP', 'hash:ip,port', 'Kubernetes service external ip + port for masquerade and filter purpose'],
  ['KUBE-EXTERNAL-IP-LOCAL', 'hash:ip,port', 'Kubernetes service external ip + port with externalTrafficPolicy=local'],
  ['KUBE-LOAD-BALANCER', 'hash:ip,port', 'Kubernetes service lb portal'],
  ['KUBE-LOAD-BALANCER-FW', 'hash:ip,port', 'Kubernetes service load balancer ip + port for load balancer with sourceRange'],
  ['KUBE-LOAD-BALANCER-LOCAL', 'hash:ip,port', 'Kubernetes service load balancer ip + port with externalTrafficPolicy=local'],
  ['KUBE-LOAD-BALANCER-SOURCE-IP', 'hash:ip,port,ip', 'Kubernetes service load balancer ip + port + source IP for packet filter purpose'],
  ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'hash:ip,port,net', 'Kubernetes service load balancer ip + port + source cidr for packet filter purpose'],
  ['KUBE-NODE-PORT-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port for masquerade purpose'],
  ['KUBE-NODE-PORT-LOCAL-TCP', 'bitmap:port', 'Kubernetes nodeport TCP port with externalTrafficPolicy=local'],
  ['KUBE-NODE-PORT-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port for masquerade purpose'],
  ['KUBE-NODE-PORT-LOCAL-UDP', 'bitmap:port', 'Kubernetes nodeport UDP port with externalTrafficPolicy=local'],
  ['KUBE-NODE-PORT-SCTP-HASH', 'hash:ip,port', 'Kubernetes nodeport SCTP port for masquerade purpose with type \'hash ip:port\''],
  ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'hash:ip,port', 'Kubernetes nodeport SCTP port with externalTrafficPolicy=local with type \'hash ip:port\''],
  ['KUBE-HEALTH-CHECK-NODE-PORT', 'bitmap:port', 'Kubernetes health check node port'],
  ['KUBE-IPVS-IPS', 'hash:ip', 'Addresses on the ipvs interface'],
];

/**
 * ipvsadm's ordering (libipvs ipvs_cmp_services / ipvs_cmp_dests): it subtracts the two addresses
 * as unsigned 32-bit numbers into an int, so addresses more than 2^31 apart compare the wrong way
 * round (192.168.0.1 sorts before 10.0.0.1), and `ipvsadm -Ln` lists them so.
 */
function addressOrder(a: string, b: string): number {
  return (ipToNum(a) - ipToNum(b)) | 0;
}

/** IPPROTO_TCP, IPPROTO_UDP, IPPROTO_SCTP: the protocol numbers ipvsadm sorts by. */
const PROTOCOL_NUMBER = { TCP: 6, UDP: 17, SCTP: 132 } as const;

function compareVirtualServers(a: VirtualServer, b: VirtualServer): number {
  return PROTOCOL_NUMBER[a.protocol] - PROTOCOL_NUMBER[b.protocol] || addressOrder(a.ip, b.ip) || a.port - b.port;
}

function realServers(eps: readonly ProxyEndpoint[]): RealServer[] {
  const seen = new Set<string>();
  const out: RealServer[] = [];
  for (const e of eps) {
    if (seen.has(e.key)) continue;
    seen.add(e.key);
    out.push({ ip: e.ip, port: e.port, weight: 1 });
  }
  return out.sort((a, b) => addressOrder(a.ip, b.ip) || a.port - b.port);
}

/** The IPVS state kube-proxy programs on `node`. */
export function buildIpvs(topology: Topology, node: NodeInfo): IpvsState {
  const scheduler = topology.cluster.kubeProxy.ipvsScheduler || 'rr';
  const sets = new Map<string, Ipset>(IPSETS.map(([name, type, comment]) => [name, { name, type, comment, entries: [] }]));
  const add = (set: string, entry: string): void => void sets.get(set)!.entries.push(entry);
  const vss: VirtualServer[] = [];
  const dummy = new Set<string>();
  const npa = topology.cluster.kubeProxy.nodePortAddresses;
  const ownAddresses = nodeAddresses(node);
  const nodeIPs = ownAddresses.filter((ip) => !ip.startsWith('127.') && (npa.length === 0 || npa.some((c) => cidrHas(c, ip))));
  // An external or load balancer address the node already has on another device is not bound again.
  const bind = (ip: string): void => void (ownAddresses.includes(ip) || dummy.add(ip));
  const nodeBlocked: NodeBlockedLoadBalancer[] = [];

  for (const sp of servicePorts(topology, node.name)) {
    const { cluster, local } = categorizeEndpoints(sp);
    const proto = sp.port.protocol;
    const p = proto.toLowerCase();
    const port = sp.port.port;
    const base = { protocol: proto, scheduler, service: sp.name, ...(sp.clientIPAffinity ? { persistenceSeconds: sp.stickySeconds } : {}) };
    const internal = sp.internalPolicyLocal ? (local.length > 0 ? local : cluster) : cluster;
    const external = sp.externalPolicyLocal ? (local.length > 0 ? local : cluster) : cluster;
    for (const ep of sp.endpoints) if (ep.isLocal) add('KUBE-LOOP-BACK', `${ep.ip},${p}:${ep.port},${ep.ip}`);
    add('KUBE-CLUSTER-IP', `${sp.clusterIP},${p}:${port}`);
    dummy.add(sp.clusterIP);
    vss.push({ ...base, ip: sp.clusterIP, port, realServers: realServers(internal), kind: 'clusterIP' });
    for (const ip of sp.externalIPs) {
      add(sp.externalPolicyLocal ? 'KUBE-EXTERNAL-IP-LOCAL' : 'KUBE-EXTERNAL-IP', `${ip},${p}:${port}`);
      bind(ip);
      vss.push({ ...base, ip, port, realServers: realServers(external), kind: 'externalIP' });
    }
    for (const ip of sp.loadBalancerVIPs) {
      add('KUBE-LOAD-BALANCER', `${ip},${p}:${port}`);
      if (sp.externalPolicyLocal) add('KUBE-LOAD-BALANCER-LOCAL', `${ip},${p}:${port}`);
      if (sp.loadBalancerSourceRanges.length > 0) {
        add('KUBE-LOAD-BALANCER-FW', `${ip},${p}:${port}`);
        for (const cidr of sp.loadBalancerSourceRanges) add('KUBE-LOAD-BALANCER-SOURCE-CIDR', `${ip},${p}:${port},${cidr}`);
        // The node reaches its own load balancer address from that address: let it through when a
        // source range holds the node's IP, else drop it on the way out (kubernetes#119656).
        if (sp.loadBalancerSourceRanges.some((cidr) => cidrHas(cidr, node.address))) add('KUBE-LOAD-BALANCER-SOURCE-IP', `${ip},${p}:${port},${ip}`);
        else nodeBlocked.push({ ip, port, protocol: p });
      }
      bind(ip);
      vss.push({ ...base, ip, port, realServers: realServers(external), kind: 'loadBalancer' });
    }
    if (sp.nodePort !== 0) {
      if (proto === 'SCTP') {
        for (const ip of nodeIPs) add(sp.externalPolicyLocal ? 'KUBE-NODE-PORT-LOCAL-SCTP-HASH' : 'KUBE-NODE-PORT-SCTP-HASH', `${ip},${p}:${sp.nodePort}`);
      } else {
        add(`KUBE-NODE-PORT-${proto}`, String(sp.nodePort));
        if (sp.externalPolicyLocal) add(`KUBE-NODE-PORT-LOCAL-${proto}`, String(sp.nodePort));
      }
      for (const ip of nodeIPs) vss.push({ ...base, ip, port: sp.nodePort, realServers: realServers(external), kind: 'nodePort' });
    }
    if (sp.healthCheckNodePort !== 0) add('KUBE-HEALTH-CHECK-NODE-PORT', String(sp.healthCheckNodePort));
  }
  vss.sort(compareVirtualServers);
  // One virtual server per protocol, address and port: a later service port on the same one is ignored.
  const dedup = vss.filter((v, i) => i === 0 || compareVirtualServers(vss[i - 1]!, v) !== 0);
  const dummyAddresses = [...dummy].sort((a, b) => ipToNum(a) - ipToNum(b));
  // KUBE-IPVS-IPS holds exactly the addresses bound to kube-ipvs0 in this sync.
  sets.get('KUBE-IPVS-IPS')!.entries.push(...dummyAddresses);
  for (const s of sets.values()) {
    const unique = [...new Set(s.entries)];
    s.entries.length = 0;
    s.entries.push(...(s.type === 'bitmap:port' ? unique.sort((a, b) => Number(a) - Number(b)) : unique.sort()));
  }
  const partial = { dummyAddresses, virtualServers: dedup, ipsets: sets, nodeBlockedLoadBalancers: nodeBlocked, references: new Map<string, number>() };
  return { ...partial, references: setReferences(ipvsRestoreLines(topology, node, partial)) };
}

/** How many payload rules match on each set; the base-chain jumps match on none. */
function setReferences(lines: readonly string[]): Map<string, number> {
  const counts = new Map<string, number>();
  for (const line of lines) {
    const at = line.indexOf('--match-set ');
    if (at < 0) continue;
    const name = line.slice(at + 12, line.indexOf(' ', at + 12));
    counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return counts;
}

/**
 * A virtual server's line in `ipvsadm -Ln` (print_service_entry): "%s  %s" of protocol and address
 * cut to 33 characters, the scheduler, then ` persistent <timeout>` for ClientIP affinity (kube-proxy
 * sets the IPv4 netmask to 255.255.255.255, so no ` mask` follows).
 */
export function virtualServerLine(vs: VirtualServer): string {
  const name = `${vs.protocol}  ${vs.ip}:${vs.port}`.slice(0, 33);
  return `${name} ${vs.scheduler}${vs.persistenceSeconds !== undefined ? ` persistent ${vs.persistenceSeconds}` : ''}`;
}

/**
 * `ipvsadm -Ln`: virtual and real servers in ipvsadm's sort order, masquerading (NAT) forwarding;
 * real-server lines are ipvsadm's `"  -> %-28s %-7s %-6d %-10u %-10u"`, trailing spaces included.
 */
export function renderIpvsadm(state: IpvsState): string {
  const out = ['IP Virtual Server version 1.2.1 (size=4096)', 'Prot LocalAddress:Port Scheduler Flags', '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn'];
  for (const vs of state.virtualServers) {
    out.push(virtualServerLine(vs));
    for (const rs of vs.realServers) out.push(`  -> ${`${rs.ip}:${rs.port}`.padEnd(28)} Masq    ${String(rs.weight).padEnd(6)} 0          0         `);
  }
  return `${out.join('\n')}\n`;
}

/**
 * What `ipset list` prints of each type on a 6.x kernel (checked against ipset v7.17 on 6.18): the
 * set type's revision, its bytes before any entry and per entry. kube-proxy creates its sets
 * without the `comment` extension (the comments go to its iptables rules), so neither the header
 * nor the members carry one.
 */
const SET_TYPES: Record<string, { readonly revision: number; readonly base: number; readonly perEntry: number }> = {
  'hash:ip': { revision: 6, base: 216, perEntry: 40 },
  'hash:ip,port': { revision: 7, base: 216, perEntry: 48 },
  'hash:ip,port,ip': { revision: 6, base: 208, perEntry: 56 },
  'hash:ip,port,net': { revision: 8, base: 464, perEntry: 56 },
  'bitmap:port': { revision: 3, base: 8264, perEntry: 0 },
};

/** FNV-1a of the set's name: a stable stand-in for the hash seed the kernel draws at random per set. */
function initval(name: string): string {
  let h = 0x811c9dc5;
  for (let i = 0; i < name.length; i++) h = Math.imul(h ^ name.charCodeAt(i), 0x01000193) >>> 0;
  return `0x${h.toString(16).padStart(8, '0')}`;
}

/**
 * `ipset list` of kube-proxy's sets, in kube-proxy's ipsetInfo order. Three things differ from a
 * live node by nature: a hash set's members come out in hash-bucket order there (sorted here), its
 * `initval` is random per set, and its size assumes no two members share a bucket.
 */
export function renderIpsetList(state: IpvsState): string {
  const blocks: string[] = [];
  for (const s of state.ipsets.values()) {
    const t = SET_TYPES[s.type]!;
    const header = s.type === 'bitmap:port' ? 'range 0-65535' : `family inet hashsize 1024 maxelem 65536 bucketsize 12 initval ${initval(s.name)}`;
    blocks.push([
      `Name: ${s.name}`, `Type: ${s.type}`, `Revision: ${t.revision}`, `Header: ${header}`, `Size in memory: ${t.base + t.perEntry * s.entries.length}`,
      `References: ${state.references.get(s.name) ?? 0}`, `Number of entries: ${s.entries.length}`, 'Members:', ...s.entries,
    ].join('\n'));
  }
  return `${blocks.join('\n\n')}\n`;
}

/** The dummy device kube-proxy binds service addresses to (`DefaultDummyDevice` in pkg/proxy/ipvs). */
export const IPVS_DUMMY_DEVICE = 'kube-ipvs0';

/**
 * kube-ipvs0 as kube-proxy leaves it on `node`: a dummy it creates and never brings up, every
 * address it binds added as a /32 without a broadcast address. The kernel still adds each
 * address's `local` route, which is what makes a ClusterIP local and sends it to INPUT, where IPVS
 * waits. Its MAC is random on a real node; here it is derived from the node's name.
 */
export function ipvsDummyDevice(topology: Topology, node: NodeInfo): DeviceSpec {
  return {
    kind: 'dummy',
    name: IPVS_DUMMY_DEVICE,
    mtu: 1500,
    mac: derivedMac(`${node.name}/${IPVS_DUMMY_DEVICE}`),
    up: false,
    addresses: buildIpvs(topology, node).dummyAddresses.map((address) => ({ address, prefixLength: 32, scope: 'global' as const })),
  };
}

/**
 * ipvs mode's iptables payload (writeIptablesRules), in the order kube-proxy hands it to
 * iptables-restore: the nat table's chains and rules, then the filter table's. Rules that match
 * ipsets that are empty are left out, as kube-proxy leaves them out; the KUBE-IPVS-FILTER rules
 * are written whatever the sets hold.
 */
export function ipvsRestoreLines(topology: Topology, node: NodeInfo, state: IpvsState, env: ProxyEnvironment = defaultEnvironment): string[] {
  const cfg = topology.cluster.kubeProxy;
  const mark = env.masqueradeMarkText ?? masqueradeMark(cfg.masqueradeBit);
  const nonEmpty = (name: string): boolean => (state.ipsets.get(name)?.entries.length ?? 0) > 0;
  const comment = (name: string): string => `"${state.ipsets.get(name)!.comment}"`;
  // v1.31 first dismisses connections from localhost, before any ipset rule.
  const nat: string[] = ['-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN'];
  const filter: string[] = [];
  const linked: [string, string, string, string, string, string][] = [
    ['KUBE-LOOP-BACK', 'nat', 'KUBE-POSTROUTING', 'MASQUERADE', 'dst,dst,src', ''],
    ['KUBE-LOAD-BALANCER', 'nat', 'KUBE-SERVICES', 'KUBE-LOAD-BALANCER', 'dst,dst', ''],
    ['KUBE-LOAD-BALANCER-LOCAL', 'nat', 'KUBE-LOAD-BALANCER', 'RETURN', 'dst,dst', ''],
    ['KUBE-NODE-PORT-LOCAL-TCP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'tcp'],
    ['KUBE-NODE-PORT-TCP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'tcp'],
    ['KUBE-NODE-PORT-LOCAL-UDP', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst', 'udp'],
    ['KUBE-NODE-PORT-UDP', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst', 'udp'],
    ['KUBE-NODE-PORT-LOCAL-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'RETURN', 'dst,dst', 'sctp'],
    ['KUBE-NODE-PORT-SCTP-HASH', 'nat', 'KUBE-NODE-PORT', 'KUBE-MARK-MASQ', 'dst,dst', 'sctp'],
    ['KUBE-LOAD-BALANCER-FW', 'filter', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'dst,dst', ''],
    ['KUBE-LOAD-BALANCER-SOURCE-CIDR', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
    ['KUBE-LOAD-BALANCER-SOURCE-IP', 'filter', 'KUBE-SOURCE-RANGES-FIREWALL', 'RETURN', 'dst,dst,src', ''],
  ];
  for (const [set, table, from, to, match, proto] of linked) {
    if (!nonEmpty(set)) continue;
    (table === 'nat' ? nat : filter).push(`-A ${from} ${proto ? `-p ${proto} ` : ''}-m comment --comment ${comment(set)} -m set --match-set ${set} ${match} -j ${to}`);
  }
  if (nonEmpty('KUBE-CLUSTER-IP')) {
    const head = `-A KUBE-SERVICES -m comment --comment ${comment('KUBE-CLUSTER-IP')} -m set --match-set KUBE-CLUSTER-IP`;
    const local = localCidr(topology, node);
    if (cfg.masqueradeAll) nat.push(`${head} dst,dst -j KUBE-MARK-MASQ`);
    else if (local !== undefined) nat.push(`${head} dst,dst ! -s ${local} -j KUBE-MARK-MASQ`);
    else nat.push(`${head} src,dst -j KUBE-MARK-MASQ`);
  }
  for (const set of ['KUBE-EXTERNAL-IP', 'KUBE-EXTERNAL-IP-LOCAL']) {
    if (!nonEmpty(set)) continue;
    const head = `-A KUBE-SERVICES -m comment --comment ${comment(set)} -m set --match-set ${set} dst,dst`;
    if (set === 'KUBE-EXTERNAL-IP') nat.push(`${head} -j KUBE-MARK-MASQ`);
    nat.push(`${head} -m physdev ! --physdev-is-in -m addrtype ! --src-type LOCAL -j ACCEPT`);
    nat.push(`${head} -m addrtype --dst-type LOCAL -j ACCEPT`);
  }
  nat.push('-A KUBE-SERVICES -m addrtype --dst-type LOCAL -j KUBE-NODE-PORT');
  nat.push('-A KUBE-LOAD-BALANCER -j KUBE-MARK-MASQ');
  filter.push('-A KUBE-SOURCE-RANGES-FIREWALL -j DROP');
  // The node reaching a load balancer address sends from that address (it is bound on kube-ipvs0).
  for (const lb of state.nodeBlockedLoadBalancers) filter.push(`-A KUBE-IPVS-OUT-FILTER -s ${lb.ip} -m ipvs --vaddr ${lb.ip} --vproto ${lb.protocol} --vport ${lb.port} -j DROP`);
  if (nonEmpty('KUBE-CLUSTER-IP')) nat.push('-A KUBE-SERVICES -m set --match-set KUBE-CLUSTER-IP dst,dst -j ACCEPT');
  if (nonEmpty('KUBE-LOAD-BALANCER')) nat.push('-A KUBE-SERVICES -m set --match-set KUBE-LOAD-BALANCER dst,dst -j ACCEPT');
  filter.push(`-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark ${mark}/${mark} -j ACCEPT`);
  filter.push('-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT');
  filter.push(`-A KUBE-NODE-PORT -m comment --comment ${comment('KUBE-HEALTH-CHECK-NODE-PORT')} -m set --match-set KUBE-HEALTH-CHECK-NODE-PORT dst -j ACCEPT`);
  // A new connection to an address on kube-ipvs0 that is no service's address and port would reach
  // the node's own sockets: rejected (kubernetes#72236).
  for (const [set, match] of [['KUBE-LOAD-BALANCER', 'dst,dst'], ['KUBE-CLUSTER-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP', 'dst,dst'], ['KUBE-EXTERNAL-IP-LOCAL', 'dst,dst'], ['KUBE-HEALTH-CHECK-NODE-PORT', 'dst']] as const) {
    filter.push(`-A KUBE-IPVS-FILTER -m set --match-set ${set} ${match} -j RETURN`);
  }
  filter.push('-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT');
  nat.push(`-A KUBE-POSTROUTING -m mark ! --mark ${mark}/${mark} -j RETURN`);
  nat.push(`-A KUBE-POSTROUTING -j MARK --xor-mark ${mark}`);
  nat.push(`-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${env.randomFully ? ' --random-fully' : ''}`);
  nat.push(`-A KUBE-MARK-MASQ -j MARK --or-mark ${mark}`);
  return [
    '*nat', ...['KUBE-SERVICES', 'KUBE-POSTROUTING', 'KUBE-NODE-PORT', 'KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ'].map((c) => `:${c} - [0:0]`), ...nat, 'COMMIT',
    '*filter', ...['KUBE-FORWARD', 'KUBE-NODE-PORT', 'KUBE-PROXY-FIREWALL', 'KUBE-SOURCE-RANGES-FIREWALL', 'KUBE-IPVS-FILTER', 'KUBE-IPVS-OUT-FILTER'].map((c) => `:${c} - [0:0]`), ...filter, 'COMMIT',
  ];
}

