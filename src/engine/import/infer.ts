/**
 * The Cluster document a set of Kubernetes objects implies: the nodes with their addresses and
 * podCIDRs, the cluster and service CIDRs, the CNI and kube-proxy's mode, each value with where
 * it came from. What the API never says (a node's interface name, its subnet and gateway) gets
 * a stated default and says so.
 */

import { cidrContains, cidrsOverlap, cidrWithin, formatCidr, formatIPv4, lastAddress, maskOf, parseCidr, parseIPv4, subnetAt, type Cidr } from '../net/cidr';
import { hostMacFor } from '../net/mac';
import type { KubeObject } from './objects';
import { inferCni } from './cni';
import { arr, embedded, findFlag, get, isHostNetwork, nameOf, namespaceOf, podIpOf, rec, refOf, str, type Found } from './evidence';

export interface InferredNode {
  readonly name: string;
  readonly address: Found<string>;
  readonly podCIDR?: Found<string>;
  readonly prefixLength: Found<number>;
  readonly interface: Found<string>;
  readonly gateway?: Found<string>;
  /** AWS VPC CNI: the ENI holding the node's pod addresses as secondary IPs. */
  readonly eni?: { readonly name: string; readonly mac: string; readonly primary: string; readonly secondary: readonly string[]; readonly from: string };
}

export interface InferredCluster {
  readonly clusterCIDR: Found<string>;
  readonly serviceCIDR: Found<string>;
  readonly cni: readonly (readonly [string, Found<unknown>])[];
  readonly kubeProxy: readonly (readonly [string, Found<unknown>])[];
  readonly nodes: readonly InferredNode[];
  /** Sentences for the person importing: what stands in for what, what the input lacks. */
  readonly notes: readonly string[];
}

/** The IPv4 member of a comma-separated dual-stack value ("10.244.0.0/16,fd00::/56"). */
function ipv4Cidr(text: string | undefined): Cidr | undefined {
  for (const part of (text ?? '').split(',')) {
    const c = parseCidr(part.trim());
    if (typeof c === 'object') return c;
  }
  return undefined;
}

function firstCidr(...candidates: (Found<string> | undefined)[]): Found<string> | undefined {
  for (const f of candidates) {
    const c = f ? ipv4Cidr(f.value) : undefined;
    if (c) return { value: formatCidr(c), from: f!.from };
  }
  return undefined;
}

/** The smallest network holding every address given, but no smaller than a /`atMost`. */
function covering(addresses: readonly number[], atMost: number): Cidr | undefined {
  if (addresses.length === 0) return undefined;
  // A loop, not Math.min(...addresses): a large cluster's pod addresses overflow an argument list.
  let lo = addresses[0]!;
  let hi = lo;
  for (const a of addresses) {
    if (a < lo) lo = a;
    if (a > hi) hi = a;
  }
  let prefix = Math.min(atMost, 32);
  while (prefix > 0 && ((lo & maskOf(prefix)) >>> 0) !== ((hi & maskOf(prefix)) >>> 0)) prefix--;
  return { base: (lo & maskOf(prefix)) >>> 0, prefix };
}

/** A ConfigMap in kube-system by name. */
function systemConfigMap(objects: readonly KubeObject[], name: string): KubeObject | undefined {
  return objects.find((o) => o.kind === 'ConfigMap' && nameOf(o) === name && namespaceOf(o) === 'kube-system');
}

/** The control plane's static pods (kube-controller-manager-<node>, …) and kube-proxy's DaemonSet and pods. */
function component(objects: readonly KubeObject[], name: string): KubeObject[] {
  return objects.filter((o) => (o.kind === 'Pod' || o.kind === 'DaemonSet') && namespaceOf(o) === 'kube-system' && (nameOf(o) === name || nameOf(o).startsWith(`${name}-`) || get(o, 'metadata', 'labels', 'component') === name || get(o, 'metadata', 'labels', 'k8s-app') === name));
}

function kubeadmNetworking(objects: readonly KubeObject[], key: string): Found<string> | undefined {
  const cm = systemConfigMap(objects, 'kubeadm-config');
  const v = cm ? str(get(embedded(cm, 'ClusterConfiguration'), 'networking', key)) : undefined;
  return v ? { value: v, from: `${refOf(cm!)}, ClusterConfiguration networking.${key}` } : undefined;
}

