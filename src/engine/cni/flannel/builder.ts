/**
 * flannel: flanneld writes the inter-node state (flannel.<VNI> with its FDB and ARP entries, or
 * host-gw routes, or flannel0 for udp); the flannel CNI plugin delegates each pod to the bridge
 * plugin on cni0 with the cluster CIDR routed via the bridge.
 */

import { bridgeHostDevices, bridgePodState, type BridgeOptions } from '../../dataplane/bridgePlugin';
import { hostAddress, route } from '../../dataplane/assemble';
import { implicitPeers, type PeerEntries } from '../../dataplane/peers';
import type { CniBuilder, CniContext, CniHostState, CniNote, DeviceSpec, PeerState, TunLease } from '../../dataplane/types';
import type { FlannelConfig, NodeInfo, Pod, Topology } from '../../model/types';
import { cacheSlot, topologyCaches } from '../../model/caches';
import { bridgePluginVethName, derivedMac } from '../../net/derivedNames';
import { nthAddress, parsePrefix } from '../../net/ipv4';

/** The bridge the flannel CNI plugin delegates pods to (flannel's cni-conf.json). */
export const FLANNEL_BRIDGE = 'cni0';

export type FlannelSettings = Omit<FlannelConfig, 'plugin'>;

// Per node, what flannel derives from the node alone: every peer's state names it, so it is hashed
// or parsed once per node rather than once per (node, peer). The value depends on the node object
// alone, so the tables stay module-level and are collected with it (see model/caches.ts).
const vtepMacs = new WeakMap<NodeInfo, { readonly vni: number; readonly mac: string }>();
const subnetZeros = new WeakMap<NodeInfo, string>();

/** flannel.<VNI>'s MAC on a node: random in flanneld (kept in the node's annotation), hashed here. */
export function vtepMac(node: NodeInfo, vni: number): string {
  let known = vtepMacs.get(node);
  if (known?.vni !== vni) {
    known = { vni, mac: derivedMac(`${node.name}/flannel.${vni}`) };
    vtepMacs.set(node, known);
  }
  return known.mac;
}

/** The subnet's network address, which flannel gives its VTEP (as a /32) and uses as the route gateway. */
function subnetZero(node: NodeInfo): string {
  let zero = subnetZeros.get(node);
  if (zero === undefined) {
    const prefix = parsePrefix(node.podCIDR);
    zero = prefix ? nthAddress(prefix, 0) : node.podCIDR;
    subnetZeros.set(node, zero);
  }
  return zero;
}

function bridgeOptions(topology: Topology, settings: FlannelSettings): BridgeOptions {
  // kube-flannel.yml's cni-conf.json delegates with "hairpinMode": true, so a pod can reach itself through its Service.
  return { bridge: FLANNEL_BRIDGE, mtu: settings.mtu, podRoutes: [topology.cluster.clusterCIDR], hairpinMode: true };
}

/** A node's flannel state for its peers: one entry each, answered on demand. */
function peerState(ctx: CniContext, node: NodeInfo, s: FlannelSettings): PeerState | undefined {
  const mySegment = ctx.segmentOf.get(node.name);
  const sameSegment = (peer: NodeInfo): boolean => ctx.segmentOf.get(peer.name) === mySegment;
  const direct = (peer: NodeInfo): PeerEntries => ({ route: route({ dst: peer.podCIDR, via: peer.address, dev: node.interface }) });
  if (s.backend === 'host-gw') return implicitPeers(ctx.topology, node, { id: 'flannel host-gw' }, (peer) => (sameSegment(peer) ? direct(peer) : undefined));
  if (s.backend !== 'vxlan') return undefined;
  const device = `flannel.${s.vni}`;
  const keys = { id: device, neighbourIp: subnetZero, fdbMac: (peer: NodeInfo) => vtepMac(peer, s.vni) };
  return implicitPeers(ctx.topology, node, keys, (peer) => {
    if (s.directRouting && sameSegment(peer)) return direct(peer);
    const mac = vtepMac(peer, s.vni);
    return {
      route: route({ dst: peer.podCIDR, via: subnetZero(peer), dev: device, onlink: true }),
      neighbour: { ip: subnetZero(peer), dev: device, lladdr: mac, state: 'PERMANENT', proxy: false },
      fdb: { mac, dev: device, dst: peer.address, self: true, permanent: true },
    };
  });
}

