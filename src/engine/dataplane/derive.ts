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
import type { AddressOwner, CniContext, Dataplane, DeviceSpec, FdbEntry, NetNamespace, NetnsId, NetnsRef, Route, RouterSpec } from './types';

export function segmentOf(address: string, prefixLength: number): string {
  return formatCidr(prefixOf(ipToNum(address), prefixLength));
}

export function nodeNetnsId(node: string): NetnsId {
  return `node/${node}`;
}

export function externalNetnsId(name: string): NetnsId {
  return `ext/${name}`;
}

export function routerNetnsId(name: string): NetnsId {
  return `router/${name}`;
}

/** The dataplane's id of a namespace: `node/NAME`, `pod/NS/NAME`, `ext/NAME`, `router/NAME`. */
export function netnsId(ref: NetnsRef): NetnsId {
  switch (ref.kind) {
    case 'host':
      return nodeNetnsId(ref.node);
    case 'pod':
      return podNetnsId(ref);
    case 'external':
      return externalNetnsId(ref.name);
    case 'router':
      return routerNetnsId(ref.name);
  }
}

/** How a trace names a namespace (`Hop.netns`): `host` on its node, else its id. */
export function netnsLabel(ref: NetnsRef): string {
  return ref.kind === 'host' ? 'host' : netnsId(ref);
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
  const cni = builder.host(ctx, node);
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
  const ref: NetnsRef = { kind: 'host', node: node.name };
  return assembleNamespace({
    id: netnsId(ref),
    ref,
    kind: 'host',
    node: node.name,
    label: netnsLabel(ref),
    devices: [loopback, nic, ...extras, ...proxyDevices, ...cni.devices],
    routes: [...routes, ...cni.routes],
    neighbours: cni.neighbours,
    fdb: [...multicastFdb(node.interface, node.mac), ...extras.flatMap(extraFdb), ...cni.fdb],
    ...(cni.rules ? { rules: cni.rules } : {}),
    ...(cni.peers ? { peers: cni.peers } : {}),
    ipForward: true,
  });
}

function podNamespace(ctx: CniContext, pod: Pod, node: NodeInfo): NetNamespace {
  const state = cniBuilderFor(ctx.topology).pod(ctx, pod, node);
  const ref: NetnsRef = { kind: 'pod', node: node.name, namespace: pod.namespace, name: pod.name };
  return assembleNamespace({
    id: netnsId(ref),
    ref,
    kind: 'pod',
    node: node.name,
    label: netnsLabel(ref),
    devices: [loopback, ...(state?.devices ?? [])],
    routes: state?.routes ?? [],
    neighbours: state?.neighbours ?? [],
    fdb: [],
    ipForward: false,
  });
}

function externalNamespace(ext: ExternalHost): NetNamespace {
  const ref: NetnsRef = { kind: 'external', name: ext.name };
  return assembleNamespace({
    id: netnsId(ref),
    ref,
    kind: 'external',
    node: ext.name,
    label: netnsLabel(ref),
    devices: [loopback, { kind: 'physical', name: 'eth0', mtu: 1500, mac: ext.mac, up: true, addresses: [hostAddress(`${ext.address}/${ext.prefixLength}`)], segment: segmentOf(ext.address, ext.prefixLength) }],
    routes: [],
    neighbours: [],
    fdb: [],
    ipForward: false,
  });
}

function routerNamespace(router: RouterSpec): NetNamespace {
  const ref: NetnsRef = { kind: 'router', name: router.name };
  return assembleNamespace({
    id: netnsId(ref),
    ref,
    kind: 'router',
    node: router.name,
    label: netnsLabel(ref),
    devices: [loopback, ...router.interfaces.map((i): DeviceSpec => ({ kind: 'physical', name: i.name, mtu: 1500, mac: i.mac, up: true, addresses: [hostAddress(`${i.address}/${i.prefixLength}`)], segment: i.segment }))],
    routes: router.routes,
    neighbours: [],
    fdb: [],
    ipForward: true,
  });
}

