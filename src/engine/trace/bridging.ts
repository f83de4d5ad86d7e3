/**
 * Bridging: a Linux bridge forwarding by its FDB (flooding an unknown unicast), hairpin mode, and
 * br_netfilter, which runs the IPv4 hooks on frames bridged between ports, including its bridged
 * DNAT and a promiscuous bridge's copy passed up to its own stack.
 */

import { isBridgeOwnMac, bridgePortEntry } from '../dataplane/linkLayer';
import { resolveNeighbour } from '../dataplane/neighbour';
import { deviceOf, isLocalAddress, lookupPolicyRoute } from '../dataplane/routing';
import type { Device, NetNamespace } from '../dataplane/types';
import { formatFdb } from '../render/fdb';
import { runHook } from './netfilterStep';
import { headerStack, type Encapsulation, type Packet } from './packet';
import { egressGate } from './policyGate';
import { neighbourStep, note, routeStep } from './steps';
import { sleeveEncap, vportEncap } from './tunnels';
import type { EthHeader, Hop, Step } from './types';
import { after, finish, isOutcome, type BridgedFrame, type Crossing, type Outcome, type Position, type WalkState } from './walkState';

/**
 * Bridge forwarding: to the bridge itself (its own MAC), or out the port its FDB names.
 * `prerouted`: br_netfilter's PREROUTING has run already (a bridged DNAT), FORWARD and POSTROUTING not.
 */
export function bridgeForward(state: WalkState, ns: NetNamespace, bridge: Device & { kind: 'bridge' }, inPort: string, eth: EthHeader, p: Packet, encap: Encapsulation | undefined, pre: readonly Step[] = [], prerouted = false): Outcome | Crossing {
  if (eth.dst === bridge.mac || isBridgeOwnMac(ns, bridge.name, eth.dst)) {
    const bridged = inPort !== bridge.name && !encap ? { bridged: { port: inPort, eth } } : {};
    return { next: { ns, inDev: bridge.name, packet: p, ...bridged }, hops: [] };
  }
  const steps: Step[] = [...pre];
  const brNetfilter = !encap && inPort !== bridge.name && !isOvsDatapath(ns, bridge);
  if (brNetfilter && !prerouted) {
    const hooked = bridgedHooks(state, ns, bridge, p, steps, ['PREROUTING']);
    if (isOutcome(hooked)) return hooked;
    p = hooked;
  }
  const entry = bridgePortEntry(ns, bridge.name, eth.dst);
  let outPort = entry?.dev;
  if (entry) steps.push({ kind: 'fdb', device: bridge.name, line: formatFdb(entry) });
  else {
    // Unknown unicast floods every port; only the port whose pod owns the MAC takes it.
    outPort = bridge.ports.find((port) => {
      const d = deviceOf(ns, port);
      if (d?.kind !== 'veth' || port === inPort) return false;
      const pns = state.ctx.dataplane.namespace(d.peerNetns);
      return pns && deviceOf(pns, d.peerDevice)?.mac === eth.dst;
    });
  }
  if (!outPort) return finish('DROPPED', [...steps, note(`no port of ${bridge.name} leads to ${eth.dst}`)]);
  steps.splice(entry ? steps.length - 1 : steps.length, 0, { kind: 'bridge', bridge: bridge.name, inPort, outPort, decision: entry ? 'fdb' : 'flood' });
  const port = deviceOf(ns, outPort);
  // A bridge sends a frame back out the port it came in by only with hairpin mode on that port.
  if (outPort === inPort && !(port?.kind === 'veth' && port.hairpin)) {
    const dropped = [...steps, note(`${bridge.name} does not send a frame back out ${inPort}, the port it came in by: hairpin mode is off on ${inPort}`)];
    return bridge.promisc && prerouted ? promiscuousCopy(state, ns, bridge, p, dropped) : finish('DROPPED', dropped);
  }
  if (port?.kind === 'vxlan' && !encap) {
    const outer = vportEncap(ns, port, eth, p, steps);
    return isOutcome(outer) ? outer : state.send.sendOuter(state, ns, inPort, p, outer, steps);
  }
  if (port?.kind !== 'veth') return finish('DROPPED', [note(`${outPort} is not a veth`)]);
  if (brNetfilter) {
    const hooked = bridgedHooks(state, ns, bridge, p, steps, ['FORWARD', 'POSTROUTING']);
    if (isOutcome(hooked)) return hooked;
    p = hooked;
  }
  const hop: Hop = { node: ns.node, netns: ns.label, ref: ns.ref, in: inPort, out: outPort, headers: headerStack(eth, p, encap), steps };
  const peerNs = state.ctx.dataplane.namespace(port.peerNetns);
  if (!peerNs) return finish('DROPPED', [note(`no namespace ${port.peerNetns}`)]);
  const peer = deviceOf(peerNs, port.peerDevice);
  // The port's veth leads into another bridge (weave's vethwe-bridge into the datapath), or to a
  // device a daemon reads frames from (weave sleeve's vethwe-pcap).
  if (peer?.master && !encap) {
    const next = deviceOf(peerNs, peer.master);
    if (next?.kind !== 'bridge') return after(hop, finish('DROPPED', [note(`bridge ${peer.master} missing`)]));
    return after(hop, bridgeForward(state, peerNs, next, peer.name, eth, p, undefined));
  }
  if (peer?.kind === 'tun' && !encap) {
    const sleeve: Step[] = [];
    const outer = sleeveEncap(peerNs, peer, eth, p, sleeve);
    return after(hop, isOutcome(outer) ? outer : state.send.sendOuter(state, peerNs, peer.name, p, outer, sleeve));
  }
  return { next: { ns: peerNs, inDev: port.peerDevice, packet: p }, hops: [hop] };
}

