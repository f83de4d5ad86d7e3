/**
 * `deriveDataplane(topology)`: the Linux state of every node, pod and external host. The address
 * and MAC indexes are built up front (linear in pods); each namespace's devices and routes are
 * built on first use and kept, so a walk over a huge cluster pays only for what it touches.
 */

import { cniBuilderFor } from '../cni/index';
import { findNetwork } from '../cni/multus';
import type { ExternalHost, NodeInfo, Pod, Topology } from '../model/types';
import { ipvsDummyDevice } from '../proxy/ipvs';
import { formatCidr, ipToNum, prefixOf } from '../net/ipv4';
import { assembleNamespace, hostAddress, loopback, route } from './assemble';
import { bridgeOwnFdb, multicastFdb, podNetnsId } from './bridgePlugin';
import { parseRouteLine } from './routeLine';
import type { AddressOwner, CniContext, Dataplane, DeviceSpec, FdbEntry, NetNamespace, NetnsId, Route, RouterSpec } from './types';

export function segmentOf(address: string, prefixLength: number): string {
  return formatCidr(prefixOf(ipToNum(address), prefixLength));
}

export function nodeNetnsId(node: string): NetnsId {
  return `node/${node}`;
}

export function externalNetnsId(name: string): NetnsId {
  return `ext/${name}`;
}

/** What `bridge fdb show` lists for a device the Cluster document adds (docker0 and the like). */
function extraFdb(d: DeviceSpec): FdbEntry[] {
  if (!d.up || d.mac === undefined) return [];
  if (d.kind === 'bridge') return bridgeOwnFdb(d.name, d.mac, !d.noCarrier);
  // Without carrier a device has no IPv6 link-local address, so no solicited-node group.
  return d.noCarrier ? multicastFdb(d.name, d.mac).slice(0, 2) : multicastFdb(d.name, d.mac);
}

function nodeNamespace(ctx: CniContext, node: NodeInfo): NetNamespace {
  const builder = cniBuilderFor(ctx.topology);
  const cni = builder?.host(ctx, node);
  const nic: DeviceSpec = {
    kind: 'physical',
    name: node.interface,
    mtu: 1500,
    mac: node.mac,
    up: true,
    addresses: [hostAddress(`${node.address}/${node.prefixLength}`)],
    segment: ctx.segmentOf.get(node.name),
  };
  const extras: DeviceSpec[] = node.extraInterfaces.map((x) => {
    const base = { name: x.name, mtu: 1500, mac: x.mac, up: true, noCarrier: !x.up, addresses: x.address ? [hostAddress(x.address)] : [] };
    switch (x.kind) {
      case 'bridge':
        return { ...base, kind: 'bridge', ports: [], stp: false, bridgeId: `8000.${(x.mac ?? '').replace(/:/g, '')}` };
      case 'dummy':
        return { ...base, kind: 'dummy' };
      default:
        return { ...base, kind: 'physical' };
    }
  });
  const routes: Route[] = [];
  if (node.gateway) routes.push(route({ dst: 'default', via: node.gateway, dev: node.interface }));
  for (const line of node.extraRoutes) {
    const parsed = parseRouteLine(line);
    if (!parsed) continue;
    // A default route given by hand replaces the one derived from `gateway`.
    if (parsed.dst === 'default' && routes[0]?.dst === 'default') routes.shift();
    routes.push(parsed);
  }
  // kube-proxy creates kube-ipvs0 on its first sync, before the CNI's devices exist on a new node.
  const proxyDevices = ctx.topology.cluster.kubeProxy.mode === 'ipvs' ? [ipvsDummyDevice(ctx.topology, node)] : [];
  return assembleNamespace({
    id: nodeNetnsId(node.name),
    kind: 'host',
    node: node.name,
    label: 'host',
    devices: [loopback, nic, ...extras, ...proxyDevices, ...(cni?.devices ?? [])],
    routes: [...routes, ...(cni?.routes ?? [])],
    neighbours: cni?.neighbours ?? [],
    fdb: [...multicastFdb(node.interface, node.mac), ...extras.flatMap(extraFdb), ...(cni?.fdb ?? [])],
    ...(cni?.rules ? { rules: cni.rules } : {}),
    ipForward: true,
  });
}

function podNamespace(ctx: CniContext, pod: Pod, node: NodeInfo): NetNamespace {
  const state = cniBuilderFor(ctx.topology)?.pod(ctx, pod, node);
  return assembleNamespace({
    id: podNetnsId(pod),
    kind: 'pod',
    node: node.name,
    label: podNetnsId(pod),
    devices: [loopback, ...(state?.devices ?? [])],
    routes: state?.routes ?? [],
    neighbours: state?.neighbours ?? [],
    fdb: [],
    ipForward: false,
  });
}

function externalNamespace(ext: ExternalHost): NetNamespace {
  return assembleNamespace({
    id: externalNetnsId(ext.name),
    kind: 'external',
    node: ext.name,
    label: externalNetnsId(ext.name),
    devices: [loopback, { kind: 'physical', name: 'eth0', mtu: 1500, mac: ext.mac, up: true, addresses: [hostAddress(`${ext.address}/${ext.prefixLength}`)], segment: segmentOf(ext.address, ext.prefixLength) }],
    routes: [],
    neighbours: [],
    fdb: [],
    ipForward: false,
  });
}