/** What every CNI builder reads: pods by node (grouped on first use) and each node's segment. */
export function cniContext(topology: Topology): CniContext {
  let podsByNode: Map<string, Pod[]> | undefined;
  const segments = new Map(topology.nodes.map((n) => [n.name, segmentOf(n.address, n.prefixLength)]));
  return {
    topology,
    get podsByNode(): ReadonlyMap<string, readonly Pod[]> {
      if (!podsByNode) {
        podsByNode = new Map();
        for (const pod of topology.pods) {
          const list = podsByNode.get(pod.nodeName);
          if (list) list.push(pod);
          else podsByNode.set(pod.nodeName, [pod]);
        }
      }
      return podsByNode;
    },
    segmentOf: segments,
  };
}

/** `pod/NS/NAME` split into its namespace and name (neither can hold a slash). */
function podRef(id: NetnsId): { namespace: string; name: string } | undefined {
  const slash = id.indexOf('/', 4);
  return id.startsWith('pod/') && slash > 4 ? { namespace: id.slice(4, slash), name: id.slice(slash + 1) } : undefined;
}

/**
 * Everything that owns an address, a MAC or a namespace is indexed once, but pods (150,000 of them
 * at 5,000 nodes) only by IP, in the one map the walk also uses to recognise pod addresses: a pod's
 * namespace id and its owner record are made when asked for, not kept for every pod.
 */
