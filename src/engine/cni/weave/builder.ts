/**
 * Weave Net: one flat L2 network over the whole allocation range. Each node has the `weave`
 * bridge with an address from its IPAM share (`weave expose`) and a `<range> dev weave` prefix
 * route; pods hang off it by `vethwepl<id>` veths and see every other pod, on any node, as on
 * their own subnet, so a packet between pods is switched, never routed (its TTL does not change).
 *
 * Fast datapath (weave's ipam and net/bridge.go, router/fastdp.go): the bridge's `vethwe-bridge`
 * port leads by `vethwe-datapath` into the Open vSwitch datapath `datapath`, whose flows send a
 * frame for a remote MAC to the `vxlan-6784` vport, VXLAN over UDP 6784 with the VNI
 * `srcPeerShortID | dstPeerShortID << 12`. The kernel path is ODP; the simulator shows the
 * datapath as a bridge whose flows are FDB entries, and the vport's flows as VXLAN FDB entries.
 *
 * Sleeve: the bridge's `vethwe-bridge` port leads to `vethwe-pcap`, which the weaver process
 * reads by pcap and sends in UDP 6783 to the peer that has the destination MAC.
 */

import type { NodeInfo, Pod, Topology, WeaveConfig } from '../../model/types';
import { cacheSlot, topologyCaches } from '../../model/caches';
import { derivedMac } from '../../net/derivedNames';
import { sha1Hex } from '../../net/sha1';
import { parsePrefix } from '../../net/ipv4';
import { hostAddress, route } from '../../dataplane/assemble';
import { podNetnsId } from '../../dataplane/bridgePlugin';
import type { CniBuilder, CniHostState, CniNote, CniPodState, DeviceSpec, FdbEntry, TunLease } from '../../dataplane/types';
import { inShare, weaveBridgeAddress, weaveShares, type WeaveShare } from './ipam';

export const WEAVE_BRIDGE = 'weave';
export const WEAVE_DATAPATH = 'datapath';
export const WEAVE_FASTDP_PORT = 6784;
export const WEAVE_SLEEVE_PORT = 6783;
/** The vxlan vport's netdev, created by Open vSwitch with the largest MTU its headroom allows. */
const VPORT_MTU = 65485;

/** What every node's weave state is computed from; built once per topology. */
export interface WeaveCluster {
  readonly config: WeaveConfig;
  readonly range: string;
  readonly rangeLength: number;
  readonly nodes: readonly WeaveNode[];
  readonly byName: ReadonlyMap<string, WeaveNode>;
  /** Pods attached to the weave network, per node, in file order. */
  readonly podsByNode: ReadonlyMap<string, readonly Pod[]>;
  /** Every peer's share as a lease, then any pod outside its node's share as a /32: where weaver sends in sleeve mode. */
  readonly leases: readonly TunLease[];
}

export interface WeaveNode {
  readonly node: NodeInfo;
  readonly share: WeaveShare;
  /** The `weave` bridge's address, from the node's share. */
  readonly bridgeIp: string;
  readonly bridgeMac: string;
  /** Weave's 12-bit peer short ID; derived here from node order (weave picks one per peer name). */
  readonly shortId: number;
}

const clusterSlot = cacheSlot<WeaveCluster>('weave cluster');

export function weaveCluster(topology: Topology): WeaveCluster | undefined {
  const config = topology.cluster.cni;
  if (config.plugin !== 'weave') return undefined;
  return topologyCaches(topology).get(clusterSlot, () => buildCluster(topology, config));
}

function buildCluster(topology: Topology, config: WeaveConfig): WeaveCluster {
  const range = topology.cluster.clusterCIDR;
  const rangeLength = parsePrefix(range)?.prefix ?? 12;
  const shares = weaveShares(range, topology.nodes.length);
  const podsByNode = new Map<string, Pod[]>();
  const taken = new Set<string>();
  for (const pod of topology.pods) {
    if (pod.hostNetwork) continue;
    taken.add(pod.ip);
    const list = podsByNode.get(pod.nodeName);
    if (list) list.push(pod);
    else podsByNode.set(pod.nodeName, [pod]);
  }
  const nodes = topology.nodes.map((node, i): WeaveNode => {
    const share = shares[i] ?? { start: 0, end: 0 };
    return {
      node,
      share,
      bridgeIp: weaveBridgeAddress(range, share, taken) ?? '0.0.0.0',
      bridgeMac: derivedMac(`${node.name}/${WEAVE_BRIDGE}`),
      shortId: i + 1,
    };
  });
  const byName = new Map(nodes.map((n) => [n.node.name, n]));
  const leases: TunLease[] = nodes.filter((n) => n.share.end > n.share.start).map((n) => ({ subnet: shareCidr(n.share), publicIp: n.node.address }));
  for (const [nodeName, pods] of podsByNode) {
    const owner = byName.get(nodeName);
    if (!owner) continue;
    for (const pod of pods) if (!inShare(owner.share, pod.ip)) leases.push({ subnet: `${pod.ip}/32`, publicIp: owner.node.address });
  }
  return { config, range, rangeLength, nodes, byName, podsByNode, leases };
}

