/**
 * The walk: a packet moved through namespaces as the kernel moves it. In each namespace it meets
 * netfilter (PREROUTING, INPUT/FORWARD, OUTPUT, POSTROUTING, host namespaces only), the routing
 * decision, the TTL decrement of forwarding, neighbour resolution and the device's own behaviour
 * (veth to its peer, bridge by FDB, VXLAN/IPIP/flanneld encapsulation); each link it crosses is a
 * hop with the header stack a capture there would show.
 */

import { bridgeForward, bridgedDnat } from './bridging';
import type { ConntrackEntry } from './conntrack';
import { resolveNeighbour, daemonUplink, segmentOfDevice } from '../dataplane/neighbour';
import { deviceOf, isLocalAddress, lookupPolicyRoute, sourceAddressFor, lookupRoute } from '../dataplane/routing';
import type { Device, NetNamespace, Route } from '../dataplane/types';
import { runHook } from './netfilterStep';
import { headerStack, type Encapsulation, type Packet } from './packet';
import { checkPolicy, egressGate } from './policyGate';
import { neighbourStep, note, routeStep } from './steps';
import { encapsulate, findTunnelFor, isTunnelTraffic } from './tunnels';
import type { Disposition, EthHeader, Hop, Ipv4Header, Step, Trace } from './types';
import { after, finish, isOutcome, type Crossing, type Outcome, type Position, type Sender, type WalkContext, type WalkState } from './walkState';

const MAX_NAMESPACE_VISITS = 64;

function deliver(state: WalkState, pos: Position, p: Packet, steps: Step[]): Outcome {
  const ctx = state.ctx;
  const pod = pos.ns.kind === 'pod' ? ctx.podByIp.get(p.dst) : undefined;
  if (pod && state.reverse === undefined) {
    const denied = checkPolicy(ctx, 'ingress', p, steps);
    if (denied) return denied;
  }
  const who = pod ? `${pod.name}/${pod.containers.map((c) => c.name).join(',') || pod.name}` : pos.ns.kind === 'host' ? `host ${pos.ns.node}` : pos.ns.label;
  const what = p.proto === 'icmp' ? `${p.dst} ${p.icmpType}` : `${p.dst}:${p.dport}/${p.proto}`;
  steps.push({ kind: 'deliver', to: `${what} (${who})` });
  state.delivered = { packet: p, ns: pos.ns };
  return finish('DELIVERED', steps);
}

/** A frame handed to a device: where it comes out (next namespace and device), with any extra hop a bridge adds. */
function receive(state: WalkState, ns: NetNamespace, dev: Device, eth: EthHeader, p: Packet, encap: Encapsulation | undefined): Outcome | Crossing {
  const dp = state.ctx.dataplane;
  switch (dev.kind) {
    case 'veth': {
      const peerNs = dp.namespace(dev.peerNetns);
      const peer = peerNs && deviceOf(peerNs, dev.peerDevice);
      if (!peerNs || !peer) return finish('DROPPED', [note(`${dev.name}'s peer ${dev.peerNetns} ${dev.peerDevice} does not exist`)]);
      if (!peer.master) return { next: { ns: peerNs, inDev: peer.name, packet: p }, hops: [] };
      const bridge = deviceOf(peerNs, peer.master);
      if (bridge?.kind !== 'bridge') return finish('DROPPED', [note(`bridge ${peer.master} missing`)]);
      return bridgeForward(state, peerNs, bridge, peer.name, eth, p, encap);
    }
    case 'bridge':
      return bridgeForward(state, ns, dev, dev.name, eth, p, encap);
    case 'macvlan': {
      // The frame leaves by the parent: to a sibling macvlan inside it (bridge mode), else onto the parent's segment.
      const segment = segmentOfDevice(dp, dev);
      const owner = segment ? dp.onSegment(segment, eth.dst) : undefined;
      if (!owner) return finish('EXITS_CLUSTER', [note(`${eth.dst} is not a host this topology models; the frame leaves by ${dev.masterDevice} on ${segment ?? dev.masterDevice}`)]);
      const ons = dp.namespace(owner.netns);
      if (!ons) return finish('DROPPED', [note(`no namespace ${owner.netns}`)]);
      return { next: { ns: ons, inDev: owner.device, packet: p }, hops: [] };
    }
    case 'physical': {
      const owner = dev.segment ? dp.onSegment(dev.segment, eth.dst) : undefined;
      if (!owner) return finish('EXITS_CLUSTER', [note(`${eth.dst} is not a host this topology models; the frame leaves on ${dev.segment ?? dev.name}`)]);
      const ons = dp.namespace(owner.netns);
      if (!ons) return finish('DROPPED', [note(`no namespace ${owner.netns}`)]);
      return { next: { ns: ons, inDev: owner.device, packet: p, ...(encap ? { encap } : {}) }, hops: [] };
    }
    default:
      return finish('DROPPED', [note(`the walk cannot send a frame on ${dev.kind} device ${dev.name}`)]);
  }
}