export function deriveDataplane(topology: Topology): Dataplane {
  const ctx = cniContext(topology);
  const segments = ctx.segmentOf;
  const nodesByName = new Map(topology.nodes.map((n) => [n.name, n]));
  const externalsByName = new Map(topology.externals.map((x) => [x.name, x]));

  /** Every pod with its own network namespace by IP, whatever its node; the last of a duplicate wins. */
  const podByIp = new Map<string, Pod>();
  /** Node NICs and pods' secondary interfaces; a pod's eth0 takes an address from them, as it was written later. */
  const owners = new Map<string, AddressOwner>();
  /** Externals and underlay routers, written after every pod, so theirs whatever a pod holds. */
  const outside = new Map<string, AddressOwner>();
  const macs = new Map<string, AddressOwner>();
  for (const node of topology.nodes) {
    const id = nodeNetnsId(node.name);
    owners.set(node.address, { netns: id, device: node.interface });
    macs.set(`${segments.get(node.name)} ${node.mac}`, { netns: id, device: node.interface });
  }
  const podOwner = (address: string): AddressOwner | undefined => {
    const pod = podByIp.get(address);
    // Pods scheduled on a node the topology does not list have nowhere to live.
    return pod && nodesByName.has(pod.nodeName) ? { netns: podNetnsId(pod), device: 'eth0' } : undefined;
  };
  for (const pod of topology.pods) {
    if (pod.hostNetwork) continue;
    podByIp.set(pod.ip, pod);
    if (pod.secondaryInterfaces.length === 0) continue;
    const node = nodesByName.get(pod.nodeName);
    if (!node) continue;
    for (const iface of pod.secondaryInterfaces) {
      const network = findNetwork(topology, pod, iface);
      // ipvlan is not built; host-local on two nodes can hand out one address twice, and the first pod keeps it.
      if (!network || network.type === 'ipvlan' || owners.has(iface.address) || podOwner(iface.address)) continue;
      owners.set(iface.address, { netns: podNetnsId(pod), device: iface.name });
      // A macvlan of the node's NIC is a station of its own on the NIC's segment.
      if (network.type === 'macvlan' && network.master === node.interface) macs.set(`${segments.get(node.name)} ${iface.mac}`, { netns: podNetnsId(pod), device: iface.name });
    }
  }
  for (const ext of topology.externals) {
    const id = externalNetnsId(ext.name);
    outside.set(ext.address, { netns: id, device: 'eth0' });
    macs.set(`${segmentOf(ext.address, ext.prefixLength)} ${ext.mac}`, { netns: id, device: 'eth0' });
  }
  const builder = cniBuilderFor(topology);
  // Underlay routers come after the externals; an address a file already gives a host keeps it.
  const routers = new Map<NetnsId, RouterSpec>();
  for (const router of builder.routers?.(ctx) ?? []) {
    const id = routerNetnsId(router.name);
    if (routers.has(id) || router.interfaces.some((i) => outside.has(i.address) || owners.has(i.address) || podOwner(i.address))) continue;
    routers.set(id, router);
    for (const i of router.interfaces) {
      outside.set(i.address, { netns: id, device: i.name });
      macs.set(`${i.segment} ${i.mac}`, { netns: id, device: i.name });
    }
  }
  const fabric = new Map<string, AddressOwner>();
  if (builder.fabricAddresses) {
    for (const node of topology.nodes) {
      for (const a of builder.fabricAddresses(ctx, node)) fabric.set(a.address, { netns: nodeNetnsId(node.name), device: a.device });
    }
  }

  // Pods by namespace and name, grouped on the first request for a pod's namespace.
  let podsByName: Map<string, Pod[]> | undefined;
  const podById = (id: NetnsId): Pod | undefined => {
    const ref = podRef(id);
    if (!ref) return undefined;
    if (!podsByName) {
      podsByName = new Map();
      for (const pod of topology.pods) {
        const list = podsByName.get(pod.name);
        if (list) list.push(pod);
        else podsByName.set(pod.name, [pod]);
      }
    }
    let found: Pod | undefined;
    // The last pod of a duplicate name wins, as the last one written over the first.
    for (const pod of podsByName.get(ref.name) ?? []) if (pod.namespace === ref.namespace && !pod.hostNetwork && nodesByName.has(pod.nodeName)) found = pod;
    return found;
  };
  const make = (id: NetnsId): NetNamespace | undefined => {
    if (id.startsWith('node/')) {
      const node = nodesByName.get(id.slice(5));
      return node && nodeNamespace(ctx, node);
    }
    if (id.startsWith('pod/')) {
      const pod = podById(id);
      const node = pod && nodesByName.get(pod.nodeName);
      return pod && node && podNamespace(ctx, pod, node);
    }
    if (id.startsWith('ext/')) {
      const ext = externalsByName.get(id.slice(4));
      return ext && externalNamespace(ext);
    }
    const router = routers.get(id);
    return router && routerNamespace(router);
  };

  const built = new Map<NetnsId, NetNamespace>();
  let ids: NetnsId[] | undefined;
  let notes: readonly string[] | undefined;
  return {
    topology,
    podByIp,
    get ids(): readonly NetnsId[] {
      if (!ids) {
        ids = [];
        for (const node of topology.nodes) {
          ids.push(nodeNetnsId(node.name));
          for (const pod of ctx.podsByNode.get(node.name) ?? []) if (!pod.hostNetwork) ids.push(podNetnsId(pod));
        }
        for (const ext of topology.externals) ids.push(externalNetnsId(ext.name));
        ids.push(...routers.keys());
      }
      return ids;
    },
    namespace(id) {
      let ns = built.get(id);
      if (!ns) {
        ns = make(id);
        if (!ns) return undefined;
        built.set(id, ns);
      }
      return ns;
    },
    ownerOf: (address) => outside.get(address) ?? podOwner(address) ?? owners.get(address),
    onSegment: (segment, mac) => macs.get(`${segment} ${mac}`),
    ...(fabric.size > 0 ? { fabricOwnerOf: (address: string) => fabric.get(address) } : {}),
    // Calico's look at every pod, so they wait until someone reads them.
    get notes(): readonly string[] {
      notes ??= (builder.notes?.(ctx) ?? []).map((n) => n.message);
      return notes;
    },
  };
}