function vxlanDevice(node: NodeInfo, s: FlannelSettings): DeviceSpec {
  return { kind: 'vxlan', name: `flannel.${s.vni}`, mtu: s.mtu, mac: vtepMac(node, s.vni), up: true, addresses: [hostAddress(`${subnetZero(node)}/32`)], vni: s.vni, local: node.address, dstport: s.port, dev: node.interface, learning: false };
}

/** flanneld's lease table for the udp backend, one array shared by every node's flannel0. */
const leasesSlot = cacheSlot<readonly TunLease[]>('flannel udp leases');
function leases(topology: Topology): readonly TunLease[] {
  return topologyCaches(topology).get(leasesSlot, () => topology.nodes.map((n) => ({ subnet: n.podCIDR, publicIp: n.address })));
}

function udpDevice(ctx: CniContext, node: NodeInfo, s: FlannelSettings): DeviceSpec {
  const network = parsePrefix(ctx.topology.cluster.clusterCIDR);
  const length = network?.prefix ?? 16;
  // flannel0 carries the subnet's .0 with the whole network's prefix, so the kernel's prefix route sends every pod subnet into it.
  return { kind: 'tun', name: 'flannel0', mtu: s.mtu, up: true, addresses: [{ address: subnetZero(node), prefixLength: length, scope: 'global' }], daemon: 'flanneld', port: s.port, leases: leases(ctx.topology) };
}

/** What flanneld and the flannel CNI plugin leave on a node; the routes, neighbours and FDB entries for other nodes are its `peers`. */
export function flannelHost(ctx: CniContext, node: NodeInfo, s: FlannelSettings): CniHostState {
  const pods = ctx.podsByNode.get(node.name) ?? [];
  const tunnel = s.backend === 'vxlan' ? [vxlanDevice(node, s)] : s.backend === 'udp' ? [udpDevice(ctx, node, s)] : [];
  const bridge = bridgeHostDevices(node, pods, bridgeOptions(ctx.topology, s), flannelVethName);
  const peers = peerState(ctx, node, s);
  return { devices: [...tunnel, ...bridge.devices], routes: [], neighbours: [], fdb: bridge.fdb, ...(peers ? { peers } : {}) };
}

/** host-gw needs every peer on the node's own L2 segment; flanneld refuses routes to the others. */
export function flannelNotes(ctx: CniContext, s: FlannelSettings): CniNote[] {
  if (s.backend !== 'host-gw') return [];
  const segments = new Map<string, NodeInfo[]>();
  for (const n of ctx.topology.nodes) {
    const seg = ctx.segmentOf.get(n.name) ?? '';
    const list = segments.get(seg);
    if (list) list.push(n);
    else segments.set(seg, [n]);
  }
  if (segments.size < 2) return [];
  // Each node off the segment most nodes share is told once, so a large cluster gets one line per stray node.
  let main: [string, NodeInfo[]] = [...segments.entries()][0]!;
  for (const entry of segments) if (entry[1].length > main[1].length) main = entry;
  const [mainSegment, mainNodes] = main;
  const others = mainNodes.length > 1 ? `${mainNodes[0]!.name} and ${mainNodes.length - 1} more` : mainNodes[0]!.name;
  return ctx.topology.nodes
    .filter((n) => ctx.segmentOf.get(n.name) !== mainSegment)
    .map((node) => ({
      code: 'hostGwOffSegment',
      subject: { kind: 'node', node },
      message: `flannel host-gw needs every node on one L2 network: node ${node.name} is on ${ctx.segmentOf.get(node.name)}, not on ${mainSegment} with ${others}, so neither side gets routes to the other's pod subnets; put the nodes in one prefix, or use backend vxlan with directRouting: true`,
    }));
}

function flannelVethName(pod: Pod): string {
  return bridgePluginVethName(pod.namespace, pod.name);
}

export function flannelBuilder(settings: (topology: Topology) => FlannelSettings): CniBuilder {
  const veth = flannelVethName;
  return {
    host: (ctx, node) => flannelHost(ctx, node, settings(ctx.topology)),
    pod: (ctx, pod, node) => bridgePodState(pod, node, bridgeOptions(ctx.topology, settings(ctx.topology)), veth(pod)),
    hostVethName: veth,
    notes: (ctx) => flannelNotes(ctx, settings(ctx.topology)),
  };
}
