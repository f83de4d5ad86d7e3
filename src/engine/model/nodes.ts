/**
 * Node objects (v1) merge into the Cluster's nodes: a Node adds what the Cluster leaves out
 * (InternalIP, podCIDR, labels), or a whole node the Cluster does not list. Nodes without a
 * podCIDR get one as kube-controller-manager would: the next free subnet of the cluster CIDR in
 * node order (/24, or Calico's block size).
 */

import { cidrsOverlap, formatCidr, parseCidr, parseIPv4, subnetAt, type Cidr } from '../net/cidr';
import type { NodeDraft } from './cluster';
import { readMeta } from './meta';
import { isRecord, type Reader } from './reader';
import { readAddress, readCidr } from './values';

export function readK8sNode(r: Reader, nodes: NodeDraft[]): void {
  const meta = readMeta(r);
  if (!meta) return;
  // A dual-stack node lists an InternalIP of each family, in either order: the IPv4 one is the
  // node's address here; an IPv6-only node is reported at its first.
  const internal = r.arr(['status', 'addresses']).flatMap((a, i) => (isRecord(a) && a.type === 'InternalIP' ? [i] : []));
  const v4 = internal.find((i) => {
    const a = r.get(['status', 'addresses', i, 'address']);
    return typeof a === 'string' && parseIPv4(a) !== undefined;
  });
  const first = v4 ?? internal[0];
  const address = first === undefined ? undefined : readAddress(r, ['status', 'addresses', first, 'address']);
  const pc = r.get(['spec', 'podCIDR']) === undefined ? undefined : readCidr(r, ['spec', 'podCIDR']);
  const existing = nodes.find((n) => n.name === meta.name);
  if (existing) {
    existing.address ??= address;
    if (!existing.podCIDR && pc) {
      existing.podCIDR = pc.text;
      existing.podCidrAt = { reader: r, path: ['spec', 'podCIDR'] };
    }
    existing.labels = { ...meta.labels, ...existing.labels };
    return;
  }
  if (address === undefined) {
    r.report('missingField', ['status'], `node ${meta.name} has no InternalIP in status.addresses and is not listed in the Cluster's spec.nodes; add its address to one of them`, 'key');
    return;
  }
  nodes.push({
    source: () => r.doc.pos,
    name: meta.name,
    address,
    prefixLength: 24,
    ...(pc ? { podCIDR: pc.text, podCidrAt: { reader: r, path: ['spec', 'podCIDR'] } } : {}),
    interface: 'eth0',
    labels: meta.labels,
    extraInterfaces: [],
    extraRoutes: [],
    enis: [],
    at: { reader: r, path: ['metadata', 'name'] },
  });
}

/**
 * The labels every kubelet puts on its Node when it registers (kubernetes/kubernetes
 * pkg/kubelet/kubelet_node_status.go, initialNode: hostname, OS and architecture, stable and
 * beta), so that upstream manifests' nodeSelectors (`kubernetes.io/os: linux`) admit the nodes.
 * Labels written on the node win: a Node object keeps its own.
 */
export function addKubeletLabels(nodes: readonly NodeDraft[]): void {
  for (const n of nodes) {
    n.labels = {
      'kubernetes.io/hostname': n.name, 'kubernetes.io/os': 'linux', 'kubernetes.io/arch': 'amd64',
      'beta.kubernetes.io/os': 'linux', 'beta.kubernetes.io/arch': 'amd64', ...n.labels,
    };
  }
}

/** Gives every node without a podCIDR the next subnet of `cluster` that no node holds yet. */
export function assignPodCidrs(nodes: readonly NodeDraft[], cluster: Cidr, prefix: number): void {
  const taken: Cidr[] = nodes.map((n) => (n.podCIDR ? parseCidr(n.podCIDR) : undefined)).filter((c): c is Cidr => typeof c === 'object');
  let index = 0;
  for (const n of nodes) {
    if (n.podCIDR) continue;
    for (;;) {
      const c = subnetAt(cluster, Math.max(prefix, cluster.prefix), index++);
      if (!c) break;
      if (taken.some((t) => cidrsOverlap(t, c))) continue;
      n.podCIDR = formatCidr(c);
      taken.push(c);
      break;
    }
  }
}

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const ranges = new WeakMap<NodeDraft, Cidr | undefined>();

/** A node's podCIDR as a network, parsed once per node however many pods ask. */
export function podRangeOf(node: NodeDraft): Cidr | undefined {
  if (!ranges.has(node)) {
    const c = node.podCIDR ? parseCidr(node.podCIDR) : undefined;
    ranges.set(node, typeof c === 'object' ? c : undefined);
  }
  return ranges.get(node);
}