/** A share is CIDR-aligned by construction: its size is a power of two at a multiple of itself. */
function shareCidr(share: WeaveShare): string {
  const size = share.end - share.start;
  const length = 32 - Math.round(Math.log2(size));
  return `${[24, 16, 8, 0].map((s) => Math.floor(share.start / 2 ** s) % 256).join('.')}/${length}`;
}

/**
 * The host end of a pod's veth: `vethwepl` and the first 7 characters of the sandbox's container
 * ID (net/veth.go trims the ID to fit IFNAMSIZ). The ID is random on a real node; here it is a
 * hash of the pod's namespace and name.
 */
export function weaveVethName(pod: Pod): string {
  return `vethwepl${sha1Hex(`${pod.namespace}/${pod.name}`).slice(0, 7)}`;
}

/** The VXLAN network identifier fast datapath puts on a frame from one peer to another. */
export function weaveVni(src: WeaveNode, dst: WeaveNode): number {
  return (src.shortId | (dst.shortId << 12)) >>> 0;
}

export function weaveHostState(cluster: WeaveCluster, nodeName: string): CniHostState {
  const self = cluster.byName.get(nodeName);
  if (!self) return { devices: [], routes: [], neighbours: [], fdb: [] };
  const mtu = cluster.config.mtu;
  const pods = cluster.podsByNode.get(nodeName) ?? [];
  const fastdp = cluster.config.mode === 'fastdp';
  const uplink = fastdp ? 'vethwe-datapath' : 'vethwe-pcap';
  const podVeths = pods.map(weaveVethName);
  const devices: DeviceSpec[] = [];
  const datapathMac = derivedMac(`${nodeName}/${WEAVE_DATAPATH}`);
  if (fastdp) {
    devices.push(bridgeDevice(WEAVE_DATAPATH, mtu, datapathMac, [], ['vethwe-datapath', `vxlan-${WEAVE_FASTDP_PORT}`]));
  }
  devices.push(bridgeDevice(WEAVE_BRIDGE, mtu, self.bridgeMac, [hostAddress(`${self.bridgeIp}/${cluster.rangeLength}`)], ['vethwe-bridge', ...podVeths]));
  // The kernel registers a veth pair's peer first, so the far end has the lower ifindex.
  const uplinkMac = derivedMac(`${nodeName}/${uplink}`);
  const bridgePortMac = derivedMac(`${nodeName}/vethwe-bridge`);
  if (fastdp) {
    devices.push({ kind: 'veth', name: uplink, mtu, mac: uplinkMac, up: true, addresses: [], master: WEAVE_DATAPATH, peerNetns: `node/${nodeName}`, peerDevice: 'vethwe-bridge' });
  } else {
    devices.push({ kind: 'tun', name: uplink, mtu, mac: uplinkMac, up: true, addresses: [], daemon: 'weaver', port: WEAVE_SLEEVE_PORT, leases: cluster.leases });
  }
  devices.push({ kind: 'veth', name: 'vethwe-bridge', mtu, mac: bridgePortMac, up: true, addresses: [], master: WEAVE_BRIDGE, peerNetns: `node/${nodeName}`, peerDevice: uplink });
  if (fastdp) {
    devices.push({
      kind: 'vxlan',
      name: `vxlan-${WEAVE_FASTDP_PORT}`,
      mtu: VPORT_MTU,
      mac: derivedMac(`${nodeName}/vxlan-${WEAVE_FASTDP_PORT}`),
      up: true,
      addresses: [],
      master: WEAVE_DATAPATH,
      vni: 0,
      local: self.node.address,
      dstport: WEAVE_FASTDP_PORT,
      dev: self.node.interface,
      learning: false,
    });
  }
  pods.forEach((pod, i) => {
    devices.push({ kind: 'veth', name: podVeths[i]!, mtu, mac: derivedMac(`${nodeName}/${podVeths[i]}`), up: true, addresses: [], master: WEAVE_BRIDGE, peerNetns: podNetnsId(pod), peerDevice: 'eth0' });
  });

  const fdb: FdbEntry[] = [];
  // The weave bridge: local pods on their veths, everything remote behind vethwe-bridge.
  pods.forEach((pod, i) => fdb.push({ mac: pod.mac, dev: podVeths[i]!, master: WEAVE_BRIDGE, self: false, permanent: false }));
  for (const peer of cluster.nodes) {
    if (peer === self) continue;
    fdb.push({ mac: peer.bridgeMac, dev: 'vethwe-bridge', master: WEAVE_BRIDGE, self: false, permanent: false });
    for (const pod of cluster.podsByNode.get(peer.node.name) ?? []) fdb.push({ mac: pod.mac, dev: 'vethwe-bridge', master: WEAVE_BRIDGE, self: false, permanent: false });
  }
  fdb.push({ mac: self.bridgeMac, dev: WEAVE_BRIDGE, master: WEAVE_BRIDGE, self: false, permanent: true, local: true });
  if (fastdp) {
    // The datapath's flows: local MACs back up vethwe-datapath, remote ones to the vport, which
    // tunnels each to the peer that owns it.
    fdb.push({ mac: self.bridgeMac, dev: 'vethwe-datapath', master: WEAVE_DATAPATH, self: false, permanent: true });
    for (const pod of pods) fdb.push({ mac: pod.mac, dev: 'vethwe-datapath', master: WEAVE_DATAPATH, self: false, permanent: true });
    const vport = `vxlan-${WEAVE_FASTDP_PORT}`;
    for (const peer of cluster.nodes) {
      if (peer === self) continue;
      const vni = weaveVni(self, peer);
      const macs = [peer.bridgeMac, ...(cluster.podsByNode.get(peer.node.name) ?? []).map((p) => p.mac)];
      for (const mac of macs) {
        fdb.push({ mac, dev: vport, master: WEAVE_DATAPATH, self: false, permanent: true });
        fdb.push({ mac, dev: vport, dst: peer.node.address, vni, self: true, permanent: true });
      }
    }
  }
  return { devices, routes: [], neighbours: [], fdb };
}

