/**
 * EndpointSlices (discovery.k8s.io/v1) and the older Endpoints (v1) given in a file. Endpoints
 * become slices, the one form later stages read. An endpoint whose `ready` is absent counts as
 * ready: the API documents nil as "unknown" and every consumer, kube-proxy included, reads it so.
 */

import type { Endpoint, EndpointSlice, Protocol } from './types';
import { endpointConditionFields, endpointFields } from './k8sFields';
import { readMeta } from './meta';
import type { Path } from './path';
import type { Reader } from './reader';
import { readAddress, readPort, readProtocol } from './values';

type SlicePort = EndpointSlice['ports'][number];

function readPorts(r: Reader, path: Path): SlicePort[] {
  const out: SlicePort[] = [];
  r.arr(path).forEach((_, i) => {
    const p = [...path, i];
    if (!r.obj(p, true)) return;
    const port = readPort(r, [...p, 'port']);
    const protocol: Protocol = readProtocol(r, [...p, 'protocol']);
    if (port !== undefined) out.push({ name: r.scalarText([...p, 'name']) ?? '', port, protocol });
  });
  return out;
}

function readTarget(r: Reader, path: Path, namespace: string): Endpoint['targetPod'] {
  if (r.get([...path, 'kind']) !== 'Pod') return undefined;
  const name = r.str([...path, 'name']);
  return name === undefined ? undefined : { namespace: r.str([...path, 'namespace']) ?? namespace, name };
}

export function readEndpointSlice(r: Reader): EndpointSlice | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const serviceName = meta.labels['kubernetes.io/service-name'];
  if (serviceName === undefined) {
    r.report('missingField', ['metadata', 'labels'], 'an EndpointSlice names its Service with the label kubernetes.io/service-name; add it, or the slice belongs to no Service', 'key');
    return undefined;
  }
  const addressType = r.oneOf(['addressType'], ['IPv4', 'IPv6', 'FQDN'] as const, 'IPv4');
  const endpoints: Endpoint[] = [];
  r.arr(['endpoints']).forEach((_, i) => {
    const e = ['endpoints', i];
    if (!r.obj(e, true)) return;
    r.fields(e, endpointFields.reads, 'lenient', endpointFields.known);
    r.fields([...e, 'conditions'], endpointConditionFields.reads, 'lenient');
    const addresses: string[] = [];
    r.arr([...e, 'addresses'], true).forEach((__, j) => {
      const a = addressType === 'IPv4' ? readAddress(r, [...e, 'addresses', j]) : r.str([...e, 'addresses', j]);
      if (a) addresses.push(a);
    });
    const ready = r.bool([...e, 'conditions', 'ready']) ?? true;
    const nodeName = r.str([...e, 'nodeName']);
    const zone = r.str([...e, 'zone']);
    const target = readTarget(r, [...e, 'targetRef'], meta.namespace);
    endpoints.push({
      addresses,
      conditions: { ready, serving: r.bool([...e, 'conditions', 'serving']) ?? ready, terminating: r.bool([...e, 'conditions', 'terminating']) ?? false },
      ...(nodeName !== undefined ? { nodeName } : {}),
      ...(zone !== undefined ? { zone } : {}),
      ...(target ? { targetPod: target } : {}),
    });
  });
  return { source: r.doc.pos, name: meta.name, namespace: meta.namespace, serviceName, addressType, ports: readPorts(r, ['ports']), endpoints, derived: false };
}

/** A v1 Endpoints object as the EndpointSlices the EndpointSlice mirroring controller would make of it, one per subset. */
export function readEndpoints(r: Reader): EndpointSlice[] {
  const meta = readMeta(r);
  if (!meta) return [];
  return r.arr(['subsets']).map((_, i) => {
    const s = ['subsets', i];
    const endpoints: Endpoint[] = [];
    for (const [key, ready] of [['addresses', true], ['notReadyAddresses', false]] as const) {
      r.arr([...s, key]).forEach((__, j) => {
        const a = [...s, key, j];
        const ip = readAddress(r, [...a, 'ip'], true);
        const nodeName = r.str([...a, 'nodeName']);
        const target = readTarget(r, [...a, 'targetRef'], meta.namespace);
        if (ip) endpoints.push({ addresses: [ip], conditions: { ready, serving: ready, terminating: false }, ...(nodeName !== undefined ? { nodeName } : {}), ...(target ? { targetPod: target } : {}) });
      });
    }
    return { source: r.doc.pos, name: i === 0 ? meta.name : `${meta.name}-${i}`, namespace: meta.namespace, serviceName: meta.name, addressType: 'IPv4' as const, ports: readPorts(r, [...s, 'ports']), endpoints, derived: false };
  });
}