/** kube-proxy's configuration file, from its ConfigMap (as kubeadm writes it). */
function proxyConfig(objects: readonly KubeObject[]): { conf: Record<string, unknown>; from: string } | undefined {
  const cm = systemConfigMap(objects, 'kube-proxy');
  const conf = cm ? embedded(cm, 'config.conf') : undefined;
  return cm && conf ? { conf, from: `${refOf(cm)}, config.conf` } : undefined;
}

function inferKubeProxy(objects: readonly KubeObject[], notes: string[]): [string, Found<unknown>][] {
  const conf = proxyConfig(objects);
  const proxies = component(objects, 'kube-proxy');
  const flag = findFlag(proxies, 'proxy-mode');
  const written = conf && str(conf.conf.mode) !== undefined ? { value: str(conf.conf.mode)!, from: `${conf.from} mode` } : flag;
  const fields: [string, Found<unknown>][] = [];
  // An empty mode is kube-proxy's default: iptables on Linux (pkg/proxy/apis/config: ProxyModeIPTables).
  if (!written || written.value === '') fields.push(['mode', { value: 'iptables', from: written ? `${written.from} is "" (kube-proxy's default, iptables)` : proxies.length > 0 ? `kube-proxy's default: ${refOf(proxies[0]!)} sets no mode` : "no kube-proxy configuration in the input; kube-proxy's default mode" }]);
  else if (written.value === 'iptables' || written.value === 'ipvs') fields.push(['mode', written]);
  else {
    fields.push(['mode', { value: 'iptables', from: `${written.from} is "${written.value}", which is not simulated; iptables stands in` }]);
    notes.push(`kube-proxy runs in ${written.value} mode, which is not simulated; iptables mode stands in`);
  }
  const masqAll = conf && typeof get(conf.conf, 'iptables', 'masqueradeAll') === 'boolean' ? { value: get(conf.conf, 'iptables', 'masqueradeAll'), from: `${conf.from} iptables.masqueradeAll` } : undefined;
  if (masqAll?.value === true) fields.push(['masqueradeAll', masqAll]);
  const bit = conf ? get(conf.conf, 'iptables', 'masqueradeBit') : undefined;
  if (typeof bit === 'number' && bit !== 14) fields.push(['masqueradeBit', { value: bit, from: `${conf!.from} iptables.masqueradeBit` }]);
  const scheduler = conf ? str(get(conf.conf, 'ipvs', 'scheduler')) : undefined;
  if (fields[0]![1].value === 'ipvs' && scheduler) fields.push(['ipvsScheduler', { value: scheduler, from: `${conf!.from} ipvs.scheduler` }]);
  return fields;
}

interface NodeFacts {
  name: string;
  address?: Found<string>;
  podCIDR?: Found<string>;
  /** Addresses of the node's pods that are not on the host network. */
  podIps: number[];
}

function nodeFacts(objects: readonly KubeObject[]): NodeFacts[] {
  const byName = new Map<string, NodeFacts>();
  const facts = (name: string): NodeFacts => {
    let f = byName.get(name);
    if (!f) byName.set(name, (f = { name, podIps: [] }));
    return f;
  };
  for (const o of objects.filter((x) => x.kind === 'Node')) {
    const f = facts(nameOf(o));
    const addresses = arr(get(o, 'status', 'addresses')).map(rec);
    for (const type of ['InternalIP', 'ExternalIP']) {
      const a = addresses.find((x) => x.type === type && parseIPv4(str(x.address) ?? '') !== undefined);
      if (a && !f.address) f.address = { value: str(a.address)!, from: `Node ${f.name}, status.addresses ${type}` };
    }
    const cidrs = [str(get(o, 'spec', 'podCIDR')), ...arr(get(o, 'spec', 'podCIDRs')).map(str)];
    const pc = cidrs.map((c) => ipv4Cidr(c)).find((c) => c !== undefined);
    if (pc) f.podCIDR = { value: formatCidr(pc), from: `Node ${f.name}, spec.podCIDR` };
  }
  for (const p of objects.filter((x) => x.kind === 'Pod')) {
    const nodeName = str(get(p, 'spec', 'nodeName'));
    if (!nodeName) continue;
    const f = facts(nodeName);
    const hostIp = str(get(p, 'status', 'hostIP'));
    if (!f.address && hostIp && parseIPv4(hostIp) !== undefined) f.address = { value: hostIp, from: `no Node object; status.hostIP of ${refOf(p)}` };
    const ip = podIpOf(p);
    if (ip && !isHostNetwork(p)) f.podIps.push(parseIPv4(ip)!);
  }
  return [...byName.values()];
}

