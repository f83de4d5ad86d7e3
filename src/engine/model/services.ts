/** Reads Services; a missing clusterIP or nodePort is allocated later, deterministically. */

import type { SourcePos } from '../diagnostics';
import { parseIPv4 } from '../net/cidr';
import type { Protocol, ServiceType } from './types';
import { servicePortFields, serviceSpecFields } from './k8sFields';
import { readMeta } from './meta';
import { absent, fieldNames, plainMeta, plainStrings, sized } from './plain';
import { isRecord, onlyNames, type Reader } from './reader';
import { protocols, readAddress, readCidr, readPort, readProtocol } from './values';

export interface ServicePortDraft {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

export interface ServiceDraft {
  readonly reader: Reader;
  readonly source: SourcePos;
  readonly name: string;
  readonly namespace: string;
  readonly type: ServiceType;
  /** As written: an address, "None", or absent (allocated later). */
  readonly clusterIP?: string;
  readonly ports: readonly ServicePortDraft[];
  readonly selector?: Record<string, string>;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds: number;
  readonly healthCheckNodePort?: number;
}

const serviceTypes: readonly ServiceType[] = ['ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName'];

/** A port number the API leaves unallocated: absent, or 0 (Go's zero value, which `-o json` prints). */
function unset(v: unknown): boolean {
  return v === undefined || v === 0;
}

export function readService(r: Reader): ServiceDraft | undefined {
  return plainService(r) ?? readServiceInFull(r);
}

/** A Service read field by field through the reader, each wrong field reported where it is written. */
export function readServiceInFull(r: Reader): ServiceDraft | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const s = ['spec'];
  r.obj(s, true);
  r.fields(s, serviceSpecFields.reads, 'lenient', serviceSpecFields.known);
  const type = r.oneOf([...s, 'type'], serviceTypes, 'ClusterIP');
  const rawIp = r.get([...s, 'clusterIP']);
  const clusterIP = rawIp === undefined || rawIp === '' ? undefined : rawIp === 'None' ? 'None' : readAddress(r, [...s, 'clusterIP']);
  const ports: ServicePortDraft[] = [];
  const list = r.arr([...s, 'ports']);
  list.forEach((_, i) => {
    const p = [...s, 'ports', i];
    if (!r.obj(p, true)) return;
    r.fields(p, servicePortFields.reads, 'lenient', servicePortFields.known);
    const port = readPort(r, [...p, 'port'], true);
    const tp = r.get([...p, 'targetPort']);
    let targetPort: number | string | undefined = port;
    if (typeof tp === 'number') targetPort = readPort(r, [...p, 'targetPort']);
    else if (typeof tp === 'string') targetPort = /^[0-9]+$/.test(tp) ? readPort(r, [...p, 'targetPort']) ?? Number(tp) : tp;
    else if (tp !== undefined && tp !== null) r.report('wrongType', [...p, 'targetPort'], 'targetPort must be a port number or the name of a container port');
    // The API prints an unallocated nodePort as 0 (a ClusterIP Service's ports, `kubectl get -o json`).
    const nodePort = unset(r.get([...p, 'nodePort'])) ? undefined : readPort(r, [...p, 'nodePort']);
    if (nodePort !== undefined && (nodePort < 30000 || nodePort > 32767)) {
      r.report('nodePortRange', [...p, 'nodePort'], `nodePort ${nodePort} is outside Kubernetes' default range 30000-32767; the API server would refuse it unless --service-node-port-range was changed`);
    }
    if (port === undefined || targetPort === undefined) return;
    ports.push({ name: r.scalarText([...p, 'name']) ?? '', protocol: readProtocol(r, [...p, 'protocol']), port, targetPort, ...(nodePort !== undefined ? { nodePort } : {}) });
  });
  const addresses = (key: string): string[] => {
    const out: string[] = [];
    r.arr([...s, key]).forEach((_, i) => {
      const a = readAddress(r, [...s, key, i]);
      if (a) out.push(a);
    });
    return out;
  };
  const lbIPs: string[] = [];
  if (r.get([...s, 'loadBalancerIP']) !== undefined) {
    const a = readAddress(r, [...s, 'loadBalancerIP']);
    if (a) lbIPs.push(a);
  }
  r.arr(['status', 'loadBalancer', 'ingress']).forEach((_, i) => {
    const a = r.get(['status', 'loadBalancer', 'ingress', i, 'ip']) === undefined ? undefined : readAddress(r, ['status', 'loadBalancer', 'ingress', i, 'ip']);
    if (a && !lbIPs.includes(a)) lbIPs.push(a);
  });
  const ranges: string[] = [];
  r.arr([...s, 'loadBalancerSourceRanges']).forEach((_, i) => {
    const c = readCidr(r, [...s, 'loadBalancerSourceRanges', i], { hostBits: 'network', trim: true });
    if (c) ranges.push(c.text);
  });
  const selector = r.get([...s, 'selector']) === undefined ? undefined : r.strMap([...s, 'selector']);
  const hc = unset(r.get([...s, 'healthCheckNodePort'])) ? undefined : readPort(r, [...s, 'healthCheckNodePort']);
  return {
    reader: r,
    source: r.doc.pos,
    name: meta.name,
    namespace: meta.namespace,
    type,
    ...(clusterIP !== undefined ? { clusterIP } : {}),
    ports,
    ...(selector ? { selector } : {}),
    externalIPs: addresses('externalIPs'),
    loadBalancerIPs: lbIPs,
    loadBalancerSourceRanges: ranges,
    externalTrafficPolicy: r.oneOf([...s, 'externalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster'),
    internalTrafficPolicy: r.oneOf([...s, 'internalTrafficPolicy'], ['Cluster', 'Local'] as const, 'Cluster'),
    sessionAffinity: r.oneOf([...s, 'sessionAffinity'], ['None', 'ClientIP'] as const, 'None'),
    sessionAffinityTimeoutSeconds: r.int([...s, 'sessionAffinityConfig', 'clientIP', 'timeoutSeconds'], 1, 86400) ?? 10800,
    ...(hc !== undefined ? { healthCheckNodePort: hc } : {}),
  };
}

const specNames = fieldNames(serviceSpecFields);
const portNames = fieldNames(servicePortFields);

/** One of `values` as `Reader.oneOf` reads it (absent: the fallback), or undefined when it would report. */
function plainChoice<T extends string>(v: unknown, values: readonly T[], fallback: T): T | undefined {
  if (absent(v)) return fallback;
  return typeof v === 'string' && (values as readonly string[]).includes(v) ? (v as T) : undefined;
}

function isPort(v: unknown): v is number {
  return typeof v === 'number' && Number.isInteger(v) && v >= 1 && v <= 65535;
}

function isAddress(v: unknown): v is string {
  return typeof v === 'string' && parseIPv4(v) !== undefined;
}

function plainPorts(list: unknown): ServicePortDraft[] | undefined {
  if (absent(list)) return [];
  if (!Array.isArray(list)) return undefined;
  const ports = sized<ServicePortDraft>(list.length);
  for (let i = 0; i < list.length; i++) {
    const p: unknown = list[i];
    if (!isRecord(p) || !onlyNames(p, portNames)) return undefined;
    const port = p.port;
    if (!isPort(port)) return undefined;
    // A targetPort of digits in a string is reported (and read as its number) by the general path.
    const tp = p.targetPort;
    const targetPort = absent(tp) ? port : isPort(tp) ? tp : typeof tp === 'string' && tp !== '' && !/^[0-9]+$/.test(tp) ? tp : undefined;
    if (targetPort === undefined) return undefined;
    const np = p.nodePort;
    if (!absent(np) && !(isPort(np) && np >= 30000 && np <= 32767)) return undefined;
    const rawName = p.name;
    const name = typeof rawName === 'string' ? rawName : typeof rawName === 'number' || typeof rawName === 'boolean' ? String(rawName) : absent(rawName) ? '' : undefined;
    const protocol = plainChoice(p.protocol, protocols, 'TCP');
    if (name === undefined || protocol === undefined) return undefined;
    ports[i] = np === undefined || np === null ? { name, protocol, port, targetPort } : { name, protocol, port, targetPort, nodePort: np };
  }
  return ports;
}

/** A list of addresses with every entry a valid one (absent: none), or undefined. */
function plainAddresses(list: unknown): string[] | undefined {
  if (absent(list)) return [];
  if (!Array.isArray(list)) return undefined;
  for (const a of list) if (!isAddress(a)) return undefined;
  return list.slice() as string[];
}

/** The load balancer addresses: spec.loadBalancerIP, then status.loadBalancer.ingress[].ip, each once. */
function plainLoadBalancerIps(spec: Record<string, unknown>, status: unknown): string[] | undefined {
  const out: string[] = [];
  const ip = spec.loadBalancerIP;
  if (!absent(ip)) {
    if (!isAddress(ip)) return undefined;
    out.push(ip);
  }
  const lb = status !== null && typeof status === 'object' ? (status as Record<string, unknown>).loadBalancer : undefined;
  const ingress = lb !== null && typeof lb === 'object' ? (lb as Record<string, unknown>).ingress : undefined;
  if (absent(ingress)) return out;
  if (!Array.isArray(ingress)) return undefined;
  for (const item of ingress) {
    const a = item !== null && typeof item === 'object' ? (item as Record<string, unknown>).ip : undefined;
    if (absent(a)) continue;
    if (!isAddress(a)) return undefined;
    if (!out.includes(a)) out.push(a);
  }
  return out;
}

/**
 * The common Service read straight off the parsed object; anything the general path would report
 * or read differently (source ranges, session affinity settings, a null selector) answers
 * undefined and takes that path instead.
 */
function plainService(r: Reader): ServiceDraft | undefined {
  const doc = r.doc.value;
  if (!isRecord(doc)) return undefined;
  const meta = plainMeta(doc.metadata, 'Service');
  const spec = doc.spec;
  if (!meta || !isRecord(spec) || !onlyNames(spec, specNames)) return undefined;
  const type = plainChoice(spec.type, serviceTypes, 'ClusterIP');
  const rawIp = spec.clusterIP;
  const clusterIP = absent(rawIp) || rawIp === '' ? undefined : rawIp === 'None' || isAddress(rawIp) ? rawIp : null;
  const ports = plainPorts(spec.ports);
  const externalIPs = plainAddresses(spec.externalIPs);
  const loadBalancerIPs = plainLoadBalancerIps(spec, doc.status);
  const selector = spec.selector === undefined ? undefined : plainStrings(spec.selector) ?? null;
  const hc = spec.healthCheckNodePort;
  const externalTrafficPolicy = plainChoice(spec.externalTrafficPolicy, ['Cluster', 'Local'] as const, 'Cluster');
  const internalTrafficPolicy = plainChoice(spec.internalTrafficPolicy, ['Cluster', 'Local'] as const, 'Cluster');
  const sessionAffinity = plainChoice(spec.sessionAffinity, ['None', 'ClientIP'] as const, 'None');
  if (!type || clusterIP === null || !ports || !externalIPs || !loadBalancerIPs || selector === null || !(absent(hc) || isPort(hc))) return undefined;
  if (!externalTrafficPolicy || !internalTrafficPolicy || !sessionAffinity) return undefined;
  if (!absent(spec.loadBalancerSourceRanges) || !absent(spec.sessionAffinityConfig)) return undefined;
  const draft: { -readonly [K in keyof ServiceDraft]: ServiceDraft[K] } = {
    reader: r, source: r.doc.pos, name: meta.name, namespace: meta.namespace, type, ports, externalIPs, loadBalancerIPs, loadBalancerSourceRanges: [],
    externalTrafficPolicy, internalTrafficPolicy, sessionAffinity, sessionAffinityTimeoutSeconds: 10800,
  };
  if (clusterIP !== undefined) draft.clusterIP = clusterIP;
  if (selector) draft.selector = selector;
  if (isPort(hc)) draft.healthCheckNodePort = hc;
  return draft;
}