export function routerNetnsId(name: string): NetnsId {
  return `router/${name}`;
}

function routerNamespace(router: RouterSpec): NetNamespace {
  const id = routerNetnsId(router.name);
  return assembleNamespace({
    id,
    kind: 'router',
    node: router.name,
    label: id,
    devices: [loopback, ...router.interfaces.map((i): DeviceSpec => ({ kind: 'physical', name: i.name, mtu: 1500, mac: i.mac, up: true, addresses: [hostAddress(`${i.address}/${i.prefixLength}`)], segment: i.segment }))],
    routes: router.routes,
    neighbours: [],
    fdb: [],
    ipForward: true,
  });
}

/** What every CNI builder reads: pods by node and each node's segment, linear in pods. */
export function cniContext(topology: Topology): CniContext {
  const podsByNode = new Map<string, Pod[]>();
  for (const pod of topology.pods) {
    const list = podsByNode.get(pod.nodeName);
    if (list) list.push(pod);
    else podsByNode.set(pod.nodeName, [pod]);
  }
  const segments = new Map(topology.nodes.map((n) => [n.name, segmentOf(n.address, n.prefixLength)]));
  return { topology, podsByNode, segmentOf: segments };
}

export function deriveDataplane(topology: Topology): Dataplane {
  const ctx = cniContext(topology);
  const { podsByNode, segmentOf: segments } = ctx;
  const nodesByName = new Map(topology.nodes.map((n) => [n.name, n]));

  const builders = new Map<NetnsId, () => NetNamespace>();
  const ids: NetnsId[] = [];
  const owners = new Map<string, AddressOwner>();
  const macs = new Map<string, AddressOwner>();
  for (const node of topology.nodes) {
    const id = nodeNetnsId(node.name);
    ids.push(id);
    builders.set(id, () => nodeNamespace(ctx, node));
    owners.set(node.address, { netns: id, device: node.interface });
    macs.set(`${segments.get(node.name)} ${node.mac}`, { netns: id, device: node.interface });
    for (const pod of podsByNode.get(node.name) ?? []) {
      if (pod.hostNetwork) continue;
      const podId = podNetnsId(pod);
      ids.push(podId);
      builders.set(podId, () => podNamespace(ctx, pod, node));
      owners.set(pod.ip, { netns: podId, device: 'eth0' });
      for (const iface of pod.secondaryInterfaces) {
        const network = findNetwork(topology, pod, iface);
        // ipvlan is not built; host-local on two nodes can hand out one address twice, and the first pod keeps it.
        if (!network || network.type === 'ipvlan' || owners.has(iface.address)) continue;
        owners.set(iface.address, { netns: podId, device: iface.name });
        // A macvlan of the node's NIC is a station of its own on the NIC's segment.
        if (network.type === 'macvlan' && network.master === node.interface) macs.set(`${segments.get(node.name)} ${iface.mac}`, { netns: podId, device: iface.name });
      }
    }
  }
  for (const ext of topology.externals) {
    const id = externalNetnsId(ext.name);
    ids.push(id);
    builders.set(id, () => externalNamespace(ext));
    owners.set(ext.address, { netns: id, device: 'eth0' });
    macs.set(`${segmentOf(ext.address, ext.prefixLength)} ${ext.mac}`, { netns: id, device: 'eth0' });
  }
  const builder = cniBuilderFor(topology);
  // Underlay routers come after the externals; an address a file already gives a host keeps it.
  for (const router of builder?.routers?.(ctx) ?? []) {
    const id = routerNetnsId(router.name);
    if (builders.has(id) || router.interfaces.some((i) => owners.has(i.address))) continue;
    ids.push(id);
    builders.set(id, () => routerNamespace(router));
    for (const i of router.interfaces) {
      owners.set(i.address, { netns: id, device: i.name });
      macs.set(`${i.segment} ${i.mac}`, { netns: id, device: i.name });
    }
  }
  const fabric = new Map<string, AddressOwner>();
  if (builder?.fabricAddresses) {
    for (const node of topology.nodes) {
      for (const a of builder.fabricAddresses(ctx, node)) fabric.set(a.address, { netns: nodeNetnsId(node.name), device: a.device });
    }
  }
  // Pods scheduled on a node the topology does not list have nowhere to live.
  for (const pod of topology.pods) if (!nodesByName.has(pod.nodeName)) owners.delete(pod.ip);

  const built = new Map<NetnsId, NetNamespace>();
  return {
    topology,
    ids,
    namespace(id) {
      let ns = built.get(id);
      if (!ns) {
        const make = builders.get(id);
        if (!make) return undefined;
        ns = make();
        built.set(id, ns);
      }
      return ns;
    },
    ownerOf: (address) => owners.get(address),
    onSegment: (segment, mac) => macs.get(`${segment} ${mac}`),
    ...(fabric.size > 0 ? { fabricOwnerOf: (address: string) => fabric.get(address) } : {}),
    notes: (builder?.notes?.(ctx) ?? []).map((n) => n.message),
  };
}
