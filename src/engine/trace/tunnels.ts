/**
 * Tunnels: the outer packet each encapsulating device or daemon builds (VXLAN, IPIP, flanneld's
 * UDP, weave's vxlan vport and sleeve), and on the far side the device that takes it back.
 */

import { resolveNeighbour } from '../dataplane/neighbour';
import { remoteEntry } from '../dataplane/linkLayer';
import { lookupRoute, sourceAddressFor } from '../dataplane/routing';
import type { Dataplane, Device, NetNamespace, TunLease } from '../dataplane/types';
import { ipToNum, parsePrefix, prefixContains } from '../net/ipv4';
import { formatFdb } from '../render/fdb';
import { DEFAULT_TTL, type Encapsulation, type Packet, vxlanSourcePort } from './packet';
import { neighbourStep, note } from './steps';
import type { EthHeader, Ipv4Header, Step } from './types';
import { finish, type Outcome } from './walkState';

/** UDP and IPv4 (28), weave's packet prefix (6), frame header (14), the frame's Ethernet header (14). */
const SLEEVE_OVERHEAD = 62;

function outerHeader(src: string, dst: string, proto: 'udp' | 'ipip', length: number, ttl: number, df: boolean): Ipv4Header {
  return { layer: 'ipv4', src, dst, ttl, proto, length, df, tos: 0 };
}

/**
 * The lease whose subnet covers `dst`, the longest where several do: the peer a userspace daemon
 * sends to. flanneld's leases are one subnet a node out of the network and never overlap, so its
 * first covering lease is this one too; weave's peers may announce nested ranges.
 */
function leaseFor(tun: Device & { kind: 'tun' }, dst: string): TunLease | undefined {
  let best: TunLease | undefined;
  let bestLength = -1;
  for (const l of tun.leases) {
    const prefix = parsePrefix(l.subnet);
    if (prefix && prefix.prefix > bestLength && prefixContains(prefix, ipToNum(dst))) {
      best = l;
      bestLength = prefix.prefix;
    }
  }
  return best;
}

/** The outer packet a routed tunnel device (vxlan, ipip, flanneld's tun) puts `p` in, for the next hop `nextHop`. */
export function encapsulate(dp: Dataplane, ns: NetNamespace, dev: Device & { kind: 'vxlan' | 'ipip' | 'tun' }, nextHop: string, p: Packet, steps: Step[]): Encapsulation | Outcome {
  switch (dev.kind) {
    case 'vxlan': {
      const neigh = resolveNeighbour(dp, ns, dev, nextHop);
      if (!neigh) return finish('DROPPED', [...steps, note(`no neighbour entry for ${nextHop} on ${dev.name} (nolearning: flanneld writes them)`)]);
      steps.push(neighbourStep(neigh));
      const fdb = remoteEntry(ns, dev.name, neigh.mac);
      if (!fdb?.dst) return finish('DROPPED', [...steps, note(`no FDB entry for ${neigh.mac} on ${dev.name}`)]);
      steps.push({ kind: 'fdb', device: dev.name, line: formatFdb(fdb) });
      steps.push({ kind: 'encap', tunnel: 'vxlan', device: dev.name, line: formatFdb(fdb) });
      steps.push(note(`outer UDP source port is the kernel's hash of the inner flow (32768-60999); ${vxlanSourcePort(p)} stands in for it`));
      const innerEth: EthHeader = { layer: 'eth', src: dev.mac ?? '', dst: neigh.mac, type: 'IPv4' };
      const outer = outerHeader(dev.local, fdb.dst, 'udp', p.length + 50, DEFAULT_TTL, false);
      return { kind: 'vxlan', outer, sport: vxlanSourcePort(p), dport: dev.dstport, vni: dev.vni, innerEth };
    }
    case 'ipip': {
      const outerRoute = lookupRoute(ns, nextHop);
      const src = dev.local ?? (outerRoute && sourceAddressFor(ns, outerRoute));
      if (!src) return finish('NO_ROUTE', [...steps, note(`no route to tunnel endpoint ${nextHop}`)]);
      steps.push({ kind: 'encap', tunnel: 'ipip', device: dev.name });
      // tunl0 has ttl inherit and no pmtudisc of its own: the outer TTL and DF follow the inner packet.
      return { kind: 'ipip', outer: outerHeader(src, nextHop, 'ipip', p.length + 20, p.ttl, p.df) };
    }
    case 'tun': {
      const lease = leaseFor(dev, p.dst);
      if (!lease) return finish('DROPPED', [...steps, note(`${dev.daemon} has no lease covering ${p.dst}`)]);
      steps.push(note(`${dev.daemon} reads the packet from ${dev.name} in userspace; lease ${lease.subnet} is at ${lease.publicIp}`));
      steps.push({ kind: 'encap', tunnel: 'udp', device: dev.name, line: `${lease.subnet} -> ${lease.publicIp}` });
      const outerRoute = lookupRoute(ns, lease.publicIp);
      const src = outerRoute && sourceAddressFor(ns, outerRoute);
      if (!src) return finish('NO_ROUTE', [...steps, note(`no route to ${lease.publicIp}`)]);
      return { kind: 'udp', outer: outerHeader(src, lease.publicIp, 'udp', p.length + 28, DEFAULT_TTL, true), sport: dev.port, dport: dev.port };
    }
  }
}