/**
 * br_netfilter (bridge-nf-call-iptables=1, which kube-proxy and flannel require) runs the IPv4
 * hooks for every frame a Linux bridge forwards from one port to another: PREROUTING as the frame
 * enters (before the FDB decides its port), FORWARD and POSTROUTING as it leaves, with the bridge as in and out device (`-i cni0
 * -o cni0`; only `-m physdev` sees the ports) and never INPUT (seen on the kernel:
 * docs/kernel-facts.md). TTL and MACs stay as they are; a drop there ends the walk, a reply is
 * un-DNATed by conntrack on its way through. Frames the bridge's own stack sends out are not
 * bridged, so they meet no hook here.
 */
function bridgedHooks(state: WalkState, ns: NetNamespace, bridge: Device & { kind: 'bridge' }, p: Packet, steps: Step[], hooks: readonly ('PREROUTING' | 'FORWARD' | 'POSTROUTING')[]): Packet | Outcome {
  const pos: Position = { ns, inDev: bridge.name, packet: p };
  for (const hook of hooks) {
    // Egress policy is decided where the pod's traffic first meets its node, here before it leaves.
    if (hook === 'POSTROUTING') {
      const denied = egressGate(state, p, steps);
      if (denied) return denied;
    }
    const next = runHook(state, pos, hook, p, steps, hook === 'PREROUTING' ? { in: bridge.name } : { in: bridge.name, out: bridge.name });
    if (isOutcome(next)) return next;
    p = next;
  }
  return p;
}

/**
 * Weave's fast datapath is the kernel's Open vSwitch datapath, shown as a bridge with a vxlan
 * vport that takes its VNI per FDB entry (VNI 0): not a Linux bridge, so br_netfilter never sees it.
 */
function isOvsDatapath(ns: NetNamespace, bridge: Device & { kind: 'bridge' }): boolean {
  return bridge.ports.some((port) => {
    const d = deviceOf(ns, port);
    return d?.kind === 'vxlan' && d.vni === 0;
  });
}

/**
 * br_netfilter's bridged DNAT (`br_nf_pre_routing_finish`): when nat PREROUTING, run on a frame a
 * port sent up to the bridge, rewrites the destination to an address routed back out that same
 * bridge, the packet is not routed. It is bridged on to the new destination: TTL and source MAC
 * unchanged, the destination MAC from the host's neighbour entry, through FORWARD and POSTROUTING
 * in and out of the bridge, never INPUT (seen on the kernel: docs/kernel-facts.md). Undefined
 * when the new destination is routed elsewhere, which is then an ordinary forward.
 */