/** The podCIDR a node's pods imply when the Node says none: their covering /`mask` (kube-controller-manager's node-cidr-mask-size). */
function impliedPodCidr(f: NodeFacts, mask: number): Found<string> | undefined {
  const c = covering(f.podIps, mask);
  return c ? { value: formatCidr(c), from: `no podCIDR in the input; the /${c.prefix} holding node ${f.name}'s pod addresses` } : undefined;
}

export function inferCluster(objects: readonly KubeObject[]): InferredCluster {
  const notes: string[] = [];
  const nodesUnknown = nodeFacts(objects);
  const nodes = nodesUnknown.filter((f) => {
    if (f.address) return true;
    notes.push(`node ${f.name} has no address in the input (no InternalIP, and no pod on it reports a hostIP); it is left out`);
    return false;
  });
  const controllers = component(objects, 'kube-controller-manager');
  const maskFlag = findFlag(controllers, 'node-cidr-mask-size') ?? findFlag(controllers, 'node-cidr-mask-size-ipv4');
  const mask = maskFlag && /^\d+$/.test(maskFlag.value) ? Number(maskFlag.value) : 24;

  // A cloud's route controller marks each node's route in its NetworkUnavailable condition.
  const routed = objects.find((o) => o.kind === 'Node' && arr(get(o, 'status', 'conditions')).some((c) => get(c, 'type') === 'NetworkUnavailable' && get(c, 'reason') === 'RouteCreated'));
  const cni = inferCni(objects, routed ? { value: true, from: `Node ${nameOf(routed)}'s NetworkUnavailable condition is RouteCreated` } : undefined);
  notes.push(...cni.notes);
  const plugin = cni.fields.find(([k]) => k === 'plugin')?.[1].value;
  // The AWS VPC CNI gives pods addresses of the VPC, not of a per-node range: no podCIDR to imply.
  if (plugin !== 'aws-vpc') for (const f of nodes) f.podCIDR ??= impliedPodCidr(f, mask);

  const podAddresses = [
    ...nodes.flatMap((f) => f.podIps),
    ...nodes.flatMap((f) => { const c = f.podCIDR ? ipv4Cidr(f.podCIDR.value) : undefined; return c ? [c.base, lastAddress(c)] : []; }),
  ];
  const podCover = covering(podAddresses, 16);
  const clusterCIDR = firstCidr(
    kubeadmNetworking(objects, 'podSubnet'),
    (() => { const c = proxyConfig(objects); const v = c ? str(c.conf.clusterCIDR) : undefined; return v ? { value: v, from: `${c!.from} clusterCIDR` } : undefined; })(),
    findFlag(controllers, 'cluster-cidr'),
    findFlag(component(objects, 'kube-proxy'), 'cluster-cidr'),
    cni.network,
  ) ?? (podCover ? { value: formatCidr(podCover), from: 'not in the input; the /16 or wider network holding every node podCIDR and pod address' } : { value: '10.244.0.0/16', from: 'not in the input, and no pod address to go by; kubeadm\'s usual pod network' });

  const serviceIps = objects.filter((o) => o.kind === 'Service').map((s) => parseIPv4(str(get(s, 'spec', 'clusterIP')) ?? '')).filter((n): n is number => n !== undefined);
  let serviceCover = covering(serviceIps, 16);
  const pods = ipv4Cidr(clusterCIDR.value)!;
  // A /16 around the ClusterIPs that reaches into the pod network is narrowed to what the ClusterIPs need.
  if (serviceCover && cidrsOverlap(serviceCover, pods)) serviceCover = covering(serviceIps, 32);
  const serviceCIDR = firstCidr(
    kubeadmNetworking(objects, 'serviceSubnet'),
    findFlag(component(objects, 'kube-apiserver'), 'service-cluster-ip-range'),
    findFlag(controllers, 'service-cluster-ip-range'),
  ) ?? (serviceCover ? { value: formatCidr(serviceCover), from: 'not in the input; the /16 or wider network holding every Service\'s clusterIP' } : { value: '10.96.0.0/12', from: "not in the input, and no Service to go by; kubeadm's default service network" });

  if (plugin === 'calico') {
    const block = cni.fields.find(([k]) => k === 'blockSize')?.[1].value;
    calicoBlocks(nodes, pods, typeof block === 'number' ? block : 26);
  }
  return { clusterCIDR, serviceCIDR, cni: cni.fields, kubeProxy: inferKubeProxy(objects, notes), nodes: underlay(nodes, plugin === 'aws-vpc'), notes };
}

