/**
 * What a running cluster fills in and a file usually leaves out, derived deterministically from
 * file order: pod placement, pod IPs (host-local style: the bridge takes .1, pods from .2), pod
 * MACs, Service clusterIPs and nodePorts, and EndpointSlices from Service selectors.
 */

import type { SourcePos } from '../diagnostics';
import { cidrContains, formatIPv4, lastAddress, parseIPv4, type Cidr } from '../net/cidr';
import { derivedMac } from '../net/derivedNames';
import { podMacFor } from '../net/mac';
import type { NodeDraft } from './cluster';
import { podRangeOf } from './nodes';
import type { CniConfig, Container, Endpoint, EndpointSlice, Protocol } from './types';
import { generatedSuffix } from './names';
import type { PodDraft } from './pods';
import type { SelectorIndex } from './selectIndex';
import type { ServiceDraft } from './services';

const CONTROL_PLANE_LABELS = ['node-role.kubernetes.io/control-plane', 'node-role.kubernetes.io/master'];

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** Puts pods without a nodeName on the nodes their nodeSelector admits, round robin, workers before control-plane nodes. */
export function placePods(pods: readonly PodDraft[], nodes: readonly NodeDraft[]): void {
  const workers = nodes.filter((n) => !CONTROL_PLANE_LABELS.some((l) => l in n.labels));
  let turn = 0;
  for (const pod of pods) {
    if (pod.nodeName !== undefined) continue;
    const pool = (workers.length ? workers : nodes).filter((n) => matches(pod.nodeSelector, n.labels));
    const fallback = nodes.filter((n) => matches(pod.nodeSelector, n.labels));
    const candidates = pool.length ? pool : fallback;
    if (candidates.length) pod.nodeName = candidates[turn++ % candidates.length]!.name;
  }
}

/** Whether the CNI hands pods addresses from a bridge on the node's podCIDR (gateway .1, MAC 0a:58:<IP>). */
function bridgeCni(cni: CniConfig): boolean {
  return cni.plugin === 'flannel' || cni.plugin === 'canal' || cni.plugin === 'kubenet';
}

export interface PodAddress {
  readonly ip: string;
  /** The address as a number, for the address book (hostNetwork pods, which hold none of their own, have none). */
  readonly ipNumber?: number;
  readonly mac: string;
  readonly derived: boolean;
}

/**
 * Addresses for every pod, by its index in `pods` (placed on the node of the same index in
 * `nodes`): as written, else the next free one of its node's range. Calico takes from its block's first address, after the tunnel device's when it
 * encapsulates; AWS VPC pods take the node's ENI secondary addresses in order.
 */
export function assignPodAddresses(pods: readonly PodDraft[], nodes: readonly NodeDraft[], cni: CniConfig, onExhausted: (pod: PodDraft, node: NodeDraft) => void): (PodAddress | undefined)[] {
  // Each written address is parsed once: the numbers serve both the used set and the MACs.
  const written: (number | undefined)[] = new Array(pods.length);
  const used = new Set<number>();
  for (let i = 0; i < pods.length; i++) {
    const p = pods[i]!;
    if (p.ip && !p.hostNetwork) used.add((written[i] = parseIPv4(p.ip)!));
  }
  const bridge = bridgeCni(cni);
  const macOf = (pod: PodDraft, ip: number): string => (bridge ? podMacFor(ip) : derivedMac(`${pod.namespace}/${pod.name}/eth0`));
  const cursor = new Map<string, number>();
  const eniPool = new Map<string, number[]>();
  const out: (PodAddress | undefined)[] = new Array(pods.length).fill(undefined);
  const firstOffset = cni.plugin === 'calico' ? (cni.ipipMode !== 'Never' || cni.vxlanMode !== 'Never' ? 1 : 0) : 2;
  for (let i = 0; i < pods.length; i++) {
    const pod = pods[i]!;
    const node = nodes[i]!;
    if (pod.hostNetwork) {
      out[i] = { ip: node.address ?? '0.0.0.0', mac: node.mac ?? '', derived: pod.ip === undefined };
      continue;
    }
    if (pod.ip) {
      out[i] = { ip: pod.ip, ipNumber: written[i]!, mac: macOf(pod, written[i]!), derived: false };
      continue;
    }
    if (cni.plugin === 'aws-vpc' && node.enis.length) {
      let pool = eniPool.get(node.name);
      if (!pool) eniPool.set(node.name, (pool = node.enis.flatMap((e) => e.secondary.map((a) => parseIPv4(a)!)).filter((a) => !used.has(a))));
      const ip = pool.shift();
      if (ip === undefined) onExhausted(pod, node);
      else out[i] = { ip: formatIPv4(ip), ipNumber: ip, mac: macOf(pod, ip), derived: true };
      continue;
    }
    const range = podRangeOf(node);
    if (typeof range !== 'object') continue;
    let ip = cursor.get(node.name) ?? range.base + firstOffset;
    while (used.has(ip)) ip++;
    if (ip >= lastAddress(range)) {
      onExhausted(pod, node);
      continue;
    }
    used.add(ip);
    cursor.set(node.name, ip + 1);
    out[i] = { ip: formatIPv4(ip), ipNumber: ip, mac: macOf(pod, ip), derived: true };
  }
  return out;
}