/**
 * A frame switched to a vxlan port whose VNI is chosen per destination (weave's vxlan vport in the
 * Open vSwitch datapath): the port's FDB entry for the MAC gives the peer and the VNI, and the
 * whole frame, its Ethernet header unchanged, goes in VXLAN to that peer.
 */
export function vportEncap(ns: NetNamespace, port: Device & { kind: 'vxlan' }, eth: EthHeader, p: Packet, steps: Step[]): Encapsulation | Outcome {
  const fdb = remoteEntry(ns, port.name, eth.dst, true);
  if (!fdb?.dst) return finish('DROPPED', [...steps, note(`no FDB entry for ${eth.dst} on ${port.name}`)]);
  const vni = fdb.vni ?? port.vni;
  steps.push({ kind: 'fdb', device: port.name, line: formatFdb(fdb) });
  steps.push({ kind: 'encap', tunnel: 'vxlan', device: port.name, line: formatFdb(fdb) });
  steps.push(note(`outer UDP source port is the kernel's hash of the inner flow (32768-60999); ${vxlanSourcePort(p)} stands in for it`));
  const outer = outerHeader(port.local, fdb.dst, 'udp', p.length + 50, DEFAULT_TTL, false);
  return { kind: 'vxlan', outer, sport: vxlanSourcePort(p), dport: port.dstport, vni, innerEth: eth };
}

/**
 * Weave's sleeve: weaver reads the frame from its pcap port in userspace, finds the peer that has
 * the destination, and sends the frame in UDP from port 6783 to the peer's 6783, prefixed by the
 * sender's peer name (6 bytes) and the frame's source and destination peer names and length
 * (6 + 6 + 2): 62 bytes more than the inner IPv4 packet with UDP, IPv4 and the frame's Ethernet
 * header. Frames with DF go by weaver's raw socket with DF set (router/sleeve.go).
 */
export function sleeveEncap(ns: NetNamespace, tun: Device & { kind: 'tun' }, eth: EthHeader, p: Packet, steps: Step[]): Encapsulation | Outcome {
  const lease = leaseFor(tun, p.dst);
  if (!lease) return finish('DROPPED', [...steps, note(`${tun.daemon} knows no peer with ${eth.dst} (${p.dst})`)]);
  steps.push(note(`${tun.daemon} reads the frame from ${tun.name} by pcap in userspace; ${eth.dst} is at the peer ${lease.publicIp} (${lease.subnet})`));
  steps.push({ kind: 'encap', tunnel: 'sleeve', device: tun.name, line: `${lease.subnet} -> ${lease.publicIp}` });
  const outerRoute = lookupRoute(ns, lease.publicIp);
  const src = outerRoute && sourceAddressFor(ns, outerRoute);
  if (!src) return finish('NO_ROUTE', [...steps, note(`no route to ${lease.publicIp}`)]);
  const outer = outerHeader(src, lease.publicIp, 'udp', p.length + SLEEVE_OVERHEAD, DEFAULT_TTL, p.df);
  return { kind: 'sleeve', outer, sport: tun.port, dport: tun.port, innerEth: eth };
}

/** The tunnel device that takes this encapsulated packet. */
export function findTunnelFor(ns: NetNamespace, encap: Encapsulation): Device | undefined {
  return ns.devices.find((d) => {
    switch (encap.kind) {
      case 'vxlan':
        // A bridge port with VNI 0 takes its VNI per FDB entry (weave's vport): it accepts any.
        return d.kind === 'vxlan' && d.dstport === encap.dport && (d.vni === encap.vni || (d.vni === 0 && d.master !== undefined));
      case 'ipip':
        return d.kind === 'ipip';
      case 'udp':
      case 'sleeve':
        return d.kind === 'tun' && d.port === encap.dport;
    }
  });
}

/** A packet to a tunnel port that carries no tunnel payload (a probe of the port itself). */
export function isTunnelTraffic(ns: NetNamespace, p: Packet): string | undefined {
  if (p.proto !== 'udp') return undefined;
  const d = ns.devices.find((x) => (x.kind === 'vxlan' && x.dstport === p.dport) || (x.kind === 'tun' && x.port === p.dport));
  return d ? `UDP ${p.dport} is ${d.name}'s tunnel socket` : undefined;
}

