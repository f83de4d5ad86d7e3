/** Checks between objects: overlaps, duplicates, references that name nothing. */

import { cidrContains, cidrsOverlap, cidrWithin, formatCidr, lastAddress, parseCidr, parseIPv4, type Cidr } from '../net/cidr';
import { cniDevices, cniRegistry } from '../cni/index';
import type { NodeDraft } from './cluster';
import { podRangeOf } from './nodes';
import type { CniConfig, Pod, Protocol, Service } from './types';
import type { PodDraft } from './pods';
import type { Reader } from './reader';
import type { ServiceDraft } from './services';
import type { Path } from './path';
import type { SelectorIndex } from './selectIndex';

export interface Located {
  readonly reader: Reader;
  readonly path: Path;
}

function reportDuplicate(at: Located, what: string, name: string): void {
  at.reader.report('duplicateName', at.path, `${what} ${name} is defined twice; rename one of them (the second is ignored)`);
}

/** Reports every name after its first; returns the items whose names are first seen. */
export function firstOfEachName<T>(items: readonly T[], key: (t: T) => string, where: (t: T) => Located, what: string): T[] {
  const seen = new Set<string>();
  return items.filter((t) => {
    const k = key(t);
    if (!seen.has(k)) return seen.add(k), true;
    reportDuplicate(where(t), what, k);
    return false;
  });
}

/**
 * `firstOfEachName` for namespaced objects, by namespace then name: a file of 150,000 pods then
 * builds no "namespace/name" string for each.
 */
export function firstOfEachNamespacedName<T>(items: readonly T[], id: (t: T) => { readonly namespace: string; readonly name: string }, where: (t: T) => Located, what: string): T[] {
  const seen = new Map<string, Set<string>>();
  return items.filter((t) => {
    const { namespace, name } = id(t);
    let names = seen.get(namespace);
    if (!names) seen.set(namespace, (names = new Set()));
    if (!names.has(name)) return names.add(name), true;
    reportDuplicate(where(t), what, `${namespace}/${name}`);
    return false;
  });
}

export function checkPodCidrs(nodes: readonly NodeDraft[], cluster: Cidr): void {
  const parsed: { node: NodeDraft; cidr: Cidr }[] = [];
  for (const n of nodes) {
    const c = n.podCIDR ? parseCidr(n.podCIDR) : undefined;
    if (typeof c !== 'object') {
      n.at.reader.report('podCidrExhausted', n.at.path, `no free podCIDR is left in the cluster CIDR ${formatCidr(cluster)} for node ${n.name}; widen spec.clusterCIDR or give the node a podCIDR`);
      continue;
    }
    const at = n.podCidrAt ?? n.at;
    if (n.podCidrAt && !cidrWithin(c, cluster)) at.reader.report('podCidrOutsideCluster', at.path, `node ${n.name}'s podCIDR ${n.podCIDR} is not inside the cluster CIDR ${formatCidr(cluster)}; pick a subnet of it`);
    parsed.push({ node: n, cidr: c });
  }
  // Sorted by network address, an overlap can only be with a neighbour that starts earlier and reaches this one.
  const sorted = [...parsed].sort((a, b) => a.cidr.base - b.cidr.base || a.cidr.prefix - b.cidr.prefix);
  let reach: { node: NodeDraft; cidr: Cidr } | undefined;
  for (const cur of sorted) {
    if (reach && cidrsOverlap(reach.cidr, cur.cidr)) {
      const later = nodes.indexOf(cur.node) > nodes.indexOf(reach.node) ? cur : reach;
      const earlier = later === cur ? reach : cur;
      const at = later.node.podCidrAt ?? later.node.at;
      at.reader.report('podCidrOverlap', at.path, `node ${later.node.name}'s podCIDR ${formatCidr(later.cidr)} overlaps node ${earlier.node.name}'s ${formatCidr(earlier.cidr)}; give each node its own subnet`);
    }
    if (!reach || cur.cidr.base + 2 ** (32 - cur.cidr.prefix) > reach.cidr.base + 2 ** (32 - reach.cidr.prefix)) reach = cur;
  }
}

/** Who holds an address: a description built on demand, or a pod (described the same way every time). */
type Owner = (() => string) | PodDraft;

function describeOwner(owner: Owner): string {
  return typeof owner === 'function' ? owner() : `pod ${owner.namespace}/${owner.name}`;
}

/** Where a pod's address is written: its podIP, or its name when the address was derived. */
function podAddressAt(p: PodDraft): Located {
  return { reader: p.reader, path: [...p.path, p.ip ? 'status' : 'metadata', p.ip ? 'podIP' : 'name'] };
}

/**
 * Reports an address used twice among nodes, externals, pods and clusterIPs, keeping the first
 * owner. Addresses are keyed by their number: a lookup then reads no string from the heap.
 */
