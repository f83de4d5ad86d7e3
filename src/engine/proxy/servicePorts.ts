/**
 * The view kube-proxy builds before writing rules: one entry per service port (its ServicePortMap)
 * with the endpoints of that port (its EndpointsMap), from one node's point of view.
 */

import type { EndpointSlice, Service, ServicePort, Topology } from '../model/types';
import { endpointChain, serviceChains, servicePortName, type ServiceChains } from './names';

export interface ProxyEndpoint {
  readonly ip: string;
  readonly port: number;
  /** `ip:port`, kube-proxy's Endpoint.String(). */
  readonly key: string;
  readonly isLocal: boolean;
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  /** KUBE-SEP-… */
  readonly chain: string;
  readonly nodeName?: string;
  readonly targetPod?: { readonly namespace: string; readonly name: string };
}

export interface ProxyServicePort {
  readonly service: Service;
  readonly port: ServicePort;
  /** `ns/name:port`. */
  readonly name: string;
  /** Lower case, as the rules spell it. */
  readonly protocol: 'tcp' | 'udp' | 'sctp';
  readonly clusterIP: string;
  readonly externalIPs: readonly string[];
  readonly loadBalancerVIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly nodePort: number;
  readonly healthCheckNodePort: number;
  readonly externalPolicyLocal: boolean;
  readonly internalPolicyLocal: boolean;
  readonly clientIPAffinity: boolean;
  readonly stickySeconds: number;
  readonly chains: ServiceChains;
  /** Every endpoint of the port, sorted by `ip:port` as kube-proxy's EndpointSliceCache sorts them. */
  readonly endpoints: readonly ProxyEndpoint[];
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;
const isIPv4 = (s: string): boolean => IPV4.test(s);

/** CIDRs as kube-proxy keeps them: trimmed (it tolerates stray spaces), IPv4 only. */
function ipv4Cidrs(values: readonly string[]): string[] {
  return values.map((v) => v.trim()).filter((v) => isIPv4(v.split('/')[0]!));
}

/** What Service objects kube-proxy skips: headless, ExternalName, no IPv4 cluster IP. */
function proxied(svc: Service): boolean {
  return svc.type !== 'ExternalName' && svc.clusterIP !== 'None' && svc.clusterIP !== '' && isIPv4(svc.clusterIP);
}

/** apiservice.ExternallyAccessible: the Service-level test that gates externalTrafficPolicy. */
function serviceExternallyAccessible(svc: Service): boolean {
  return svc.type === 'LoadBalancer' || svc.type === 'NodePort' || (svc.type === 'ClusterIP' && svc.externalIPs.length > 0);
}

/** The IPv4 EndpointSlices of each service (`ns/name`), by slice name, found in one pass. */
function slicesByService(topology: Topology): Map<string, EndpointSlice[]> {
  const out = new Map<string, EndpointSlice[]>();
  for (const s of topology.endpointSlices) {
    if (s.addressType !== 'IPv4') continue;
    const key = `${s.namespace}/${s.serviceName}`;
    const list = out.get(key);
    if (list) list.push(s);
    else out.set(key, [s]);
  }
  for (const list of out.values()) if (list.length > 1) list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  return out;
}

/**
 * An endpoint as kube-proxy sees it. Its chain name is hashed when first asked for: a node's
 * service ports hold every endpoint of the cluster, and a walk enters a few of their chains.
 */
class Endpoint implements ProxyEndpoint {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
  constructor(
    readonly ip: string,
    readonly port: number,
    readonly key: string,
    readonly isLocal: boolean,
    conditions: { readonly ready: boolean; readonly serving: boolean; readonly terminating: boolean },
    private readonly portName: string,
    private readonly protocol: string,
    readonly nodeName: string | undefined,
    readonly targetPod: ProxyEndpoint['targetPod'],
  ) {
    this.ready = conditions.ready;
    this.serving = conditions.serving;
    this.terminating = conditions.terminating;
  }

  private named?: string;