/** Next free address of the service range from .10 up, as written ones are kept (.1 is the kubernetes Service's). */
export function allocateClusterIps(services: readonly ServiceDraft[], range: Cidr): Map<ServiceDraft, string> {
  const used = new Set<number>([range.base + 1]);
  for (const s of services) if (s.clusterIP && s.clusterIP !== 'None') used.add(parseIPv4(s.clusterIP)!);
  const out = new Map<ServiceDraft, string>();
  let next = range.base + 10;
  for (const s of services) {
    if (s.clusterIP !== undefined) out.set(s, s.clusterIP);
    else if (s.type === 'ExternalName') out.set(s, 'None');
    else {
      while (used.has(next)) next++;
      if (cidrContains(range, next) && next < lastAddress(range)) {
        used.add(next);
        out.set(s, formatIPv4(next++));
      }
    }
  }
  return out;
}

/** nodePorts for NodePort and LoadBalancer ports that have none, from 30000 up, skipping written ones. */
export function allocateNodePorts(services: readonly ServiceDraft[]): { nodePort: Map<ServiceDraft, (number | undefined)[]>; healthCheck: Map<ServiceDraft, number> } {
  const used = new Set<number>();
  for (const s of services) {
    for (const p of s.ports) if (p.nodePort !== undefined) used.add(p.nodePort);
    if (s.healthCheckNodePort !== undefined) used.add(s.healthCheckNodePort);
  }
  let next = 30000;
  const take = (): number => {
    while (used.has(next)) next++;
    used.add(next);
    return next;
  };
  const nodePort = new Map<ServiceDraft, (number | undefined)[]>();
  const healthCheck = new Map<ServiceDraft, number>();
  for (const s of services) {
    const exposed = s.type === 'NodePort' || s.type === 'LoadBalancer';
    nodePort.set(s, s.ports.map((p) => p.nodePort ?? (exposed ? take() : undefined)));
    if (s.type === 'LoadBalancer' && s.externalTrafficPolicy === 'Local') healthCheck.set(s, s.healthCheckNodePort ?? take());
  }
  return { nodePort, healthCheck };
}

/** A pod's container port for a named targetPort with the Service port's protocol, as FindPort resolves it. */
export function findNamedPort(containers: readonly Container[], name: string, protocol: Protocol): number | undefined {
  for (const c of containers) for (const p of c.ports) if (p.name === name && p.protocol === protocol) return p.containerPort;
  return undefined;
}

export interface SelectablePod {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly ip: string;
  readonly nodeName: string;
  readonly ready: boolean;
  readonly containers: readonly Container[];
}

/** What deriving a Service's EndpointSlices reads of it: a draft, or a loaded Service when one pod changes. */
export interface SelectingService {
  readonly source: SourcePos;
  readonly name: string;
  readonly namespace: string;
  readonly selector: Readonly<Record<string, string>>;
  readonly ports: readonly { readonly name: string; readonly targetPort: number | string; readonly protocol: Protocol }[];
}

