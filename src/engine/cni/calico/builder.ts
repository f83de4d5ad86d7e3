/**
 * Calico: each node owns an IPAM block (`blockSize`, the node's podCIDR here), pods hang off
 * `cali<hash>` veths with no bridge (MAC ee:ee:ee:ee:ee:ee, proxy_arp on, so the pod's ARP for
 * its 169.254.1.1 gateway is answered by the host), the host holds a `<podIP> dev cali… scope
 * link` route per pod and a blackhole for its own block, and peer blocks are reached:
 * - with BIRD (no encapsulation, or IPIP): `<block> via <peer> dev eth0 proto bird`, or
 *   `… dev tunl0 proto bird onlink` through the IPIP device holding the node's tunnel address;
 * - with VXLAN (routes written by Felix): `<block> via <peer VTEP> dev vxlan.calico onlink`, a
 *   permanent neighbour and FDB entry per peer, the blackhole with Felix's `proto 80`.
 * CrossSubnet keeps peers on the node's own subnet unencapsulated.
 * calico_backend "vxlan" or "none" runs no BIRD (calico-node's rc.local): Felix then writes the
 * tunnel routes with its own protocol, and an unencapsulated peer gets no route at all.
 */

import { hostAddress, route } from '../../dataplane/assemble';
import { addGatewayHint } from '../../dataplane/diagnoseHints';
import { implicitPeers, type PeerEntries } from '../../dataplane/peers';
import type { CniBuilder, CniContext, CniHostState, CniNote, DeviceSpec, Route, RouteProto } from '../../dataplane/types';
import type { CalicoConfig, CalicoEncapMode, NodeInfo, Topology } from '../../model/types';
import { derivedMac } from '../../net/derivedNames';
import { ipToNum, nthAddress, parsePrefix, prefixContains } from '../../net/ipv4';
import { CALICO_POD_GATEWAY, caliHostSide, caliPod, caliVethName } from './veth';

export const CALICO_IPIP_DEVICE = 'tunl0';
export const CALICO_VXLAN_DEVICE = 'vxlan.calico';
/** Felix's defaults: VXLANVNI 4096, VXLANPort 4789. */
const CALICO_VXLAN_VNI = 4096;
const CALICO_VXLAN_PORT = 4789;
/** The route protocol Felix stamps on the routes it owns (dataplanedefs.DefaultRouteProto). */
const FELIX_PROTO: RouteProto = '80';

/** How packets to one peer's block leave this node. */
type PeerPath = 'direct' | 'ipip' | 'vxlan';

export function calicoSettings(topology: Topology): CalicoConfig {
  if (topology.cluster.cni.plugin !== 'calico') throw new Error('calico builder used for another plugin');
  return topology.cluster.cni;
}

/** Which encapsulation the pool asks for; VXLAN wins when both are set, as Felix refuses the mix per pool. */
function encapOf(c: CalicoConfig): { kind: 'ipip' | 'vxlan'; mode: Exclude<CalicoEncapMode, 'Never'> } | undefined {
  if (c.vxlanMode !== 'Never') return { kind: 'vxlan', mode: c.vxlanMode };
  if (c.ipipMode !== 'Never') return { kind: 'ipip', mode: c.ipipMode };
  return undefined;
}

/** The node's tunnel address: the first address of its block, which Calico's IPAM hands the tunnel before any pod. */
export function tunnelAddress(node: NodeInfo): string {
  const block = parsePrefix(node.podCIDR);
  return block ? nthAddress(block, 0) : node.podCIDR;
}

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const vtepMacs = new WeakMap<NodeInfo, string>();

/** vxlan.calico's MAC: random in calico-node (kept on the Node resource), hashed here once per node. */
export function calicoVtepMac(node: NodeInfo): string {
  let mac = vtepMacs.get(node);
  if (mac === undefined) {
    mac = derivedMac(`${node.name}/${CALICO_VXLAN_DEVICE}`);
    vtepMacs.set(node, mac);
  }
  return mac;
}

function peerPath(ctx: CniContext, c: CalicoConfig, node: NodeInfo, peer: NodeInfo): PeerPath {
  const encap = encapOf(c);
  const sameSubnet = ctx.segmentOf.get(node.name) === ctx.segmentOf.get(peer.name);
  if (!encap || (encap.mode === 'CrossSubnet' && sameSubnet)) return 'direct';
  return encap.kind;
}

function tunnelDevice(c: CalicoConfig, node: NodeInfo): DeviceSpec | undefined {
  const encap = encapOf(c);
  if (!encap) return undefined;
  const addresses = [hostAddress(`${tunnelAddress(node)}/32`)];
  if (encap.kind === 'ipip') return { kind: 'ipip', name: CALICO_IPIP_DEVICE, mtu: c.mtu, up: true, addresses };
  return {
    kind: 'vxlan',
    name: CALICO_VXLAN_DEVICE,
    mtu: c.mtu,
    mac: calicoVtepMac(node),
    up: true,
    addresses,
    vni: CALICO_VXLAN_VNI,
    local: node.address,
    dstport: CALICO_VXLAN_PORT,
    dev: node.interface,
    learning: false,
  };
}

