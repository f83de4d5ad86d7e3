/**
 * The walk: a packet moved through namespaces as the kernel moves it. In each namespace it meets
 * netfilter (PREROUTING, INPUT/FORWARD, OUTPUT, POSTROUTING, host namespaces only), the routing
 * decision, the TTL decrement of forwarding, neighbour resolution and the device's own behaviour
 * (veth to its peer, bridge by FDB, VXLAN/IPIP/flanneld encapsulation); each link it crosses is a
 * hop with the header stack a capture there would show.
 */

import { bridgePortEntry, isBridgeOwnMac, knownNeighbour, remoteEntry } from '../dataplane/linkLayer';
import { deviceOf, isLocalAddress, lookupPolicyRoute, lookupRoute, sourceAddressFor } from '../dataplane/routing';
import type { Dataplane, Device, NetNamespace, Neighbour, Route, TunLease } from '../dataplane/types';
import type { Pod, Protocol, Topology } from '../model/types';
import { ipToNum, parsePrefix, prefixContains } from '../net/ipv4';
import { formatFdb } from '../render/fdb';
import { formatNeighbour } from '../render/neigh';
import { formatRoute } from '../render/routes';
import { formatRule } from '../render/rules';
import type { PolicyOrigin } from '../cni/descriptor';
import type { FlowKey, NetfilterHook, PolicyHook, PolicyPeer } from './hooks';
import { DEFAULT_TTL, flowOf, headerStack, type Encapsulation, type Packet, vxlanSourcePort } from './packet';
import type { Disposition, EthHeader, Hop, Ipv4Header, NetfilterHookName, Step, Trace } from './types';

export interface WalkContext {
  readonly topology: Topology;
  readonly dataplane: Dataplane;
  readonly netfilter: NetfilterHook;
  readonly policy: PolicyHook;
  /** Pods by IP (not hostNetwork), for policy peers and delivery labels. */
  readonly podByIp: ReadonlyMap<string, Pod>;
  /** Which endpoint a load-balanced service choice follows, or the seed of a reproducible pick. */
  readonly endpointIndex?: number;
  readonly endpointSeed?: number;
}

/** A NAT conntrack remembers: the flow before and after, on the node that did it. */
export interface ConntrackEntry {
  readonly node: string;
  readonly original: FlowKey;
  readonly translated: FlowKey;
}

/** Where the packet is: a namespace, entered by `inDev` (absent where it was sent from). */
interface Position {
  readonly ns: NetNamespace;
  readonly inDev?: string;
  readonly packet: Packet;
  /** An encapsulated packet arriving on the underlay, still to be decapsulated. */
  readonly encap?: Encapsulation;
  /** A frame a bridge port sent up to the bridge itself: the port and the frame, for br_netfilter's bridged DNAT. */
  readonly bridged?: BridgedFrame;
}

interface BridgedFrame {
  readonly port: string;
  readonly eth: EthHeader;
}

interface WalkState {
  readonly ctx: WalkContext;
  readonly hops: Hop[];
  readonly seen: Set<string>;
  readonly conntrack: ConntrackEntry[];
  /** On a reply leg: the request's NAT entries, reversed where the reply meets them. */
  readonly reverse?: readonly ConntrackEntry[];
  egressChecked: boolean;
  mark: number;
  /** The packet as the destination received it, and where. */
  delivered?: { readonly packet: Packet; readonly ns: NetNamespace };
}

/** `hops`: links the packet crossed on the way to this end that are not yet in the trace (bridged links, an underlay hop). */
type Outcome = { readonly done: true; readonly disposition: Disposition; readonly final: Step[]; readonly hops?: readonly Hop[] };

/** Where a frame came out after crossing devices, with the hops it made on the way. */
type Crossing = { readonly next: Position; readonly hops: readonly Hop[] };

/** The hops of `first`, then the outcome or crossing that followed it. */
function after(first: Hop, rest: Outcome | Crossing): Outcome | Crossing {
  return { ...rest, hops: [first, ...(rest.hops ?? [])] };
}

const MAX_NAMESPACE_VISITS = 64;

function finish(disposition: Disposition, final: Step[]): Outcome {
  return { done: true, disposition, final };
}

function note(text: string): Step {
  return { kind: 'note', text };
}

function withFlow(p: Packet, f: FlowKey): Packet {
  return { ...p, src: f.src, dst: f.dst, sport: f.sport, dport: f.dport };
}

function sameFlow(a: FlowKey, b: FlowKey): boolean {
  return a.src === b.src && a.dst === b.dst && a.sport === b.sport && a.dport === b.dport && a.proto === b.proto;
}

