/**
 * Neighbour resolution as the kernel does it on sending: the entry `ip neigh` already has, else
 * who answers ARP on the link behind the device (a veth's peer, a bridge's broadcast domain, a
 * NIC's segment, a macvlan's parent), with the entry the answer leaves.
 */

import { knownNeighbour } from './linkLayer';
import { deviceOf, lookupRoute } from './routing';
import type { Dataplane, Device, NetNamespace, Neighbour } from './types';

/** Who answers ARP for `ip` on the link behind `dev`, with the entry `ip neigh` would then show. */
export function resolveNeighbour(dp: Dataplane, ns: NetNamespace, dev: Device, ip: string): { mac: string; entry: Neighbour; byArp: boolean } | undefined {
  const known = knownNeighbour(ns, dev.name, ip);
  if (known?.lladdr) return { mac: known.lladdr, entry: known, byArp: false };
  const answer = arpAnswer(dp, ns, dev, ip);
  if (!answer) return undefined;
  return { mac: answer, entry: { ip, dev: dev.name, lladdr: answer, state: 'REACHABLE', proxy: false }, byArp: true };
}

function hasAddress(d: Device, ip: string): boolean {
  return d.addresses.some((a) => a.address === ip);
}

function arpAnswer(dp: Dataplane, ns: NetNamespace, dev: Device, ip: string): string | undefined {
  switch (dev.kind) {
    case 'veth': {
      const peerNs = dp.namespace(dev.peerNetns);
      const peer = peerNs && deviceOf(peerNs, dev.peerDevice);
      if (!peerNs || !peer) return undefined;
      if (peer.master) {
        const bridge = deviceOf(peerNs, peer.master);
        return bridge ? bridgeDomainAnswer(dp, peerNs, bridge, ip) : undefined;
      }
      if (hasAddress(peer, ip)) return peer.mac;
      // proxy_arp: the peer answers for any address it routes somewhere other than back out this link.
      if (peer.proxyArp) {
        const r = lookupRoute(peerNs, ip);
        if (r && r.dev !== peer.name && r.type === 'unicast') return peer.mac;
      }
      return undefined;
    }
    case 'bridge':
      return bridgeDomainAnswer(dp, ns, dev, ip);
    case 'physical': {
      if (!dev.segment) return undefined;
      // A device on the segment configured with the address answers; failing that, the fabric
      // answers for an address it delivers to a device (the VPC for an ENI's secondary IP).
      for (const owner of [dp.ownerOf(ip), dp.fabricOwnerOf?.(ip)]) {
        const ons = owner && dp.namespace(owner.netns);
        const od = ons && deviceOf(ons, owner.device);
        if (od && segmentOfDevice(dp, od) === dev.segment) return od.mac;
      }
      return undefined;
    }
    case 'macvlan': {
      // Bridge mode: a sibling macvlan of the same parent answers inside the parent; the parent
      // itself never hears its macvlans; anything else answers on the parent's segment.
      const owner = dp.ownerOf(ip);
      const ons = owner && dp.namespace(owner.netns);
      const od = ons && deviceOf(ons, owner.device);
      if (od?.kind === 'macvlan' && od.masterNetns === dev.masterNetns && od.masterDevice === dev.masterDevice) return dev.mode === 'bridge' ? od.mac : undefined;
      if (owner?.netns === dev.masterNetns && owner.device === dev.masterDevice) return undefined;
      const parentNs = dp.namespace(dev.masterNetns);
      const parent = parentNs && deviceOf(parentNs, dev.masterDevice);
      return parent?.kind === 'physical' && parentNs ? arpAnswer(dp, parentNs, parent, ip) : undefined;
    }
    default:
      return undefined;
  }
}

/** The underlay segment a device's frames appear on: a NIC's own, or a macvlan's parent's. */
export function segmentOfDevice(dp: Dataplane, d: Device): string | undefined {
  if (d.kind === 'physical') return d.segment;
  if (d.kind !== 'macvlan') return undefined;
  const parentNs = dp.namespace(d.masterNetns);
  const parent = parentNs && deviceOf(parentNs, d.masterDevice);
  return parent?.kind === 'physical' ? parent.segment : undefined;
}