/** One namespace: hooks, routing, then out a device. */
function step(state: WalkState, pos: Position): Outcome | Crossing {
  const ns = pos.ns;
  const p = pos.packet;

  // An encapsulated packet addressed to this host is decapsulated and re-enters by the tunnel device.
  if (pos.encap) {
    const outer = pos.encap.outer;
    if (!isLocalAddress(ns, outer.dst)) return finish('DROPPED', [note(`outer destination ${outer.dst} is not local to ${ns.node}`)]);
    const tunnel = findTunnelFor(ns, pos.encap);
    if (!tunnel) return finish('DROPPED', [note(`${ns.node} has no ${pos.encap.kind} device to decapsulate this packet`)]);
    const kind = pos.encap.kind === 'udp' ? 'udp' : pos.encap.kind;
    const decap: Step[] = [{ kind: 'decap', tunnel: kind, device: tunnel.name }];
    if (pos.encap.kind === 'udp') decap.push(note(`flanneld reads UDP ${pos.encap.dport} in userspace and writes the inner packet to ${tunnel.name}`));
    // A frame, not a packet, came out: it is switched by the bridge the tunnel's frames enter.
    if (pos.encap.kind === 'sleeve' || (pos.encap.kind === 'vxlan' && tunnel.master)) {
      const intoBridge = tunnel.kind === 'tun' ? daemonUplink(ns, tunnel) : tunnel;
      const bridge = intoBridge?.master ? deviceOf(ns, intoBridge.master) : undefined;
      if (!intoBridge || bridge?.kind !== 'bridge') return finish('DROPPED', [...decap, note(`${tunnel.name}'s frames enter no bridge on ${ns.node}`)]);
      if (tunnel.kind === 'tun') decap.push(note(`${tunnel.daemon} receives UDP ${pos.encap.dport} in userspace and injects the frame into ${tunnel.name}`));
      return bridgeForward(state, ns, bridge, intoBridge.name, pos.encap.innerEth, p, undefined, decap);
    }
    return pipeline(state, { ns, inDev: tunnel.name, packet: p }, decap);
  }
  return pipeline(state, pos, []);
}

/**
 * The packet's way through one namespace, as the kernel takes it: PREROUTING (or, sent from here,
 * the route and OUTPUT), the routing decision, INPUT and delivery or FORWARD with the TTL, then
 * POSTROUTING and out a device. Its packet is `at`'s; each rewrite makes a new one, carried on in
 * the crossing it returns.
 */