/** Whether Felix rather than BIRD writes the node's block routes: with VXLAN, or where BIRD does not run. */
function felixRoutes(c: CalicoConfig): boolean {
  return c.backend !== 'bird' || encapOf(c)?.kind === 'vxlan';
}

/**
 * A peer block's route. BIRD writes the unencapsulated and IPIP ones, Felix the VXLAN ones (and
 * the IPIP ones without BIRD: felix/config/config_params.go, ProgramClusterRoutes EnabledIPIPOnly).
 * Without BIRD an unencapsulated peer outside a VXLAN pool's CrossSubnet has none.
 */
function peerRoute(c: CalicoConfig, node: NodeInfo, peer: NodeInfo, path: PeerPath, sameSubnet: boolean): Route | undefined {
  const felix = felixRoutes(c);
  switch (path) {
    case 'direct':
      if (c.backend !== 'bird' && encapOf(c)?.kind !== 'vxlan') return undefined;
      // BIRD's `gateway recursive`: a peer off the subnet is reached through the node's own gateway.
      if (!sameSubnet && node.gateway) return route({ dst: peer.podCIDR, via: node.gateway, dev: node.interface, proto: felix ? FELIX_PROTO : 'bird' });
      return route({ dst: peer.podCIDR, via: peer.address, dev: node.interface, proto: felix ? FELIX_PROTO : 'bird', ...(felix ? { onlink: true } : {}) });
    case 'ipip':
      return route({ dst: peer.podCIDR, via: peer.address, dev: CALICO_IPIP_DEVICE, proto: felix ? FELIX_PROTO : 'bird', onlink: true });
    case 'vxlan':
      return route({ dst: peer.podCIDR, via: tunnelAddress(peer), dev: CALICO_VXLAN_DEVICE, onlink: true });
  }
}

function calicoHost(ctx: CniContext, node: NodeInfo): CniHostState {
  const c = calicoSettings(ctx.topology);
  const tunnel = tunnelDevice(c, node);
  const pods = (ctx.podsByNode.get(node.name) ?? []).filter((p) => !p.hostNetwork);
  const host = caliHostSide(pods, c.mtu);
  const felix = felixRoutes(c);
  const routes: Route[] = [route({ dst: node.podCIDR, type: 'blackhole', proto: felix ? FELIX_PROTO : 'bird', scope: 'global' })];
  const mySegment = ctx.segmentOf.get(node.name);
  // One route per peer block, and for VXLAN the peer VTEP's neighbour and FDB entry, answered on demand.
  const keys = { id: 'calico', neighbourIp: tunnelAddress, fdbMac: calicoVtepMac };
  const peers = implicitPeers(ctx.topology, node, keys, (peer): PeerEntries => {
    const path = peerPath(ctx, c, node, peer);
    const r = peerRoute(c, node, peer, path, ctx.segmentOf.get(peer.name) === mySegment);
    const entry = r ? { route: r } : {};
    if (path !== 'vxlan') return entry;
    const mac = calicoVtepMac(peer);
    return {
      ...entry,
      neighbour: { ip: tunnelAddress(peer), dev: CALICO_VXLAN_DEVICE, lladdr: mac, state: 'PERMANENT', proxy: false },
      fdb: { mac, dev: CALICO_VXLAN_DEVICE, dst: peer.address, self: true, permanent: true },
    };
  });
  routes.push(...host.routes);
  return { devices: [...(tunnel ? [tunnel] : []), ...host.veths], routes, neighbours: [], fdb: [], peers };
}

/** What a real cluster would show going wrong: pods outside their node's block, nodes without a default route. */
function calicoNotes(ctx: CniContext): CniNote[] {
  const notes: CniNote[] = [];
  for (const node of ctx.topology.nodes) {
    // Only addresses the file gives can stray: derived ones come from the block itself.
    const block = parsePrefix(node.podCIDR);
    for (const pod of ctx.podsByNode.get(node.name) ?? []) {
      if (!pod.hostNetwork && !pod.ipDerived && !(block && prefixContains(block, ipToNum(pod.ip)))) {
        notes.push({
          code: 'calicoPodOutsideBlock',
          subject: { kind: 'pod', pod },
          message: `pod ${pod.namespace}/${pod.name} (${pod.ip}) is outside ${node.name}'s Calico block ${node.podCIDR}; BIRD advertises only the block, so other nodes cannot reach it. Give the pod an address in ${node.podCIDR} or drop its podIP`,
        });
      }
    }
    // The kernel answers proxy ARP for 169.254.1.1 only when the host routes that address out another device.
    if (!node.gateway && !node.extraRoutes.some((r) => r.startsWith('default '))) {
      notes.push({
        code: 'calicoNoDefaultRoute',
        subject: { kind: 'node', node },
        message: `node ${node.name} has no default route: its cali veths cannot answer the pods' ARP for ${CALICO_POD_GATEWAY} (proxy ARP needs a route to it), so its pods reach nothing; ${addGatewayHint(node)}`,
      });
    }
  }
  return notes;
}

export const calicoBuilder: CniBuilder = {
  host: calicoHost,
  pod: (ctx, pod) => caliPod(pod, calicoSettings(ctx.topology).mtu),
  hostVethName: caliVethName,
  notes: calicoNotes,
};