export function bridgedDnat(state: WalkState, pos: Position, frame: BridgedFrame, p: Packet, steps: Step[]): Outcome | Crossing | undefined {
  const ns = pos.ns;
  const chosen = lookupPolicyRoute(ns, { src: p.src, dst: p.dst, mark: state.mark, iif: pos.inDev! });
  const route = chosen?.route;
  const bridge = route?.dev ? deviceOf(ns, route.dev) : undefined;
  if (!route || route.type !== 'unicast' || route.dev !== pos.inDev || bridge?.kind !== 'bridge' || !ns.ipForward) return undefined;
  steps.push(routeStep(route, ns));
  steps.push(note(`br_netfilter: ${p.dst} is routed back out ${bridge.name}, the bridge the frame came in by, so the frame is bridged there, not routed (TTL and source MAC unchanged)`));
  const nextHop = route.via ?? p.dst;
  const neigh = resolveNeighbour(state.ctx.dataplane, ns, bridge, nextHop);
  if (!neigh) return finish('DROPPED', [...steps, note(`no ARP reply for ${nextHop} on ${bridge.name}: host unreachable`)]);
  steps.push(neighbourStep(neigh));
  // FORWARD and POSTROUTING run as the bridge sends the frame out a port, after its FDB and hairpin check.
  return bridgeForward(state, ns, bridge, frame.port, { ...frame.eth, dst: neigh.mac }, p, undefined, steps, true);
}

/**
 * A promiscuous bridge (kubenet's cbr0) also passes every frame it forwards up to its own stack
 * (`local_rcv` in `br_handle_frame_finish`), so a bridged DNAT that hairpin mode stops still has
 * that copy. br_netfilter drops the copy's conntrack entry as it goes up (`br_nf_local_in`, for
 * frames passed up because the bridge is promiscuous), and the stack does not run PREROUTING again
 * (br_netfilter's `ip_sabotage_in`): it forwards the copy on the route the DNAT chose, back out
 * the bridge, TTL decremented, through FORWARD and POSTROUTING with no conntrack entry. There it
 * is ctstate INVALID, which kube-proxy's KUBE-FORWARD drops (`--ctstate INVALID -j DROP`), and nat
 * never sees it, so nothing MASQUERADEs it. Where FORWARD lets it through, the pod receives it from
 * the bridge with its own address as source, a martian it drops. Seen on the kernel, both ways:
 * docs/kernel-facts.md.
 */
function promiscuousCopy(state: WalkState, ns: NetNamespace, bridge: Device & { kind: 'bridge' }, p: Packet, steps: Step[]): Outcome | Crossing {
  steps.push(note(`${bridge.name} is promiscuous: it also passes the frame up to its own stack, and br_netfilter drops the frame's conntrack entry as it goes`));
  const route = lookupPolicyRoute(ns, { src: p.src, dst: p.dst, mark: state.mark, iif: bridge.name })?.route;
  if (!route || route.type !== 'unicast') return finish('NO_ROUTE', [...steps, note(`no route to ${p.dst} in ${ns.label} on ${ns.node}`)]);
  steps.push(routeStep(route, ns));
  if (p.ttl <= 1) return finish('TTL_EXCEEDED', [...steps, note(`TTL ${p.ttl} expires here; the kernel answers ICMP time exceeded`)]);
  steps.push({ kind: 'ttl', from: p.ttl, to: p.ttl - 1 });
  let copy: Packet = { ...p, ttl: p.ttl - 1 };
  const pos: Position = { ns, inDev: bridge.name, packet: copy };
  for (const hook of ['FORWARD', 'POSTROUTING'] as const) {
    const r = runHook(state, pos, hook, copy, steps, { in: bridge.name, out: route.dev ?? '' }, true);
    if (isOutcome(r)) return r;
    copy = r;
  }
  const sent = state.send.transmit(state, ns, bridge.name, route, copy, steps);
  // A packet from outside whose source is the receiver's own address is a martian (fib_validate_source): dropped at routing.
  if ('done' in sent || !isLocalAddress(sent.next.ns, copy.src)) return sent;
  return { ...finish('DROPPED', [note(`${copy.src} is ${sent.next.ns.label}'s own address: the copy arrives with a martian source and is dropped at routing, unanswered`)]), hops: sent.hops };
}