/**
 * Calico's IPAM gives each node blocks of its pool and never reads the Node's spec.podCIDR
 * (calico-ipam: blocks are claimed by affinity, calico/libcalico-go lib/ipam), so a kubeadm
 * cluster's podCIDRs (10.244.x.0/24) say nothing about where its pods are. A node's podCIDR
 * here is then the block holding its pods, or a free block of the pool for a node with none.
 */
function calicoBlocks(nodes: NodeFacts[], pool: Cidr, block: number): void {
  const fits = (f: NodeFacts, c: Cidr | undefined): c is Cidr => c !== undefined && cidrWithin(c, pool) && f.podIps.every((ip) => cidrContains(c, ip));
  const taken: Cidr[] = [];
  const empty: NodeFacts[] = [];
  for (const f of nodes) {
    const written = f.podCIDR ? ipv4Cidr(f.podCIDR.value) : undefined;
    if (fits(f, written)) taken.push(written);
    else if (f.podIps.length === 0) empty.push(f);
    else {
      const c = covering(f.podIps, block)!;
      f.podCIDR = { value: formatCidr(c), from: `the /${c.prefix} of the Calico pool holding node ${f.name}'s pod addresses (Calico's IPAM does not use spec.podCIDR)` };
      taken.push(c);
    }
  }
  let index = 0;
  for (const f of empty) {
    for (let c = subnetAt(pool, Math.max(block, pool.prefix), index++); c; c = subnetAt(pool, Math.max(block, pool.prefix), index++)) {
      if (taken.some((t) => cidrsOverlap(t, c!))) continue;
      f.podCIDR = { value: formatCidr(c), from: `node ${f.name} runs no pod in the input; a free /${c.prefix} block of the Calico pool (Calico's IPAM does not use spec.podCIDR)` };
      taken.push(c);
      break;
    }
  }
}

/**
 * What the API never says about a node's underlay: its interface name, subnet and gateway. The
 * nodes are put on one subnet, the smallest /24 or wider that holds them all, with the gateway at
 * its first free address (where clouds and docker's networks put it).
 */
function underlay(nodes: readonly NodeFacts[], enis: boolean): InferredNode[] {
  const addrs = nodes.map((f) => parseIPv4(f.address!.value)!);
  const subnet = covering(addrs, 24);
  let gateway: number | undefined;
  if (subnet) for (let a = subnet.base + 1; a < lastAddress(subnet) && gateway === undefined; a++) if (!addrs.includes(a)) gateway = a;
  const net = subnet ? formatCidr(subnet) : '';
  return nodes.map((f) => ({
    name: f.name,
    address: f.address!,
    ...(f.podCIDR ? { podCIDR: f.podCIDR } : {}),
    prefixLength: { value: subnet?.prefix ?? 24, from: `not in the API; ${net}, the smallest /24 or wider holding every node, so the nodes share one segment` },
    interface: { value: 'eth0', from: 'not in the API; name the node\'s real interface' },
    ...(gateway !== undefined && subnet && cidrContains(subnet, gateway) ? { gateway: { value: formatIPv4(gateway), from: `not in the API; the first free address of ${net}` } } : {}),
    // ipamd spreads pod addresses over the node's ENIs, and the API does not say which holds which:
    // all are put on the primary ENI, whose MAC is the node's own.
    ...(enis ? { eni: { name: 'eth0', mac: hostMacFor(parseIPv4(f.address!.value)!), primary: f.address!.value, secondary: [...new Set(f.podIps)].sort((a, b) => a - b).map(formatIPv4), from: "not in the API; which ENI holds each pod address is ipamd's, so every pod address is a secondary IP of the primary ENI" } } : {}),
  }));
}