function fmtEnd(ip: string, port: number): string {
  return port ? `${ip}:${port}` : ip;
}

function primaryAddress(ns: NetNamespace, device: string): string | undefined {
  return deviceOf(ns, device)?.addresses.find((a) => a.scope === 'global')?.address;
}

/**
 * Runs one netfilter hook in a host namespace; the packet comes back rewritten when NAT applies.
 * `noConntrackEntry`: the packet lost its conntrack entry on the way (a promiscuous bridge's copy).
 */
function runHook(state: WalkState, pos: Position, hook: NetfilterHookName, packet: Packet, steps: Step[], devices: { in?: string; out?: string }, noConntrackEntry = false): Packet | Outcome {
  if (pos.ns.kind !== 'host') return packet;
  const before = flowOf(packet);
  const isReply = state.reverse !== undefined;
  let flow = before;
  const unDnat = (f: FlowKey): FlowKey => {
    for (const e of state.reverse ?? []) {
      if (e.node !== pos.ns.node || e.original.dst === e.translated.dst || f.src !== e.translated.dst || f.dst !== e.original.src) continue;
      const after = { ...f, src: e.original.dst, sport: e.original.dport };
      steps.push({ kind: 'nat', type: 'un-DNAT', changes: { src: [fmtEnd(f.src, f.sport), fmtEnd(after.src, after.sport)] } });
      return after;
    }
    return f;
  };
  // The reply leg meets the request's NAT in conntrack: un-SNAT before routing, un-DNAT after.
  if (isReply) {
    for (const e of state.reverse!) {
      if (e.node !== pos.ns.node) continue;
      if (hook === 'PREROUTING' && e.original.src !== e.translated.src && flow.dst === e.translated.src && flow.src === e.translated.dst) {
        const after = { ...flow, dst: e.original.src, dport: e.original.sport };
        steps.push({ kind: 'nat', type: 'un-SNAT', changes: { dst: [fmtEnd(flow.dst, flow.dport), fmtEnd(after.dst, after.dport)] } });
        flow = after;
      }
    }
    if (hook === 'POSTROUTING' || hook === 'OUTPUT') flow = unDnat(flow);
  }
  const result = state.ctx.netfilter.run({
    node: pos.ns.node,
    hook,
    flow,
    mark: state.mark,
    ...(devices.in ? { inDevice: devices.in } : {}),
    ...(devices.out ? { outDevice: devices.out } : {}),
    // MASQUERADE takes the primary address of the device the packet leaves by (flannel.1's, cni0's), not the node's.
    ...(devices.out && primaryAddress(pos.ns, devices.out) ? { outDeviceAddress: primaryAddress(pos.ns, devices.out)! } : {}),
    newConnection: !isReply,
    ...(noConntrackEntry ? { noConntrackEntry } : {}),
    ...(state.ctx.endpointIndex !== undefined ? { endpointIndex: state.ctx.endpointIndex } : {}),
    ...(state.ctx.endpointSeed !== undefined ? { endpointSeed: state.ctx.endpointSeed } : {}),
    isLocalAddress: (a) => isLocalAddress(pos.ns, a),
  });
  steps.push(...result.steps);
  state.mark = result.mark;
  if (result.verdict === 'DROP') return policyDrop(state.ctx, withFlow(packet, result.flow), result.origin, steps) ?? finish('DROPPED', steps);
  if (result.verdict === 'REJECT') return finish('REJECTED', [...steps, ...(result.rejectWith ? [note(`rejected with ${result.rejectWith}`)] : [])]);
  if (!sameFlow(flow, result.flow)) {
    if (!result.steps.some((s) => s.kind === 'nat')) {
      const changes: Record<string, readonly [string, string]> = {};
      if (flow.src !== result.flow.src || flow.sport !== result.flow.sport) changes['src'] = [fmtEnd(flow.src, flow.sport), fmtEnd(result.flow.src, result.flow.sport)];
      if (flow.dst !== result.flow.dst || flow.dport !== result.flow.dport) changes['dst'] = [fmtEnd(flow.dst, flow.dport), fmtEnd(result.flow.dst, result.flow.dport)];
      steps.push({ kind: 'nat', type: changes['dst'] ? 'DNAT' : 'SNAT', changes });
    }
    state.conntrack.push({ node: pos.ns.node, original: before, translated: result.flow });
  }
  if (!sameFlow(before, result.flow)) return withFlow(packet, result.flow);
  // A reply to the node's own connection is un-DNATed on its way in, after the filter table
  // (nf_nat at LOCAL_IN, IPVS's ip_vs_reply4 just before it).
  if (isReply && hook === 'INPUT') flow = unDnat(flow);
  return flow === before ? packet : withFlow(packet, flow);
}

