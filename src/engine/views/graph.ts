import { cniDevices } from '../cni/index';
import { nodeNetnsId, segmentOf } from '../dataplane/derive';
import type { Dataplane } from '../dataplane/types';
import type { Topology } from '../model/types';
import type { GraphEdge, GraphModel, GraphNode } from './types';

/**
 * Topology → graph elements for the webview. Each cluster node is a compound holding its NIC,
 * bridge, tunnel device and pods; services are their own elements tied to their endpoint pods;
 * externals and nodes hang off the underlay segment they share. Ids are stable across edits
 * (they are names, not indexes), so the webview can keep positions. A bridge's and a tunnel's
 * addresses are the node's derived devices' (what `show --table addrs` prints), read only for the
 * nodes drawn in full.
 */

export const ids = {
  node: (name: string) => `node:${name}`,
  nic: (name: string) => `nic:${name}`,
  bridge: (name: string) => `bridge:${name}`,
  tunnel: (name: string) => `tunnel:${name}`,
  pods: (name: string) => `pods:${name}`,
  pod: (namespace: string, name: string) => `pod:${namespace}/${name}`,
  service: (namespace: string, name: string) => `svc:${namespace}/${name}`,
  external: (name: string) => `ext:${name}`,
  segment: (cidr: string) => `underlay:${cidr}`,
};

export interface GraphOptions {
  /** Above this many pods, nodes are collapsed to a count unless listed in `expanded`. */
  readonly collapseThreshold: number;
  /** Nodes to show in full even when collapsing (the user expanded them, or a trace crosses them). */
  readonly expanded: ReadonlySet<string>;
  /**
   * When collapsing a cluster of more nodes than this, a collapsed node is one element (its name
   * and pod count) rather than a compound of NIC, bridge, tunnel and a pod count: five times fewer
   * elements, which is what keeps a 500-node graph drawing in a browser frame. Default 100.
   */
  readonly compactAbove?: number;
}

const compactAboveDefault = 100;

