/** Reads Services; a missing clusterIP or nodePort is allocated later, deterministically. */

import type { SourcePos } from '../diagnostics';
import type { Protocol, ServiceType } from './types';
import { servicePortFields, serviceSpecFields } from './k8sFields';
import { readMeta } from './meta';
import type { Reader } from './reader';
import { readAddress, readCidr, readPort, readProtocol } from './values';

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

export function readService(r: Reader): ServiceDraft | undefined {
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
    const nodePort = r.get([...p, 'nodePort']) === undefined ? undefined : readPort(r, [...p, 'nodePort']);
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
  const hc = r.get([...s, 'healthCheckNodePort']) === undefined ? undefined : readPort(r, [...s, 'healthCheckNodePort']);
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