function isOutcome(x: Packet | Outcome): x is Outcome {
  return 'done' in x;
}

function policyPeer(ctx: WalkContext, ip: string): PolicyPeer {
  const pod = ctx.podByIp.get(ip);
  return pod ? { ip, pod: { namespace: pod.namespace, name: pod.name } } : { ip };
}

function policyProtocol(p: Packet): Protocol | undefined {
  return p.proto === 'tcp' ? 'TCP' : p.proto === 'udp' ? 'UDP' : undefined;
}

/** Evaluates NetworkPolicy; an enforced deny ends the walk. ICMP is outside NetworkPolicy's ports but still subject to isolation. */
function checkPolicy(ctx: WalkContext, direction: 'ingress' | 'egress', p: Packet, steps: Step[]): Outcome | undefined {
  const step = ctx.policy.evaluate(direction, { src: policyPeer(ctx, p.src), dst: policyPeer(ctx, p.dst), protocol: policyProtocol(p) ?? 'TCP', port: p.dport });
  steps.push(step);
  return step.verdict === 'deny' && step.enforced ? finish('DENIED', steps) : undefined;
}

/**
 * A drop by the CNI's NetworkPolicy rules (Felix's endpoint chains) is a policy verdict: DENIED,
 * with the policy step that explains it after the rule that dropped.
 */
function policyDrop(ctx: WalkContext, p: Packet, origin: PolicyOrigin | undefined, steps: Step[]): Outcome | undefined {
  if (!origin) return undefined;
  steps.push(ctx.policy.evaluate(origin.direction, { src: policyPeer(ctx, p.src), dst: policyPeer(ctx, p.dst), protocol: policyProtocol(p) ?? 'TCP', port: p.dport }));
  return finish('DENIED', steps);
}

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

/** Who answers ARP for `ip` on the link behind `dev`, with the entry `ip neigh` would then show. */
function resolveNeighbour(ctx: WalkContext, ns: NetNamespace, dev: Device, ip: string): { mac: string; entry: Neighbour; byArp: boolean } | undefined {
  const known = knownNeighbour(ns, dev.name, ip);
  if (known?.lladdr) return { mac: known.lladdr, entry: known, byArp: false };
  const answer = arpAnswer(ctx, ns, dev, ip);
  if (!answer) return undefined;
  return { mac: answer, entry: { ip, dev: dev.name, lladdr: answer, state: 'REACHABLE', proxy: false }, byArp: true };
}

function hasAddress(d: Device, ip: string): boolean {
  return d.addresses.some((a) => a.address === ip);
}