/** The conditions a derived endpoint has: one object for ready pods and one for the others, shared by all. */
const readyConditions: Endpoint['conditions'] = Object.freeze({ ready: true, serving: true, terminating: false });
const notReadyConditions: Endpoint['conditions'] = Object.freeze({ ready: false, serving: false, terminating: false });

interface PortGroup {
  readonly ports: EndpointSlice['ports'];
  readonly endpoints: Endpoint[];
}

/**
 * The EndpointSlices the EndpointSlice controller would write for a Service with a selector:
 * pods grouped by the ports their targetPorts resolve to (a pod that lacks a named port is left
 * out of that port), one slice per group, and an empty placeholder when no pod is selected.
 */
export function deriveEndpointSlices(svc: SelectingService, pods: SelectorIndex<SelectablePod>, zoneOf: (node: string) => string | undefined): EndpointSlice[] {
  const groups = new Map<string, PortGroup>();
  // With numeric targetPorts every pod resolves to the same ports: one group, no per-pod lookup.
  const numeric = svc.ports.every((sp) => typeof sp.targetPort === 'number') ? svc.ports.map((sp) => ({ name: sp.name, port: sp.targetPort as number, protocol: sp.protocol })) : undefined;
  // With named ones, each pod's resolution is compared with the one before it: pods of one
  // Service nearly always resolve alike, so the group's key is built only when that changes.
  const resolved: (number | undefined)[] = new Array(svc.ports.length);
  let last: { readonly numbers: readonly (number | undefined)[]; readonly group: PortGroup } | undefined;
  for (const pod of pods.select(svc.namespace, svc.selector)) {
    let g: PortGroup | undefined;
    if (numeric) {
      g = groups.get('');
      if (!g) groups.set('', (g = { ports: numeric, endpoints: [] }));
    } else {
      for (let i = 0; i < svc.ports.length; i++) {
        const sp = svc.ports[i]!;
        resolved[i] = typeof sp.targetPort === 'number' ? sp.targetPort : findNamedPort(pod.containers, sp.targetPort, sp.protocol);
      }
      if (last && sameNumbers(last.numbers, resolved)) g = last.group;
      else {
        const ports: { name: string; port: number; protocol: Protocol }[] = [];
        for (let i = 0; i < svc.ports.length; i++) {
          const port = resolved[i];
          if (port !== undefined) ports.push({ name: svc.ports[i]!.name, port, protocol: svc.ports[i]!.protocol });
        }
        const key = ports.map((p) => `${p.name}/${p.port}/${p.protocol}`).join(',');
        g = groups.get(key);
        if (!g) groups.set(key, (g = { ports, endpoints: [] }));
        last = { numbers: resolved.slice(), group: g };
      }
    }
    const zone = zoneOf(pod.nodeName);
    const endpoint: { -readonly [K in keyof Endpoint]: Endpoint[K] } = {
      addresses: [pod.ip],
      conditions: pod.ready ? readyConditions : notReadyConditions,
      nodeName: pod.nodeName,
      targetPod: { namespace: pod.namespace, name: pod.name },
    };
    if (zone !== undefined) endpoint.zone = zone;
    g.endpoints.push(endpoint);
  }
  const slice = (key: string, ports: EndpointSlice['ports'], endpoints: Endpoint[]): EndpointSlice => ({
    source: svc.source,
    name: `${svc.name}-${generatedSuffix(`${svc.namespace}/${svc.name}/${key}`, 5)}`,
    namespace: svc.namespace,
    serviceName: svc.name,
    addressType: 'IPv4',
    ports,
    endpoints,
    derived: true,
  });
  if (groups.size === 0) return [slice('', [], [])];
  return [...groups].map(([key, g]) => slice(key, g.ports, g.endpoints));
}

function sameNumbers(a: readonly (number | undefined)[], b: readonly (number | undefined)[]): boolean {
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false;
  return true;
}
