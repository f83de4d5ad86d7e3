/**
 * Small validated topologies for the CNI builder tests, built directly as the loader would hand
 * them over, so each builder is tested apart from loading. Plus text forms of the derived state
 * in the shapes `ip route`, `ip neigh` and `bridge fdb` print, for golden comparisons
 * (test/harness/baseline.ts).
 */

import type { CniConfig, NodeInfo, Pod, SecondaryNetwork, Topology } from '../../src/engine/model/types';
import type { FdbEntry, NetNamespace, Neighbour, Route, RoutingRule } from '../../src/engine/dataplane/types';
import { formatRoute } from '../../src/engine/render/routes';

const source = { file: 'fixture.yaml', line: 1, col: 1 };

export interface NodeSpec {
  readonly name: string;
  readonly address: string;
  readonly podCIDR: string;
  readonly mac?: string;
  readonly prefixLength?: number;
  readonly gateway?: string;
  readonly interface?: string;
  readonly enis?: NodeInfo['enis'];
}

export interface PodSpec {
  readonly name: string;
  readonly node: string;
  readonly ip: string;
  readonly namespace?: string;
  readonly hostNetwork?: boolean;
  readonly secondaryInterfaces?: Pod['secondaryInterfaces'];
}

export function node(spec: NodeSpec): NodeInfo {
  return {
    source,
    name: spec.name,
    address: spec.address,
    prefixLength: spec.prefixLength ?? 24,
    interface: spec.interface ?? 'eth0',
    mac: spec.mac ?? `52:54:00:00:00:${spec.address.split('.')[3]!.padStart(2, '0').slice(-2)}`,
    podCIDR: spec.podCIDR,
    gateway: spec.gateway,
    extraInterfaces: [],
    extraRoutes: [],
    labels: {},
    enis: spec.enis ?? [],
  };
}

/** The bridge plugin's pod MAC: 0a:58 and the IPv4 bytes. */
export function podMac(ip: string): string {
  return ['0a', '58', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
}

export function pod(spec: PodSpec): Pod {
  return {
    source,
    name: spec.name,
    namespace: spec.namespace ?? 'default',
    labels: {},
    nodeName: spec.node,
    ip: spec.ip,
    ipDerived: false,
    mac: podMac(spec.ip),
    hostNetwork: spec.hostNetwork ?? false,
    ready: true,
    containers: [],
    secondaryInterfaces: spec.secondaryInterfaces ?? [],
  };
}

export function topology(cni: CniConfig, clusterCIDR: string, nodes: readonly NodeSpec[], pods: readonly PodSpec[], networks: readonly SecondaryNetwork[] = []): Topology {
  return {
    cluster: {
      source,
      name: 'fixture',
      clusterCIDR,
      serviceCIDR: '10.96.0.0/12',
      cni,
      kubeProxy: { mode: 'iptables', masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, detectLocalMode: 'ClusterCIDR', ipvsScheduler: 'rr', nodePortAddresses: [] },
      networks,
    },
    nodes: nodes.map(node),
    externals: [],
    namespaces: [],
    pods: pods.map(pod),
    services: [],
    endpointSlices: [],
    policies: [],
  };
}

/** A route as `ip route show table all` prints it (the main table without `table main`). */
export function routeText(r: Route): string {
  return formatRoute(r, undefined, true);
}

export function neighText(n: Neighbour): string {
  return [n.ip, 'dev', n.dev, ...(n.lladdr ? ['lladdr', n.lladdr] : []), ...(n.proxy ? ['proxy'] : []), n.state].join(' ');
}

export function fdbText(f: FdbEntry): string {
  return [f.mac, 'dev', f.dev, ...(f.vlan !== undefined ? ['vlan', String(f.vlan)] : []), ...(f.dst ? ['dst', f.dst] : []), ...(f.vni !== undefined ? ['vni', String(f.vni)] : []), ...(f.master ? ['master', f.master] : []), ...(f.self ? ['self'] : []), ...(f.permanent ? ['permanent'] : [])].join(' ');
}

/** Devices as `ip -br link`-like lines with what a reader checks: kind, MTU, master, address. */
export function linkText(ns: NetNamespace): string[] {
  return ns.devices.map((d) => {
    const extra: string[] = [];
    if (d.master) extra.push(`master ${d.master}`);
    if (d.kind === 'veth') extra.push(`peer ${d.peerNetns}:${d.peerDevice}`);
    if (d.kind === 'vxlan') extra.push(`vxlan id ${d.vni} local ${d.local} dev ${d.dev} dstport ${d.dstport}`);
    if (d.kind === 'macvlan') extra.push(`macvlan mode ${d.mode} link ${d.masterDevice}`);
    if (d.kind === 'tun') extra.push(`daemon ${d.daemon} port ${d.port}`);
    if (d.proxyArp) extra.push('proxy_arp');
    const addrs = d.addresses.map((a) => `${a.address}/${a.prefixLength}`);
    return [`${d.index}: ${d.name} ${d.kind} mtu ${d.mtu}`, ...extra, ...addrs].join(' ');
  });
}

/** The whole namespace as golden text. */
export function namespaceText(ns: NetNamespace): string {
  return [
    `# ${ns.id}`,
    '## links',
    ...linkText(ns),
    '## routes',
    ...ns.routes.filter((r) => r.table !== 'local').map(routeText),
    '## neigh',
    ...ns.neighbours.map(neighText),
    '## fdb',
    ...ns.fdb.map(fdbText),
    '',
  ].join('\n');
}

/** A rule as `ip rule` prints it. */
export function ruleText(r: RoutingRule): string {
  const parts = [`from ${r.from}`];
  if (r.to) parts.push(`to ${r.to}`);
  if (r.fwmark) parts.push(`fwmark 0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  return `${r.priority}:\t${parts.join(' ')} lookup ${r.table}`;
}