function pipeline(st: WalkState, at: Position, pre: readonly Step[]): Outcome | Crossing {
  const ns = at.ns;
  const isOrigin = at.inDev === undefined;
  let p = at.packet;
  const s: Step[] = [...pre];
  if (!isOrigin) {
    const before = p.dst;
    const r = runHook(st, at, 'PREROUTING', p, s, { in: at.inDev! });
    if (isOutcome(r)) return r;
    p = r;
    if (at.bridged && p.dst !== before) {
      const bridged = bridgedDnat(st, at, at.bridged, p, s);
      if (bridged) return bridged;
    }
  }
  const routeFor = (q: Packet) => lookupPolicyRoute(ns, { src: q.src, dst: q.dst, mark: st.mark, iif: at.inDev ?? 'lo' });
  let chosen = routeFor(p);
  if (!chosen) return finish('NO_ROUTE', [...s, note(`no route to ${p.dst} in ${ns.label} on ${ns.node}`)]);
  // An unbound socket takes the route's preferred source: a pod sending out net1 uses net1's address.
  if (isOrigin && ns.kind === 'pod' && st.reverse === undefined && chosen.route.type === 'unicast') {
    const preferred = sourceAddressFor(ns, chosen.route);
    if (preferred && preferred !== p.src) p = { ...p, src: preferred };
  }
  if (isOrigin) {
    const r = runHook(st, at, 'OUTPUT', p, s, { out: chosen.route.dev ?? '' });
    if (isOutcome(r)) return r;
    if (r.dst !== p.dst) {
      p = r;
      chosen = routeFor(p);
      if (!chosen) return finish('NO_ROUTE', [...s, note(`no route to ${p.dst} after DNAT`)]);
    }
    p = r;
  }
  const route = chosen.route;
  s.push(routeStep(route, ns, chosen.rule));
  if (route.type === 'local') {
    if (!isOrigin) {
      const r = runHook(st, at, 'INPUT', p, s, { in: at.inDev! });
      if (isOutcome(r)) return r;
      // IPVS took the packet at LOCAL_IN and sends it on to the real server itself (ip_vs_nat_xmit):
      // routed anew with its TTL decremented, never through FORWARD, then POSTROUTING, where
      // kube-proxy's MASQUERADE meets packets it marked in PREROUTING.
      if (r.dst !== p.dst) {
        p = r;
        const onward = routeFor(p)?.route;
        if (!onward || onward.type !== 'unicast') return finish('NO_ROUTE', [...s, note(`IPVS: no route to real server ${p.dst} on ${ns.node}`)]);
        s.push(routeStep(onward, ns));
        if (p.ttl <= 1) return finish('TTL_EXCEEDED', [...s, note(`TTL ${p.ttl} expires here; IPVS answers ICMP time exceeded`)]);
        s.push({ kind: 'ttl', from: p.ttl, to: p.ttl - 1 });
        p = { ...p, ttl: p.ttl - 1 };
        const out = runHook(st, at, 'POSTROUTING', p, s, { in: at.inDev!, out: onward.dev ?? '' });
        if (isOutcome(out)) return out;
        return transmit(st, ns, at.inDev, onward, out, s);
      }
      p = r;
    }
    const tunnelOuter = isTunnelTraffic(ns, p);
    if (tunnelOuter) return finish('DELIVERED', [...s, note(tunnelOuter)]);
    return deliver(st, at, p, s);
  }
  if (route.type !== 'unicast') {
    const disposition: Disposition = route.type === 'blackhole' ? 'DROPPED' : route.type === 'prohibit' ? 'REJECTED' : 'NO_ROUTE';
    return finish(disposition, [...s, note(`${route.type} route: the kernel discards the packet`)]);
  }
  if (!isOrigin) {
    if (!ns.ipForward) return finish('DROPPED', [...s, note(`net.ipv4.ip_forward is 0 in ${ns.label}: not a router`)]);
    if (p.ttl <= 1) return finish('TTL_EXCEEDED', [...s, note(`TTL ${p.ttl} expires here; the kernel answers ICMP time exceeded`)]);
    s.push({ kind: 'ttl', from: p.ttl, to: p.ttl - 1 });
    p = { ...p, ttl: p.ttl - 1 };
    const r = runHook(st, at, 'FORWARD', p, s, { in: at.inDev!, out: route.dev ?? '' });
    if (isOutcome(r)) return r;
    p = r;
  }
  // Egress policy is decided where the pod's traffic first meets its node (after any DNAT).
  if (ns.kind === 'host') {
    const denied = egressGate(st, p, s);
    if (denied) return denied;
  }
  const r = runHook(st, at, 'POSTROUTING', p, s, { ...(isOrigin ? {} : { in: at.inDev! }), out: route.dev ?? '' });
  if (isOutcome(r)) return r;
  p = r;
  return transmit(st, ns, at.inDev, route, p, s);
}

function mtuExceeded(p: Packet | Ipv4Header, dev: Device, steps: Step[]): Outcome | undefined {
  if (p.length > dev.mtu && p.df) return finish('DROPPED', [...steps, note(`${p.length}-byte packet with DF exceeds ${dev.name} mtu ${dev.mtu}: ICMP fragmentation needed (mtu ${dev.mtu})`)]);
  return undefined;
}

/** Sends out the route's device; encapsulating devices add the outer packet and send that. */
function transmit(state: WalkState, ns: NetNamespace, inDev: string | undefined, route: Route, p: Packet, steps: Step[]): Outcome | Crossing {
  const dev = route.dev ? deviceOf(ns, route.dev) : undefined;
  if (!dev) return finish('NO_ROUTE', [...steps, note(`route has no usable device`)]);
  if (!dev.up) return finish('DROPPED', [...steps, note(`${dev.name} is down`)]);
  const nextHop = route.via ?? p.dst;
  switch (dev.kind) {
    case 'vxlan':
    case 'ipip':
    case 'tun': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const encap = encapsulate(state.ctx.dataplane, ns, dev, nextHop, p, steps);
      return isOutcome(encap) ? encap : sendOuter(state, ns, inDev, p, encap, steps);
    }
    case 'veth':
    case 'physical':
    case 'bridge':
    case 'macvlan': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const neigh = resolveNeighbour(state.ctx.dataplane, ns, dev, nextHop);
      if (!neigh) {
        if (!state.ctx.dataplane.ownerOf(nextHop) && (dev.kind === 'physical' || dev.kind === 'macvlan')) {
          return finish('EXITS_CLUSTER', [...steps, note(`next hop ${nextHop} is outside the topology; the packet leaves ${ns.node} on ${dev.name}`)]);
        }
        return finish('DROPPED', [...steps, note(`no ARP reply for ${nextHop} on ${dev.name}: host unreachable`)]);
      }
      steps.push(neighbourStep(neigh));
      const eth: EthHeader = { layer: 'eth', src: dev.mac ?? '', dst: neigh.mac, type: 'IPv4' };
      return emit(state, ns, inDev, dev, eth, p, undefined, steps);
    }
    case 'loopback':
      return finish('DELIVERED', [...steps, { kind: 'deliver', to: `${p.dst} on lo` }]);
    case 'dummy':
      return finish('DROPPED', [...steps, note(`the walk does not model sending on ${dev.kind} ${dev.name}`)]);
  }
}