/**
 * ARP on a bridge's broadcast domain: the bridge itself, a pod behind one of its ports, or anything
 * the broadcast reaches beyond a port: a veth into another bridge, a vxlan port to the peers its
 * FDB names, a port read by a daemon that relays to its peers (weave's one L2 network over nodes).
 */
function bridgeDomainAnswer(dp: Dataplane, ns: NetNamespace, bridge: Device, ip: string, visited: Set<string> = new Set()): string | undefined {
  if (bridge.kind !== 'bridge' || visited.has(`${ns.id} ${bridge.name}`)) return undefined;
  visited.add(`${ns.id} ${bridge.name}`);
  if (hasAddress(bridge, ip)) return bridge.mac;
  // The address's owner right behind one of this bridge's ports answers without every other
  // port's namespace being built first: a node's bridge has a port for each of its pods.
  const owner = dp.ownerOf(ip);
  const ons = owner && dp.namespace(owner.netns);
  const od = ons && deviceOf(ons, owner.device);
  const port = od?.kind === 'veth' && od.peerNetns === ns.id ? deviceOf(ns, od.peerDevice) : undefined;
  if (od && port?.kind === 'veth' && port.peerNetns === ons.id && bridge.ports.includes(port.name) && hasAddress(od, ip)) return od.mac;
  const into = (where: NetNamespace | undefined, name: string | undefined): string | undefined => {
    const b = where && name ? deviceOf(where, name) : undefined;
    return b && where ? bridgeDomainAnswer(dp, where, b, ip, visited) : undefined;
  };
  for (const port of bridge.ports) {
    const d = deviceOf(ns, port);
    if (d?.kind === 'veth') {
      const peerNs = dp.namespace(d.peerNetns);
      const peer = peerNs && deviceOf(peerNs, d.peerDevice);
      if (!peerNs || !peer) continue;
      if (hasAddress(peer, ip)) return peer.mac;
      const found = peer.master ? into(peerNs, peer.master) : peer.kind === 'tun' ? relayedAnswer(dp, peerNs, peer, ip, visited) : undefined;
      if (found) return found;
    } else if (d?.kind === 'vxlan') {
      for (const e of ns.fdb) {
        if (e.dev !== d.name || !e.self || !e.dst) continue;
        const remote = dp.ownerOf(e.dst);
        const remoteNs = remote && dp.namespace(remote.netns);
        const vport = remoteNs?.devices.find((x) => x.kind === 'vxlan' && x.dstport === d.dstport && x.master);
        const found = into(remoteNs, vport?.master);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/** A broadcast a daemon relays to every peer in its lease table: answered from the peers' bridges. */
function relayedAnswer(dp: Dataplane, ns: NetNamespace, tun: Device & { kind: 'tun' }, ip: string, visited: Set<string>): string | undefined {
  for (const publicIp of new Set(tun.leases.map((l) => l.publicIp))) {
    const remote = dp.ownerOf(publicIp);
    const remoteNs = remote && remote.netns !== ns.id ? dp.namespace(remote.netns) : undefined;
    const uplink = remoteNs && daemonUplink(remoteNs, tun);
    const bridge = uplink?.master && remoteNs ? deviceOf(remoteNs, uplink.master) : undefined;
    const found = bridge && remoteNs ? bridgeDomainAnswer(dp, remoteNs, bridge, ip, visited) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** On a peer, the bridge port whose other end the same daemon reads (weave's vethwe-bridge opposite vethwe-pcap). */
export function daemonUplink(ns: NetNamespace, like: Device & { kind: 'tun' }): Device | undefined {
  const tun = ns.devices.find((x) => x.kind === 'tun' && x.daemon === like.daemon && x.port === like.port);
  return tun && ns.devices.find((x) => x.kind === 'veth' && x.peerNetns === ns.id && x.peerDevice === tun.name);
}