  get chain(): string {
    return (this.named ??= endpointChain(this.portName, this.protocol, this.key));
  }
}

function endpointsFor(slices: readonly EndpointSlice[], port: ServicePort, name: string, protocol: string, nodeName: string): ProxyEndpoint[] {
  const all: ProxyEndpoint[] = [];
  for (const slice of slices) {
    const slicePort = slice.ports.find((p) => p.name === port.name && p.protocol === port.protocol);
    if (!slicePort) continue;
    for (const ep of slice.endpoints) {
      const ip = ep.addresses[0];
      if (ip === undefined || !isIPv4(ip)) continue;
      const key = `${ip}:${slicePort.port}`;
      const isLocal = ep.nodeName !== undefined && ep.nodeName === nodeName;
      all.push(new Endpoint(ip, slicePort.port, key, isLocal, ep.conditions, name, protocol, ep.nodeName, ep.targetPod));
    }
  }
  // A stable sort keeps the copies of one endpoint (overlapping slices) in slice order.
  all.sort(compareEndpointKeys);
  const out: ProxyEndpoint[] = [];
  for (const ep of all) {
    const last = out[out.length - 1];
    // Overlapping slices: the first copy wins, unless a later one says the endpoint is local.
    if (last?.key !== ep.key) out.push(ep);
    else if (ep.isLocal) out[out.length - 1] = ep;
  }
  return out;
}

/** By `ip:port` as a string, as kube-proxy sorts them. */
function compareEndpointKeys(a: ProxyEndpoint, b: ProxyEndpoint): number {
  return a.key < b.key ? -1 : a.key > b.key ? 1 : 0;
}

/** Every proxied service port of the topology, as seen from `nodeName`, services in name order. */
export function servicePorts(topology: Topology, nodeName: string): ProxyServicePort[] {
  const out: ProxyServicePort[] = [];
  const slices = slicesByService(topology);
  const services = topology.services.filter(proxied).map((svc) => ({ svc, key: `${svc.namespace}/${svc.name}` }));
  services.sort((a, b) => (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
  for (const { svc, key } of services) {
    const own = slices.get(key) ?? [];
    const externalPolicyLocal = serviceExternallyAccessible(svc) && svc.externalTrafficPolicy === 'Local';
    const needsHealthCheck = svc.type === 'LoadBalancer' && svc.externalTrafficPolicy === 'Local';
    for (const port of svc.ports) {
      const name = servicePortName(svc.namespace, svc.name, port.name);
      const protocol = port.protocol.toLowerCase() as ProxyServicePort['protocol'];
      out.push({
        service: svc,
        port,
        name,
        protocol,
        clusterIP: svc.clusterIP,
        externalIPs: svc.externalIPs.map((ip) => ip.trim()).filter(isIPv4),
        loadBalancerVIPs: svc.type === 'LoadBalancer' ? svc.loadBalancerIPs.map((ip) => ip.trim()).filter(isIPv4) : [],
        loadBalancerSourceRanges: ipv4Cidrs(svc.loadBalancerSourceRanges),
        nodePort: port.nodePort ?? 0,
        healthCheckNodePort: needsHealthCheck ? (svc.healthCheckNodePort ?? 0) : 0,
        externalPolicyLocal,
        internalPolicyLocal: svc.internalTrafficPolicy === 'Local',
        clientIPAffinity: svc.sessionAffinity === 'ClientIP',
        stickySeconds: svc.sessionAffinityTimeoutSeconds,
        chains: serviceChains(name, protocol),
        endpoints: endpointsFor(own, port, name, protocol, nodeName),
      });
    }
  }
  return out;
}

/** ServicePort.ExternallyAccessible: any NodePort, LoadBalancer VIP or external IP. */
export function externallyAccessible(sp: ProxyServicePort): boolean {
  return sp.nodePort !== 0 || sp.loadBalancerVIPs.length > 0 || sp.externalIPs.length > 0;
}

export function usesClusterEndpoints(sp: ProxyServicePort): boolean {
  return !sp.internalPolicyLocal || (externallyAccessible(sp) && !sp.externalPolicyLocal);
}

export function usesLocalEndpoints(sp: ProxyServicePort): boolean {
  return sp.internalPolicyLocal || (externallyAccessible(sp) && sp.externalPolicyLocal);
}

export interface CategorizedEndpoints {
  readonly cluster: readonly ProxyEndpoint[];
  readonly local: readonly ProxyEndpoint[];
  readonly allReachable: readonly ProxyEndpoint[];
  readonly hasAny: boolean;
}

/** proxy.CategorizeEndpoints without topology hints (the model carries none). */
export function categorizeEndpoints(sp: ProxyServicePort): CategorizedEndpoints {
  const eps = sp.endpoints;
  let cluster: ProxyEndpoint[] = [];
  let hasAny = false;
  if (usesClusterEndpoints(sp)) {
    cluster = eps.filter((e) => e.ready);
    // No ready endpoint anywhere: fall back to serving, terminating ones.
    if (cluster.length === 0) cluster = eps.filter((e) => e.serving && e.terminating);
    if (cluster.length > 0) hasAny = true;
  }
  if (!usesLocalEndpoints(sp)) return { cluster, local: [], allReachable: cluster, hasAny };

  let localReady = false;
  let localServingTerminating = false;
  for (const e of eps) {
    if (e.ready) {
      hasAny = true;
      if (e.isLocal) localReady = true;
    } else if (e.serving && e.terminating) {
      hasAny = true;
      if (e.isLocal) localServingTerminating = true;
    }
  }
  let local: ProxyEndpoint[] = [];
  let useServingTerminating = false;
  if (localReady) local = eps.filter((e) => e.isLocal && e.ready);
  else if (localServingTerminating) {
    useServingTerminating = true;
    local = eps.filter((e) => e.isLocal && e.serving && e.terminating);
  }
  if (!usesClusterEndpoints(sp)) return { cluster, local, allReachable: local, hasAny };
  if (!useServingTerminating) return { cluster, local, allReachable: cluster, hasAny };
  // kube-proxy merges the two lists through a map; its order is unspecified, ours is by key.
  const merged = new Map<string, ProxyEndpoint>();
  for (const e of [...cluster, ...local]) merged.set(e.key, e);
  const allReachable = [...merged.values()].sort(compareEndpointKeys);
  return { cluster, local, allReachable, hasAny };
}