function bridgeDevice(name: string, mtu: number, mac: string, addresses: DeviceSpec['addresses'], ports: readonly string[]): DeviceSpec {
  return { kind: 'bridge', name, mtu, mac, up: true, addresses, ports, stp: false, bridgeId: `8000.${mac.replace(/:/g, '')}` };
}

/**
 * Inside the pod (plugin/net/cni.go): eth0 with the pod IP on the whole range's prefix, so every
 * pod is on-link, and a default route via the node's bridge address for everything else.
 */
export function weavePodState(cluster: WeaveCluster, pod: Pod): CniPodState {
  const owner = cluster.byName.get(pod.nodeName);
  const gateway = owner?.bridgeIp ?? '0.0.0.0';
  return {
    devices: [
      {
        kind: 'veth',
        name: 'eth0',
        mtu: cluster.config.mtu,
        mac: pod.mac,
        up: true,
        addresses: [hostAddress(`${pod.ip}/${cluster.rangeLength}`)],
        peerNetns: `node/${pod.nodeName}`,
        peerDevice: weaveVethName(pod),
      },
    ],
    routes: [route({ dst: 'default', via: gateway, dev: 'eth0' })],
    neighbours: [],
  };
}

export const weaveBuilder: CniBuilder = {
  host: (ctx, node) => {
    const cluster = weaveCluster(ctx.topology);
    return cluster ? weaveHostState(cluster, node.name) : { devices: [], routes: [], neighbours: [], fdb: [] };
  },
  pod: (ctx, pod) => {
    const cluster = weaveCluster(ctx.topology);
    return cluster ? weavePodState(cluster, pod) : { devices: [], routes: [], neighbours: [] };
  },
  hostVethName: weaveVethName,
  // Pods outside the allocation range (the cluster CIDR) never get here: the loader rejects them (PW4001).
  notes: (ctx): CniNote[] =>
    ctx.topology.cluster.cni.plugin === 'weave' && ctx.topology.cluster.cni.mode === 'fastdp'
      ? [
          {
            code: 'weaveDatapathAsBridge',
            subject: { kind: 'cluster' },
            message: `weave fast datapath switches in the kernel's Open vSwitch datapath; the simulator shows it as the bridge "${WEAVE_DATAPATH}" and its vxlan-${WEAVE_FASTDP_PORT} vport's flows as FDB entries`,
          },
        ]
      : [],
};