export class AddressBook {
  /** Owners are described only when a clash is reported, so a clean load builds no strings. */
  private readonly owners = new Map<number | string, Owner>();

  claim(ip: string, owner: () => string, at: Located): void {
    const key = parseIPv4(ip) ?? ip;
    const first = this.owners.get(key);
    if (first === undefined) this.owners.set(key, owner);
    else at.reader.report('duplicateIp', at.path, `${ip} is used by ${describeOwner(first)} and again by ${owner()}; give each its own address`);
  }

  /** A pod's claim (`ip` as text and as its number): the draft itself stands for its owner and place, so a clean claim allocates nothing. */
  claimPod(ip: string, ipNumber: number, pod: PodDraft): void {
    const first = this.owners.get(ipNumber);
    if (first === undefined) this.owners.set(ipNumber, pod);
    else {
      const at = podAddressAt(pod);
      at.reader.report('duplicateIp', at.path, `${ip} is used by ${describeOwner(first)} and again by ${describeOwner(pod)}; give each its own address`);
    }
  }
}

/** Whether the CNI keeps each pod inside its node's podCIDR (rather than anywhere in the pool, or in the VPC). */
export function podsStayInPodCidr(cni: CniConfig): boolean {
  return cniRegistry[cni.plugin].podAddresses === 'node';
}

/** Where a pod's written IP is, built only when reported: the check runs once per pod. */
function podIpPath(pod: PodDraft): Path {
  return [...pod.path, 'status', 'podIP'];
}

export function checkPodAddress(pod: PodDraft, ip: string, node: NodeDraft, cni: CniConfig, cluster: Cidr): void {
  if (pod.hostNetwork || pod.ip === undefined) return;
  const n = parseIPv4(ip)!;
  if (podsStayInPodCidr(cni)) {
    const range = podRangeOf(node);
    if (typeof range === 'object' && !cidrContains(range, n)) {
      pod.reader.report('podOutsidePodCidr', podIpPath(pod), `pod ${pod.namespace}/${pod.name} has IP ${ip}, outside its node ${node.name}'s podCIDR ${node.podCIDR}; ${cni.plugin} gives pods addresses from their node's podCIDR, so fix the IP or the nodeName`);
    } else if (typeof range === 'object' && (n === range.base || n === range.base + 1 || n === lastAddress(range))) {
      const what = n === range.base ? 'the network address' : n === range.base + 1 ? `the address of the node's bridge (${cniDevices(cni).bridge ?? 'cni0'})` : 'the broadcast address';
      pod.reader.report('reservedPodIp', podIpPath(pod), `pod ${pod.namespace}/${pod.name} has IP ${ip}, which is ${what} of node ${node.name}'s podCIDR ${node.podCIDR}; host-local IPAM gives pods .2 and up, pick one of those`);
    }
  } else if (cniRegistry[cni.plugin].podAddresses === 'cluster' && !cidrContains(cluster, n)) {
    pod.reader.report('podOutsidePodCidr', podIpPath(pod), `pod ${pod.namespace}/${pod.name} has IP ${ip}, outside the cluster CIDR ${formatCidr(cluster)}; pick an address in it`);
  }
}

/** Whether checkServiceSelection would report anything for a Service selecting these pods. */
export function selectionQuestionable(svc: Pick<Service, 'ports'>, selected: readonly Pick<Pod, 'containers'>[]): boolean {
  if (selected.length === 0) return true;
  return svc.ports.some((p) => typeof p.targetPort === 'string' && !selectsNamedPort(selected, p.targetPort, p.protocol));
}

function selectsNamedPort(selected: readonly Pick<Pod, 'containers'>[], name: string, protocol: Protocol): boolean {
  return selected.some((pod) => pod.containers.some((c) => c.ports.some((cp) => cp.name === name && cp.protocol === protocol)));
}

export function checkServiceSelection(svc: ServiceDraft, pods: SelectorIndex<Pod>): void {
  if (!svc.selector || svc.type === 'ExternalName') return;
  const selected = pods.select(svc.namespace, svc.selector);
  if (selected.length === 0) {
    svc.reader.report('selectsNothing', ['spec', 'selector'], `Service ${svc.namespace}/${svc.name} selects no pod in namespace ${svc.namespace}; it will have no endpoints, check the selector against the pods' labels`);
    return;
  }
  svc.ports.forEach((p, i) => {
    if (typeof p.targetPort !== 'string') return;
    const name = p.targetPort;
    if (!selectsNamedPort(selected, name, p.protocol)) {
      svc.reader.report('unknownTargetPort', ['spec', 'ports', i, 'targetPort'], `targetPort "${name}" names no ${p.protocol} container port of the pods this Service selects; name a port in their containers[].ports or use a number`);
    }
  });
}