function arpAnswer(ctx: WalkContext, ns: NetNamespace, dev: Device, ip: string): string | undefined {
  const dp = ctx.dataplane;
  switch (dev.kind) {
    case 'veth': {
      const peerNs = dp.namespace(dev.peerNetns);
      const peer = peerNs && deviceOf(peerNs, dev.peerDevice);
      if (!peerNs || !peer) return undefined;
      if (peer.master) {
        const bridge = deviceOf(peerNs, peer.master);
        return bridge ? bridgeDomainAnswer(ctx, peerNs, bridge, ip) : undefined;
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
      return bridgeDomainAnswer(ctx, ns, dev, ip);
    case 'physical': {
      if (!dev.segment) return undefined;
      // A device on the segment configured with the address answers; failing that, the fabric
      // answers for an address it delivers to a device (the VPC for an ENI's secondary IP).
      for (const owner of [dp.ownerOf(ip), dp.fabricOwnerOf?.(ip)]) {
        const ons = owner && dp.namespace(owner.netns);
        const od = ons && deviceOf(ons, owner.device);
        if (od && segmentOfDevice(ctx, od) === dev.segment) return od.mac;
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
      return parent?.kind === 'physical' && parentNs ? arpAnswer(ctx, parentNs, parent, ip) : undefined;
    }
    default:
      return undefined;
  }
}

/** The underlay segment a device's frames appear on: a NIC's own, or a macvlan's parent's. */
function segmentOfDevice(ctx: WalkContext, d: Device): string | undefined {
  if (d.kind === 'physical') return d.segment;
  if (d.kind !== 'macvlan') return undefined;
  const parentNs = ctx.dataplane.namespace(d.masterNetns);
  const parent = parentNs && deviceOf(parentNs, d.masterDevice);
  return parent?.kind === 'physical' ? parent.segment : undefined;
}

/**
 * ARP on a bridge's broadcast domain: the bridge itself, a pod behind one of its ports, or anything
 * the broadcast reaches beyond a port: a veth into another bridge, a vxlan port to the peers its
 * FDB names, a port read by a daemon that relays to its peers (weave's one L2 network over nodes).
 */
function bridgeDomainAnswer(ctx: WalkContext, ns: NetNamespace, bridge: Device, ip: string, visited: Set<string> = new Set()): string | undefined {
  if (bridge.kind !== 'bridge' || visited.has(`${ns.id} ${bridge.name}`)) return undefined;
  visited.add(`${ns.id} ${bridge.name}`);
  if (hasAddress(bridge, ip)) return bridge.mac;
  const dp = ctx.dataplane;
  // The address's owner right behind one of this bridge's ports answers without every other
  // port's namespace being built first: a node's bridge has a port for each of its pods.
  const owner = dp.ownerOf(ip);
  const ons = owner && dp.namespace(owner.netns);
  const od = ons && deviceOf(ons, owner.device);
  const port = od?.kind === 'veth' && od.peerNetns === ns.id ? deviceOf(ns, od.peerDevice) : undefined;
  if (od && port?.kind === 'veth' && port.peerNetns === ons.id && bridge.ports.includes(port.name) && hasAddress(od, ip)) return od.mac;
  const into = (where: NetNamespace | undefined, name: string | undefined): string | undefined => {
    const b = where && name ? deviceOf(where, name) : undefined;
    return b && where ? bridgeDomainAnswer(ctx, where, b, ip, visited) : undefined;
  };
  for (const port of bridge.ports) {
    const d = deviceOf(ns, port);
    if (d?.kind === 'veth') {
      const peerNs = dp.namespace(d.peerNetns);
      const peer = peerNs && deviceOf(peerNs, d.peerDevice);
      if (!peerNs || !peer) continue;
      if (hasAddress(peer, ip)) return peer.mac;
      const found = peer.master ? into(peerNs, peer.master) : peer.kind === 'tun' ? relayedAnswer(ctx, peerNs, peer, ip, visited) : undefined;
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
function relayedAnswer(ctx: WalkContext, ns: NetNamespace, tun: Device & { kind: 'tun' }, ip: string, visited: Set<string>): string | undefined {
  for (const publicIp of new Set(tun.leases.map((l) => l.publicIp))) {
    const remote = ctx.dataplane.ownerOf(publicIp);
    const remoteNs = remote && remote.netns !== ns.id ? ctx.dataplane.namespace(remote.netns) : undefined;
    const uplink = remoteNs && daemonUplink(remoteNs, tun);
    const bridge = uplink?.master && remoteNs ? deviceOf(remoteNs, uplink.master) : undefined;
    const found = bridge && remoteNs ? bridgeDomainAnswer(ctx, remoteNs, bridge, ip, visited) : undefined;
    if (found) return found;
  }
  return undefined;
}

/** On a peer, the bridge port whose other end the same daemon reads (weave's vethwe-bridge opposite vethwe-pcap). */
function daemonUplink(ns: NetNamespace, like: Device & { kind: 'tun' }): Device | undefined {
  const tun = ns.devices.find((x) => x.kind === 'tun' && x.daemon === like.daemon && x.port === like.port);
  return tun && ns.devices.find((x) => x.kind === 'veth' && x.peerNetns === ns.id && x.peerDevice === tun.name);
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
      const segment = segmentOfDevice(state.ctx, dev);
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

/**
 * Bridge forwarding: to the bridge itself (its own MAC), or out the port its FDB names.
 * `prerouted`: br_netfilter's PREROUTING has run already (a bridged DNAT), FORWARD and POSTROUTING not.
 */
function bridgeForward(state: WalkState, ns: NetNamespace, bridge: Device & { kind: 'bridge' }, inPort: string, eth: EthHeader, p: Packet, encap: Encapsulation | undefined, pre: readonly Step[] = [], prerouted = false): Outcome | Crossing {
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
  if (port?.kind === 'vxlan' && !encap) return vportSend(state, ns, inPort, port, eth, p, steps);
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
  if (peer?.kind === 'tun' && !encap) return after(hop, sleeveSend(state, peerNs, peer, eth, p));
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
    if (hook === 'POSTROUTING' && !state.egressChecked && state.reverse === undefined && state.ctx.podByIp.has(p.src)) {
      state.egressChecked = true;
      const denied = checkPolicy(state.ctx, 'egress', p, steps);
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
 * A frame switched to a vxlan port whose VNI is chosen per destination (weave's vxlan vport in the
 * Open vSwitch datapath): the port's FDB entry for the MAC gives the peer and the VNI, and the
 * whole frame, its Ethernet header unchanged, goes in VXLAN to that peer.
 */
function vportSend(state: WalkState, ns: NetNamespace, inPort: string, port: Device & { kind: 'vxlan' }, eth: EthHeader, p: Packet, steps: Step[]): Outcome | Crossing {
  const fdb = remoteEntry(ns, port.name, eth.dst, true);
  if (!fdb?.dst) return finish('DROPPED', [...steps, note(`no FDB entry for ${eth.dst} on ${port.name}`)]);
  const vni = fdb.vni ?? port.vni;
  steps.push({ kind: 'fdb', device: port.name, line: formatFdb(fdb) });
  steps.push({ kind: 'encap', tunnel: 'vxlan', device: port.name, line: formatFdb(fdb) });
  steps.push(note(`outer UDP source port is the kernel's hash of the inner flow (32768-60999); ${vxlanSourcePort(p)} stands in for it`));
  const outer = outerHeader(port.local, fdb.dst, 'udp', p.length + 50, DEFAULT_TTL, false);
  return sendOuter(state, ns, inPort, p, { kind: 'vxlan', outer, sport: vxlanSourcePort(p), dport: port.dstport, vni, innerEth: eth }, steps);
}

/**
 * Weave's sleeve: weaver reads the frame from its pcap port in userspace, finds the peer that has
 * the destination, and sends the frame in UDP from port 6783 to the peer's 6783, prefixed by the
 * sender's peer name (6 bytes) and the frame's source and destination peer names and length
 * (6 + 6 + 2): 62 bytes more than the inner IPv4 packet with UDP, IPv4 and the frame's Ethernet
 * header. Frames with DF go by weaver's raw socket with DF set (router/sleeve.go).
 */
function sleeveSend(state: WalkState, ns: NetNamespace, tun: Device & { kind: 'tun' }, eth: EthHeader, p: Packet): Outcome | Crossing {
  const steps: Step[] = [];
  const lease = leaseFor(tun, p.dst);
  if (!lease) return finish('DROPPED', [note(`${tun.daemon} knows no peer with ${eth.dst} (${p.dst})`)]);
  steps.push(note(`${tun.daemon} reads the frame from ${tun.name} by pcap in userspace; ${eth.dst} is at the peer ${lease.publicIp} (${lease.subnet})`));
  steps.push({ kind: 'encap', tunnel: 'sleeve', device: tun.name, line: `${lease.subnet} -> ${lease.publicIp}` });
  const outerRoute = lookupRoute(ns, lease.publicIp);
  const src = outerRoute && sourceAddressFor(ns, outerRoute);
  if (!src) return finish('NO_ROUTE', [...steps, note(`no route to ${lease.publicIp}`)]);
  const outer = outerHeader(src, lease.publicIp, 'udp', p.length + SLEEVE_OVERHEAD, DEFAULT_TTL, p.df);
  return sendOuter(state, ns, tun.name, p, { kind: 'sleeve', outer, sport: tun.port, dport: tun.port, innerEth: eth }, steps);
}

/** UDP and IPv4 (28), weave's packet prefix (6), frame header (14), the frame's Ethernet header (14). */
const SLEEVE_OVERHEAD = 62;

function leaseFor(tun: Device & { kind: 'tun' }, dst: string): TunLease | undefined {
  let best: TunLease | undefined;
  let bestLength = -1;
  for (const l of tun.leases) {
    const prefix = parsePrefix(l.subnet);
    if (prefix && prefix.length > bestLength && prefixContains(prefix, ipToNum(dst))) {
      best = l;
      bestLength = prefix.length;
    }
  }
  return best;
}

function outerHeader(src: string, dst: string, proto: 'udp' | 'ipip', length: number, ttl: number, df: boolean): Ipv4Header {
  return { layer: 'ipv4', src, dst, ttl, proto, length, df, tos: 0 };
}

/** One namespace: hooks, routing, then out a device. */
function step(state: WalkState, pos: Position): Outcome | { next: Position; hops: Hop[] } {
  const ctx = state.ctx;
  const ns = pos.ns;
  const steps: Step[] = [];
  const origin = pos.inDev === undefined;
  let p = pos.packet;

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
      const crossed = bridgeForward(state, ns, bridge, intoBridge.name, pos.encap.innerEth, p, undefined, decap);
      return 'done' in crossed ? crossed : { next: crossed.next, hops: [...crossed.hops] };
    }
    return stepInner(state, { ns, inDev: tunnel.name, packet: p }, decap);
  }
  return stepInner(state, pos, steps, origin);

  function stepInner(st: WalkState, at: Position, pre: Step[], isOrigin = false): Outcome | { next: Position; hops: Hop[] } {
    const s: Step[] = [...pre];
    if (!isOrigin) {
      const before = p.dst;
      const r = runHook(st, at, 'PREROUTING', p, s, { in: at.inDev! });
      if (isOutcome(r)) return r;
      p = r;
      if (at.bridged && p.dst !== before) {
        const bridged = bridgedDnat(st, at, at.bridged, p, s);
        if (bridged) return 'done' in bridged ? bridged : { next: bridged.next, hops: [...bridged.hops] };
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
    s.push({ kind: 'route', table: route.table, line: formatRoute(route, ns), outDevice: route.dev ?? '', ...(route.via ? { nextHop: route.via } : {}), ...(chosen.rule ? { rule: formatRule(chosen.rule) } : {}) });
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
          s.push({ kind: 'route', table: onward.table, line: formatRoute(onward, ns), outDevice: onward.dev ?? '', ...(onward.via ? { nextHop: onward.via } : {}) });
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
    if (ns.kind === 'host' && !st.egressChecked && st.reverse === undefined && ctx.podByIp.has(p.src)) {
      st.egressChecked = true;
      const denied = checkPolicy(ctx, 'egress', p, s);
      if (denied) return denied;
    }
    const r = runHook(st, at, 'POSTROUTING', p, s, { ...(isOrigin ? {} : { in: at.inDev! }), out: route.dev ?? '' });
    if (isOutcome(r)) return r;
    p = r;
    return transmit(st, ns, at.inDev, route, p, s);
  }
}

/**
 * br_netfilter's bridged DNAT (`br_nf_pre_routing_finish`): when nat PREROUTING, run on a frame a
 * port sent up to the bridge, rewrites the destination to an address routed back out that same
 * bridge, the packet is not routed. It is bridged on to the new destination: TTL and source MAC
 * unchanged, the destination MAC from the host's neighbour entry, through FORWARD and POSTROUTING
 * in and out of the bridge, never INPUT (seen on the kernel: docs/kernel-facts.md). Undefined
 * when the new destination is routed elsewhere, which is then an ordinary forward.
 */
function bridgedDnat(state: WalkState, pos: Position, frame: BridgedFrame, p: Packet, steps: Step[]): Outcome | Crossing | undefined {
  const ns = pos.ns;
  const chosen = lookupPolicyRoute(ns, { src: p.src, dst: p.dst, mark: state.mark, iif: pos.inDev! });
  const route = chosen?.route;
  const bridge = route?.dev ? deviceOf(ns, route.dev) : undefined;
  if (!route || route.type !== 'unicast' || route.dev !== pos.inDev || bridge?.kind !== 'bridge' || !ns.ipForward) return undefined;
  steps.push({ kind: 'route', table: route.table, line: formatRoute(route, ns), outDevice: bridge.name, ...(route.via ? { nextHop: route.via } : {}) });
  steps.push(note(`br_netfilter: ${p.dst} is routed back out ${bridge.name}, the bridge the frame came in by, so the frame is bridged there, not routed (TTL and source MAC unchanged)`));
  const nextHop = route.via ?? p.dst;
  const neigh = resolveNeighbour(state.ctx, ns, bridge, nextHop);
  if (!neigh) return finish('DROPPED', [...steps, note(`no ARP reply for ${nextHop} on ${bridge.name}: host unreachable`)]);
  steps.push({ kind: 'neighbour', line: formatNeighbour(neigh.entry), resolvedByArp: neigh.byArp });
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
  steps.push({ kind: 'route', table: route.table, line: formatRoute(route, ns), outDevice: route.dev ?? '', ...(route.via ? { nextHop: route.via } : {}) });
  if (p.ttl <= 1) return finish('TTL_EXCEEDED', [...steps, note(`TTL ${p.ttl} expires here; the kernel answers ICMP time exceeded`)]);
  steps.push({ kind: 'ttl', from: p.ttl, to: p.ttl - 1 });
  let copy: Packet = { ...p, ttl: p.ttl - 1 };
  const pos: Position = { ns, inDev: bridge.name, packet: copy };
  for (const hook of ['FORWARD', 'POSTROUTING'] as const) {
    const r = runHook(state, pos, hook, copy, steps, { in: bridge.name, out: route.dev ?? '' }, true);
    if (isOutcome(r)) return r;
    copy = r;
  }
  const sent = transmit(state, ns, bridge.name, route, copy, steps);
  // A packet from outside whose source is the receiver's own address is a martian (fib_validate_source): dropped at routing.
  if ('done' in sent || !isLocalAddress(sent.next.ns, copy.src)) return sent;
  return { ...finish('DROPPED', [note(`${copy.src} is ${sent.next.ns.label}'s own address: the copy arrives with a martian source and is dropped at routing, unanswered`)]), hops: sent.hops };
}

/** The tunnel device that takes this encapsulated packet. */
function findTunnelFor(ns: NetNamespace, encap: Encapsulation): Device | undefined {
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
function isTunnelTraffic(ns: NetNamespace, p: Packet): string | undefined {
  if (p.proto !== 'udp') return undefined;
  const d = ns.devices.find((x) => (x.kind === 'vxlan' && x.dstport === p.dport) || (x.kind === 'tun' && x.port === p.dport));
  return d ? `UDP ${p.dport} is ${d.name}'s tunnel socket` : undefined;
}

function mtuExceeded(p: Packet | Ipv4Header, dev: Device, steps: Step[]): Outcome | undefined {
  if (p.length > dev.mtu && p.df) return finish('DROPPED', [...steps, note(`${p.length}-byte packet with DF exceeds ${dev.name} mtu ${dev.mtu}: ICMP fragmentation needed (mtu ${dev.mtu})`)]);
  return undefined;
}

/** Sends out the route's device; encapsulating devices add the outer packet and send that. */
function transmit(state: WalkState, ns: NetNamespace, inDev: string | undefined, route: Route, p: Packet, steps: Step[]): Outcome | { next: Position; hops: Hop[] } {
  const dev = route.dev ? deviceOf(ns, route.dev) : undefined;
  if (!dev) return finish('NO_ROUTE', [...steps, note(`route has no usable device`)]);
  if (!dev.up) return finish('DROPPED', [...steps, note(`${dev.name} is down`)]);
  const nextHop = route.via ?? p.dst;
  switch (dev.kind) {
    case 'vxlan': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const neigh = resolveNeighbour(state.ctx, ns, dev, nextHop);
      if (!neigh) return finish('DROPPED', [...steps, note(`no neighbour entry for ${nextHop} on ${dev.name} (nolearning: flanneld writes them)`)]);
      steps.push({ kind: 'neighbour', line: formatNeighbour(neigh.entry), resolvedByArp: neigh.byArp });
      const fdb = remoteEntry(ns, dev.name, neigh.mac);
      if (!fdb?.dst) return finish('DROPPED', [...steps, note(`no FDB entry for ${neigh.mac} on ${dev.name}`)]);
      steps.push({ kind: 'fdb', device: dev.name, line: formatFdb(fdb) });
      steps.push({ kind: 'encap', tunnel: 'vxlan', device: dev.name, line: formatFdb(fdb) });
      steps.push(note(`outer UDP source port is the kernel's hash of the inner flow (32768-60999); ${vxlanSourcePort(p)} stands in for it`));
      const innerEth: EthHeader = { layer: 'eth', src: dev.mac ?? '', dst: neigh.mac, type: 'IPv4' };
      const outer = outerHeader(dev.local, fdb.dst, 'udp', p.length + 50, DEFAULT_TTL, false);
      return sendOuter(state, ns, inDev, p, { kind: 'vxlan', outer, sport: vxlanSourcePort(p), dport: dev.dstport, vni: dev.vni, innerEth }, steps);
    }
    case 'ipip': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const outerRoute = lookupRoute(ns, nextHop);
      const src = dev.local ?? (outerRoute && sourceAddressFor(ns, outerRoute));
      if (!src) return finish('NO_ROUTE', [...steps, note(`no route to tunnel endpoint ${nextHop}`)]);
      steps.push({ kind: 'encap', tunnel: 'ipip', device: dev.name });
      // tunl0 has ttl inherit and no pmtudisc of its own: the outer TTL and DF follow the inner packet.
      const outer = outerHeader(src, nextHop, 'ipip', p.length + 20, p.ttl, p.df);
      return sendOuter(state, ns, inDev, p, { kind: 'ipip', outer }, steps);
    }
    case 'tun': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const lease = dev.leases.find((l) => {
        const prefix = parsePrefix(l.subnet);
        return prefix && prefixContains(prefix, ipToNum(p.dst));
      });
      if (!lease) return finish('DROPPED', [...steps, note(`${dev.daemon} has no lease covering ${p.dst}`)]);
      steps.push(note(`${dev.daemon} reads the packet from ${dev.name} in userspace; lease ${lease.subnet} is at ${lease.publicIp}`));
      steps.push({ kind: 'encap', tunnel: 'udp', device: dev.name, line: `${lease.subnet} -> ${lease.publicIp}` });
      const outerRoute = lookupRoute(ns, lease.publicIp);
      const src = outerRoute && sourceAddressFor(ns, outerRoute);
      if (!src) return finish('NO_ROUTE', [...steps, note(`no route to ${lease.publicIp}`)]);
      const outer = outerHeader(src, lease.publicIp, 'udp', p.length + 28, DEFAULT_TTL, true);
      return sendOuter(state, ns, inDev, p, { kind: 'udp', outer, sport: dev.port, dport: dev.port }, steps);
    }
    case 'veth':
    case 'physical':
    case 'bridge':
    case 'macvlan': {
      const tooBig = mtuExceeded(p, dev, steps);
      if (tooBig) return tooBig;
      const neigh = resolveNeighbour(state.ctx, ns, dev, nextHop);
      if (!neigh) {
        if (!state.ctx.dataplane.ownerOf(nextHop) && (dev.kind === 'physical' || dev.kind === 'macvlan')) {
          return finish('EXITS_CLUSTER', [...steps, note(`next hop ${nextHop} is outside the topology; the packet leaves ${ns.node} on ${dev.name}`)]);
        }
        return finish('DROPPED', [...steps, note(`no ARP reply for ${nextHop} on ${dev.name}: host unreachable`)]);
      }
      steps.push({ kind: 'neighbour', line: formatNeighbour(neigh.entry), resolvedByArp: neigh.byArp });
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
function sendOuter(state: WalkState, ns: NetNamespace, inDev: string | undefined, inner: Packet, encap: Encapsulation, steps: Step[]): Outcome | { next: Position; hops: Hop[] } {
  const route = lookupRoute(ns, encap.outer.dst);
  if (!route?.dev) return finish('NO_ROUTE', [...steps, note(`no route to tunnel endpoint ${encap.outer.dst}`)]);
  steps.push({ kind: 'route', table: route.table, line: formatRoute(route, ns), outDevice: route.dev, ...(route.via ? { nextHop: route.via } : {}) });
  const dev = deviceOf(ns, route.dev);
  if (!dev || (dev.kind !== 'physical' && dev.kind !== 'bridge' && dev.kind !== 'veth')) return finish('DROPPED', [...steps, note(`tunnel endpoint ${encap.outer.dst} is not reached over an Ethernet device`)]);
  if (encap.outer.length > dev.mtu && encap.outer.df) return finish('DROPPED', [...steps, note(`outer packet of ${encap.outer.length} bytes with DF exceeds ${dev.name} mtu ${dev.mtu}`)]);
  const nextHop = route.via ?? encap.outer.dst;
  const neigh = resolveNeighbour(state.ctx, ns, dev, nextHop);
  if (!neigh) return finish('EXITS_CLUSTER', [...steps, note(`tunnel next hop ${nextHop} is outside the topology`)]);
  steps.push({ kind: 'neighbour', line: formatNeighbour(neigh.entry), resolvedByArp: neigh.byArp });
  const eth: EthHeader = { layer: 'eth', src: dev.mac ?? '', dst: neigh.mac, type: 'IPv4' };
  return emit(state, ns, inDev, dev, eth, inner, encap, steps);
}

function emit(state: WalkState, ns: NetNamespace, inDev: string | undefined, dev: Device, eth: EthHeader, p: Packet, encap: Encapsulation | undefined, steps: Step[]): Outcome | { next: Position; hops: Hop[] } {
  const hop: Hop = { node: ns.node, netns: ns.label, ref: ns.ref, ...(inDev ? { in: inDev } : {}), out: dev.name, headers: headerStack(eth, p, encap), steps };
  const received = after(hop, receive(state, ns, dev, eth, p, encap));
  if ('done' in received) return received;
  return { next: received.next, hops: [...received.hops] };
}

export interface WalkStart {
  readonly ns: NetNamespace;
  readonly packet: Packet;
}

/** Walks from `start` until a disposition; `reverse` makes it a reply leg undoing the request's NAT. */
export function walk(ctx: WalkContext, start: WalkStart, reverse?: readonly ConntrackEntry[]): WalkResult {
  const state: WalkState = { ctx, hops: [], seen: new Set(), conntrack: [], ...(reverse ? { reverse } : {}), egressChecked: false, mark: 0 };
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
