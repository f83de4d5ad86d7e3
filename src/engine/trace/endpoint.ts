/**
 * The endpoint syntax of DESIGN.md §5 (`pod/NS/NAME`, `NAME`, `node/NAME`, `ext/NAME`,
 * `ip/ADDR[:PORT]`, `svc/NS/NAME[:PORT]`) and its resolution against a topology. A destination pod,
 * node or external host may carry a `:PORT` too (`node/node2:32506` for a NodePort): Kubernetes
 * names cannot hold a colon, so the suffix is unambiguous.
 */

import type { ExternalHost, NodeInfo, Pod, Service, Topology } from '../model/types';
import { cacheSlot, topologyCaches } from '../model/caches';
import { isIpv4 } from '../net/ipv4';

export type EndpointSpec =
  | { readonly kind: 'pod'; readonly namespace?: string; readonly name: string; readonly port?: number }
  | { readonly kind: 'node'; readonly name: string; readonly port?: number }
  | { readonly kind: 'ext'; readonly name: string; readonly port?: number }
  | { readonly kind: 'ip'; readonly address: string; readonly port?: number }
  | { readonly kind: 'svc'; readonly namespace: string; readonly name: string; readonly port?: string };

export type Parsed<T> = { readonly ok: true; readonly value: T } | { readonly ok: false; readonly error: string };

function parsePort(text: string): number | undefined {
  const n = Number(text);
  return /^\d+$/.test(text) && n >= 1 && n <= 65535 ? n : undefined;
}

/** Splits a trailing `:PORT` off a named endpoint; `undefined` port when there is none. */
function splitPort(text: string): Parsed<{ readonly name: string; readonly port?: number }> {
  const colon = text.lastIndexOf(':');
  if (colon < 0) return { ok: true, value: { name: text } };
  const port = parsePort(text.slice(colon + 1));
  return port ? { ok: true, value: { name: text.slice(0, colon), port } } : { ok: false, error: 'port must be 1-65535' };
}

export function parseEndpoint(spec: string): Parsed<EndpointSpec> {
  const slash = spec.indexOf('/');
  const kind = slash < 0 ? '' : spec.slice(0, slash);
  const rest = slash < 0 ? spec : spec.slice(slash + 1);
  const bad = (why: string): Parsed<EndpointSpec> => ({ ok: false, error: `${spec}: ${why}` });
  switch (kind) {
    case '':
    case 'pod': {
      const split = splitPort(rest);
      if (!split.ok) return bad(split.error);
      const { name: path, port } = split.value;
      const parts = path.split('/');
      const withPort = port === undefined ? {} : { port };
      if (kind === 'pod' && parts.length === 2 && parts[0] && parts[1]) return { ok: true, value: { kind: 'pod', namespace: parts[0], name: parts[1], ...withPort } };
      if (parts.length === 1 && parts[0]) return { ok: true, value: { kind: 'pod', name: parts[0], ...withPort } };
      return bad(kind === '' ? 'empty endpoint' : 'expected pod/NAMESPACE/NAME[:PORT]');
    }
    case 'node':
    case 'ext': {
      const split = splitPort(rest);
      if (!split.ok) return bad(split.error);
      const { name, port } = split.value;
      return name && !name.includes('/') ? { ok: true, value: { kind, name, ...(port === undefined ? {} : { port }) } } : bad(`expected ${kind}/NAME[:PORT]`);
    }
    case 'ip': {
      const colon = rest.indexOf(':');
      const address = colon < 0 ? rest : rest.slice(0, colon);
      if (!isIpv4(address)) return bad('expected ip/A.B.C.D or ip/A.B.C.D:PORT');
      if (colon < 0) return { ok: true, value: { kind: 'ip', address } };
      const port = parsePort(rest.slice(colon + 1));
      return port ? { ok: true, value: { kind: 'ip', address, port } } : bad('port must be 1-65535');
    }
    case 'svc': {
      const colon = rest.indexOf(':');
      const path = colon < 0 ? rest : rest.slice(0, colon);
      const parts = path.split('/');
      if (parts.length !== 2 || !parts[0] || !parts[1]) return bad('expected svc/NAMESPACE/NAME[:PORT]');
      const port = colon < 0 ? undefined : rest.slice(colon + 1);
      if (port === '') return bad('empty port');
      return { ok: true, value: { kind: 'svc', namespace: parts[0], name: parts[1], ...(port ? { port } : {}) } };
    }
    default:
      return bad(`unknown kind "${kind}" (pod, node, ext, ip, svc)`);
  }
}

/** Where a walk starts or aims: an address, and what is behind it when the topology knows. */
export interface ResolvedEndpoint {
  readonly ip: string;
  readonly port?: number;
  readonly pod?: Pod;
  readonly node?: string;
  readonly external?: string;
  readonly service?: Service;
  /** How to print it: `pod/default/nginx-1`, `node/master`, `svc/default/web:80`, `ip/10.42.1.9`. */
  readonly label: string;
}