export function buildGraph(dataplane: Dataplane, options: GraphOptions): GraphModel {
  const topology = dataplane.topology;
  const nodes: GraphNode[] = [];
  const edges: GraphEdge[] = [];
  const collapsed: string[] = [];
  const devices = cniDevices(topology.cluster.cni);
  const collapsing = topology.pods.length > options.collapseThreshold;
  const compact = collapsing && topology.nodes.length > (options.compactAbove ?? compactAboveDefault);
  const segments = new Set<string>();
  const addSegment = (cidr: string): string => {
    const id = ids.segment(cidr);
    if (!segments.has(cidr)) {
      segments.add(cidr);
      nodes.push({ id, kind: 'underlay', label: `underlay ${cidr}`, detail: cidr });
    }
    return id;
  };

  const podsByNode = new Map<string, Topology['pods'][number][]>();
  for (const pod of topology.pods) {
    if (pod.hostNetwork) continue;
    const list = podsByNode.get(pod.nodeName) ?? [];
    list.push(pod);
    podsByNode.set(pod.nodeName, list);
  }
  const shownPods = new Set<string>();

  for (const node of topology.nodes) {
    const parent = ids.node(node.name);
    const pods = podsByNode.get(node.name) ?? [];
    if (compact && !options.expanded.has(node.name)) {
      collapsed.push(node.name);
      nodes.push({ id: parent, kind: 'node', label: `${node.name} · ${pods.length} pods`, count: pods.length, detail: `${node.address} · podCIDR ${node.podCIDR} · double-click to expand`, sourceLine: node.source.line });
      edges.push({ id: `link:${node.name}`, source: parent, target: addSegment(segmentOf(node.address, node.prefixLength)), kind: 'link' });
      continue;
    }
    nodes.push({ id: parent, kind: 'node', label: node.name, detail: `${node.address} · podCIDR ${node.podCIDR}`, sourceLine: node.source.line });
    const nic = ids.nic(node.name);
    nodes.push({ id: nic, kind: 'device', label: `${node.interface} ${node.address}`, parent, detail: `${node.address}/${node.prefixLength} ${node.mac}` });
    edges.push({ id: `link:${node.name}`, source: nic, target: addSegment(segmentOf(node.address, node.prefixLength)), kind: 'link' });
    // Pods attach to the bridge when there is one, else straight to the host (routed veths).
    let attach = nic;
    if (devices.bridge) {
      attach = ids.bridge(node.name);
      const detail = deviceAddresses(dataplane, node.name, devices.bridge);
      nodes.push({ id: attach, kind: 'bridge', label: devices.bridge, parent, ...(detail ? { detail } : {}) });
      edges.push({ id: `host:${node.name}`, source: attach, target: nic, kind: 'link' });
    }
    if (devices.tunnel) {
      const tunnel = ids.tunnel(node.name);
      const detail = deviceAddresses(dataplane, node.name, devices.tunnel);
      nodes.push({ id: tunnel, kind: 'tunnel', label: devices.tunnel, parent, ...(detail ? { detail } : {}) });
      edges.push({ id: `encap:${node.name}`, source: tunnel, target: nic, kind: 'tunnel' });
    }
    if (collapsing && !options.expanded.has(node.name) && pods.length > 0) {
      collapsed.push(node.name);
      nodes.push({ id: ids.pods(node.name), kind: 'aggregate', label: `${pods.length} pods`, parent, count: pods.length, detail: 'double-click to expand' });
      edges.push({ id: `veths:${node.name}`, source: ids.pods(node.name), target: attach, kind: 'veth' });
      continue;
    }
    for (const pod of pods) {
      const id = ids.pod(pod.namespace, pod.name);
      shownPods.add(id);
      nodes.push({ id, kind: 'pod', label: pod.name, parent, detail: `${pod.namespace}/${pod.name} ${pod.ip}`, sourceLine: pod.source.line });
      edges.push({ id: `veth:${id}`, source: id, target: attach, kind: 'veth' });
    }
  }

  for (const ext of topology.externals) {
    const id = ids.external(ext.name);
    nodes.push({ id, kind: 'external', label: `${ext.name} ${ext.address}`, detail: `${ext.address}/${ext.prefixLength} ${ext.mac}`, sourceLine: ext.source.line });
    edges.push({ id: `link:ext:${ext.name}`, source: id, target: addSegment(segmentOf(ext.address, ext.prefixLength)), kind: 'link' });
  }

  const sliceTargets = endpointPods(topology);
  const present = new Set(nodes.map((n) => n.id));
  // An endpoint on a collapsed node points at whatever stands for its pods: the pod count, or the
  // node itself when the node is one element.
  const podsOf = (nodeName: string) => (present.has(ids.pods(nodeName)) ? ids.pods(nodeName) : ids.node(nodeName));
  const edgeIds = new Set<string>();
  for (const svc of topology.services) {
    const id = ids.service(svc.namespace, svc.name);
    const ports = svc.ports.map((p) => `${p.port}/${p.protocol}`).join(', ');
    nodes.push({ id, kind: 'service', label: `${svc.name} ${svc.clusterIP}`, detail: `${svc.type} ${svc.namespace}/${svc.name} ${ports}`, sourceLine: svc.source.line });
    for (const target of sliceTargets.get(`${svc.namespace}/${svc.name}`) ?? []) {
      const podId = ids.pod(target.namespace, target.name);
      const to = shownPods.has(podId) ? podId : target.nodeName ? podsOf(target.nodeName) : undefined;
      if (!to || !present.has(to)) continue;
      const edgeId = `ep:${id}->${to}`;
      if (edgeIds.has(edgeId)) continue;
      edgeIds.add(edgeId);
      edges.push({ id: edgeId, source: id, target: to, kind: 'endpoint' });
    }
  }
  return { title: topology.cluster.name, nodes, edges, collapsed };
}

interface EndpointTarget {
  readonly namespace: string;
  readonly name: string;
  readonly nodeName?: string;
}

/** Service `ns/name` → the pods its EndpointSlices point at. */
export function endpointPods(topology: Topology): Map<string, EndpointTarget[]> {
  const podsByIp = new Map(topology.pods.map((p) => [p.ip, p] as const));
  const out = new Map<string, EndpointTarget[]>();
  for (const slice of topology.endpointSlices) {
    const key = `${slice.namespace}/${slice.serviceName}`;
    const list = out.get(key) ?? [];
    for (const ep of slice.endpoints) {
      const byIp = podsByIp.get(ep.addresses[0] ?? '');
      const pod = ep.targetPod ?? byIp;
      if (!pod) continue;
      const nodeName = ep.nodeName ?? byIp?.nodeName;
      list.push({ namespace: pod.namespace, name: pod.name, ...(nodeName ? { nodeName } : {}) });
    }
    out.set(key, list);
  }
  return out;
}

/**
 * A device's addresses on a node as `ip addr` prints them (`10.40.0.0/12`), or nothing when the
 * node has no such device (a bridge plugin creates its bridge with the node's first pod).
 */
export function deviceAddresses(dataplane: Dataplane, node: string, device: string): string | undefined {
  const found = dataplane.namespace(nodeNetnsId(node))?.devices.find((d) => d.name === device);
  const text = found?.addresses.map((a) => `${a.address}/${a.prefixLength}`).join(', ');
  return text || undefined;
}