/** The outer packet is a local packet of this namespace: routed, through OUTPUT/POSTROUTING, onto the underlay. */
function sendOuter(state: WalkState, ns: NetNamespace, inDev: string | undefined, inner: Packet, encap: Encapsulation, steps: Step[]): Outcome | Crossing {
  const route = lookupRoute(ns, encap.outer.dst);
  if (!route?.dev) return finish('NO_ROUTE', [...steps, note(`no route to tunnel endpoint ${encap.outer.dst}`)]);
  steps.push(routeStep(route, ns));
  const dev = deviceOf(ns, route.dev);
  if (!dev || (dev.kind !== 'physical' && dev.kind !== 'bridge' && dev.kind !== 'veth')) return finish('DROPPED', [...steps, note(`tunnel endpoint ${encap.outer.dst} is not reached over an Ethernet device`)]);
  if (encap.outer.length > dev.mtu && encap.outer.df) return finish('DROPPED', [...steps, note(`outer packet of ${encap.outer.length} bytes with DF exceeds ${dev.name} mtu ${dev.mtu}`)]);
  const nextHop = route.via ?? encap.outer.dst;
  const neigh = resolveNeighbour(state.ctx.dataplane, ns, dev, nextHop);
  if (!neigh) return finish('EXITS_CLUSTER', [...steps, note(`tunnel next hop ${nextHop} is outside the topology`)]);
  steps.push(neighbourStep(neigh));
  const eth: EthHeader = { layer: 'eth', src: dev.mac ?? '', dst: neigh.mac, type: 'IPv4' };
  return emit(state, ns, inDev, dev, eth, inner, encap, steps);
}

function emit(state: WalkState, ns: NetNamespace, inDev: string | undefined, dev: Device, eth: EthHeader, p: Packet, encap: Encapsulation | undefined, steps: Step[]): Outcome | Crossing {
  const hop: Hop = { node: ns.node, netns: ns.label, ref: ns.ref, ...(inDev ? { in: inDev } : {}), out: dev.name, headers: headerStack(eth, p, encap), steps };
  const received = after(hop, receive(state, ns, dev, eth, p, encap));
  if ('done' in received) return received;
  return { next: received.next, hops: [...received.hops] };
}

const send: Sender = { transmit, sendOuter };

export interface WalkStart {
  readonly ns: NetNamespace;
  readonly packet: Packet;
}

/** Walks from `start` until a disposition; `reverse` makes it a reply leg undoing the request's NAT. */
export function walk(ctx: WalkContext, start: WalkStart, reverse?: readonly ConntrackEntry[]): WalkResult {
  const state: WalkState = { ctx, send, hops: [], seen: new Set(), conntrack: [], ...(reverse ? { reverse } : {}), egressChecked: false, mark: 0 };
  let pos: Position = { ns: start.ns, packet: start.packet };
  for (let visits = 0; ; visits++) {
    // Keyed without the TTL, so a routing loop is named as one before the TTL runs out.
    const key = `${pos.ns.id}|${pos.inDev ?? ''}|${pos.packet.src}|${pos.packet.dst}|${pos.packet.sport}|${pos.packet.dport}|${pos.encap ? 'e' : ''}`;
    if (state.seen.has(key) || visits >= MAX_NAMESPACE_VISITS) {
      return { trace: { disposition: 'LOOP', hops: state.hops, final: [note(`the packet reaches ${pos.ns.label} on ${pos.ns.node} by ${pos.inDev ?? 'origin'} a second time`)] }, conntrack: state.conntrack };
    }
    state.seen.add(key);
    const outcome = step(state, pos);
    if ('done' in outcome) {
      state.hops.push(...(outcome.hops ?? []));
      return { trace: { disposition: outcome.disposition, hops: state.hops, final: outcome.final }, conntrack: state.conntrack, ...(state.delivered ? { delivered: state.delivered } : {}) };
    }
    state.hops.push(...outcome.hops);
    pos = outcome.next;
  }
}

export interface WalkResult {
  readonly trace: Trace;
  readonly conntrack: readonly ConntrackEntry[];
  readonly delivered?: { readonly packet: Packet; readonly ns: NetNamespace };
}