/** Lookups by name and address, built once per topology so resolving an endpoint never scans the cluster. */
interface Indexes {
  readonly podsByName: ReadonlyMap<string, readonly Pod[]>;
  readonly podByIp: ReadonlyMap<string, Pod>;
  readonly nodeByName: ReadonlyMap<string, NodeInfo>;
  readonly nodeByAddress: ReadonlyMap<string, NodeInfo>;
  readonly externalByName: ReadonlyMap<string, ExternalHost>;
  readonly externalByAddress: ReadonlyMap<string, ExternalHost>;
  readonly serviceByName: ReadonlyMap<string, Service>;
}

const indexesSlot = cacheSlot<Indexes>('trace/endpoint indexes');

/** A map from key to the first item with that key, as `find` would pick. */
function firstBy<T>(items: readonly T[], key: (item: T) => string | undefined): Map<string, T> {
  const map = new Map<string, T>();
  for (const item of items) {
    const k = key(item);
    if (k !== undefined && !map.has(k)) map.set(k, item);
  }
  return map;
}

function indexesOf(topology: Topology): Indexes {
  return topologyCaches(topology).get(indexesSlot, () => {
    const podsByName = new Map<string, Pod[]>();
    for (const pod of topology.pods) {
      const list = podsByName.get(pod.name);
      if (list) list.push(pod);
      else podsByName.set(pod.name, [pod]);
    }
    return {
      podsByName,
      podByIp: firstBy(topology.pods, (p) => (p.hostNetwork ? undefined : p.ip)),
      nodeByName: firstBy(topology.nodes, (n) => n.name),
      nodeByAddress: firstBy(topology.nodes, (n) => n.address),
      externalByName: firstBy(topology.externals, (e) => e.name),
      externalByAddress: firstBy(topology.externals, (e) => e.address),
      serviceByName: firstBy(topology.services, (sv) => `${sv.namespace}/${sv.name}`),
    };
  });
}

export function findPod(topology: Topology, namespace: string | undefined, name: string): Parsed<Pod> {
  const matches = (indexesOf(topology).podsByName.get(name) ?? []).filter((p) => namespace === undefined || p.namespace === namespace);
  if (matches.length === 1) return { ok: true, value: matches[0]! };
  if (matches.length === 0) return { ok: false, error: `no pod ${namespace ? `${namespace}/` : ''}${name}` };
  return { ok: false, error: `pod name ${name} is in several namespaces (${matches.map((p) => p.namespace).join(', ')}); write pod/NS/${name}` };
}

const portOf = (spec: { readonly port?: number }): { port?: number } => (spec.port === undefined ? {} : { port: spec.port });
const portLabel = (spec: { readonly port?: number }): string => (spec.port === undefined ? '' : `:${spec.port}`);

export function resolveEndpoint(topology: Topology, spec: EndpointSpec): Parsed<ResolvedEndpoint> {
  switch (spec.kind) {
    case 'pod': {
      const found = findPod(topology, spec.namespace, spec.name);
      if (!found.ok) return found;
      const pod = found.value;
      return { ok: true, value: { ip: pod.ip, ...portOf(spec), pod, node: pod.nodeName, label: `pod/${pod.namespace}/${pod.name}${portLabel(spec)}` } };
    }
    case 'node': {
      const node = indexesOf(topology).nodeByName.get(spec.name);
      return node ? { ok: true, value: { ip: node.address, ...portOf(spec), node: node.name, label: `node/${node.name}${portLabel(spec)}` } } : { ok: false, error: `no node ${spec.name}` };
    }
    case 'ext': {
      const ext = indexesOf(topology).externalByName.get(spec.name);
      return ext ? { ok: true, value: { ip: ext.address, ...portOf(spec), external: ext.name, label: `ext/${ext.name}${portLabel(spec)}` } } : { ok: false, error: `no external host ${spec.name}` };
    }
    case 'ip': {
      const x = indexesOf(topology);
      const pod = x.podByIp.get(spec.address);
      const node = x.nodeByAddress.get(spec.address);
      const ext = x.externalByAddress.get(spec.address);
      return {
        ok: true,
        value: {
          ip: spec.address,
          ...(spec.port ? { port: spec.port } : {}),
          ...(pod ? { pod, node: pod.nodeName } : node ? { node: node.name } : {}),
          ...(ext ? { external: ext.name } : {}),
          label: `ip/${spec.address}${spec.port ? `:${spec.port}` : ''}`,
        },
      };
    }
    case 'svc': {
      const svc = indexesOf(topology).serviceByName.get(`${spec.namespace}/${spec.name}`);
      if (!svc) return { ok: false, error: `no service ${spec.namespace}/${spec.name}` };
      if (svc.clusterIP === 'None' || !isIpv4(svc.clusterIP)) return { ok: false, error: `service ${spec.namespace}/${spec.name} has no cluster IP (headless or ExternalName); trace to a pod instead` };
      const port = spec.port === undefined ? svc.ports[0] : svc.ports.find((p) => p.name === spec.port || String(p.port) === spec.port);
      if (!port) return { ok: false, error: `service ${spec.namespace}/${spec.name} has no port ${spec.port ?? ''}`.trim() };
      return { ok: true, value: { ip: svc.clusterIP, port: port.port, service: svc, label: `svc/${svc.namespace}/${svc.name}:${port.port}` } };
    }
  }
}
