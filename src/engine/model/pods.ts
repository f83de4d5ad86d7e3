/** Reads Pods (and the pod templates of workloads) into drafts; IPs and placement are derived later. */

import type { SourcePos } from '../diagnostics';
import { parseIPv4 } from '../net/cidr';
import type { Container, ContainerPort, Protocol } from './types';
import { containerFields, containerPortFields, podSpecFields, podStatusFields } from './k8sFields';
import { readMeta } from './meta';
import type { Path } from './path';
import { absent, fieldNames, plainMeta, plainStrings, sized } from './plain';
import { isRecord, onlyNames, type Json, type Reader } from './reader';
import { readAddress, readPort, readProtocol } from './values';

export interface PodDraft {
  readonly reader: Reader;
  /** Path of the object (a Pod) or of the template (a workload) inside the document. */
  readonly path: Path;
  readonly source: SourcePos;
  readonly name: string;
  readonly namespace: string;
  readonly labels: Record<string, string>;
  readonly annotations: Record<string, string>;
  nodeName?: string;
  readonly nodeSelector: Record<string, string>;
  readonly hostNetwork: boolean;
  readonly containers: readonly Container[];
  readonly ip?: string;
  readonly ready: boolean;
  readonly ownerKind?: string;
  readonly ownerName?: string;
}

export interface PodSpecDraft {
  readonly nodeName?: string;
  readonly nodeSelector: Record<string, string>;
  readonly hostNetwork: boolean;
  readonly containers: readonly Container[];
}

export function readPodSpec(root: Reader, path: Path): PodSpecDraft {
  root.obj(path);
  const r = root.at(path);
  r.fields([], podSpecFields.reads, 'lenient', podSpecFields.known);
  const containers: Container[] = [];
  r.arr(['containers']).forEach((_, i) => {
    if (!r.obj(['containers', i], true)) return;
    const c = r.at(['containers', i]);
    c.fields([], containerFields.reads, 'lenient', containerFields.known);
    const ports: ContainerPort[] = [];
    c.arr(['ports']).forEach((__, j) => {
      if (!c.obj(['ports', j], true)) return;
      const p = c.at(['ports', j]);
      p.fields([], containerPortFields.reads, 'lenient', containerPortFields.known);
      const containerPort = readPort(p, ['containerPort'], true);
      const name = p.scalarText(['name']);
      const protocol = readProtocol(p, ['protocol']);
      if (containerPort !== undefined) ports.push({ ...(name !== undefined ? { name } : {}), containerPort, protocol });
    });
    containers.push({ name: c.str(['name']) ?? `container-${i}`, ports });
  });
  const nodeName = r.str(['nodeName']);
  return {
    ...(nodeName !== undefined ? { nodeName } : {}),
    nodeSelector: r.strMap(['nodeSelector']),
    hostNetwork: r.bool(['hostNetwork']) ?? false,
    containers,
  };
}

/** A pod counts as ready unless its status says otherwise (a Ready condition of "False", or a phase other than Running). */
function readReady(r: Reader): boolean {
  const phase = r.str(['status', 'phase']);
  if (phase !== undefined && phase !== 'Running') return false;
  for (const [i, c] of r.arr(['status', 'conditions']).entries()) {
    if (c !== null && typeof c === 'object' && (c as Record<string, unknown>).type === 'Ready') {
      const status = r.scalarText(['status', 'conditions', i, 'status']);
      return status !== 'False' && status !== 'false';
    }
  }
  return true;
}

/**
 * Whether a Pod has stopped (phase Succeeded or Failed): its sandbox and address are released (the
 * address may already be a running pod's), and the EndpointSlice controller skips it
 * (kubernetes/kubernetes pkg/controller/util/endpoint: ShouldPodBeInEndpoints, IsPodTerminal), so
 * it is no part of the network and the loader leaves it out.
 */
export function hasStopped(value: unknown): boolean {
  const phase = isRecord(value) && isRecord(value.status) ? value.status.phase : undefined;
  return phase === 'Succeeded' || phase === 'Failed';
}

/**
 * Whether the API says the scheduler found no node for the Pod: phase Pending and no nodeName
 * (a pod written without a status is placed by the loader instead).
 */
export function isUnscheduled(value: unknown): boolean {
  if (!isRecord(value) || !isRecord(value.status) || value.status.phase !== 'Pending') return false;
  return !isRecord(value.spec) || absent(value.spec.nodeName);
}

export function readPod(r: Reader): PodDraft | undefined {
  return plainPod(r) ?? readPodInFull(r);
}

/** A Pod read field by field through the reader, each wrong field reported where it is written. */
export function readPodInFull(r: Reader): PodDraft | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const spec = readPodSpec(r, ['spec']);
  r.obj(['status']);
  r.fields(['status'], podStatusFields.reads, 'lenient', podStatusFields.known);
  const ip = r.get(['status', 'podIP']) === undefined ? undefined : readAddress(r, ['status', 'podIP']);
  return { reader: r, path: [], source: r.doc.pos, ...meta, ...spec, ...(ip ? { ip } : {}), ready: readReady(r) };
}

const podSpecNames = fieldNames(podSpecFields);
const containerNames = fieldNames(containerFields);
const containerPortNames = fieldNames(containerPortFields);
const podStatusNames = fieldNames(podStatusFields);
/** A nodeSelector that is absent: drafts only read it, so one object serves every pod. */
const noSelector: Record<string, string> = Object.freeze({}) as Record<string, string>;

/** A container port read plainly, or undefined when the general reader has something to say about it. */
function plainPort(v: unknown): ContainerPort | undefined {
  if (!isRecord(v) || !onlyNames(v, containerPortNames)) return undefined;
  const containerPort = v.containerPort;
  if (typeof containerPort !== 'number' || !Number.isInteger(containerPort) || containerPort < 1 || containerPort > 65535) return undefined;
  const rawName = v.name;
  const name = typeof rawName === 'string' ? rawName : typeof rawName === 'number' || typeof rawName === 'boolean' ? String(rawName) : absent(rawName) ? undefined : null;
  if (name === null) return undefined;
  const p = v.protocol;
  const protocol: Protocol | undefined = absent(p) ? 'TCP' : p === 'TCP' || p === 'UDP' || p === 'SCTP' ? p : undefined;
  if (protocol === undefined) return undefined;
  return name !== undefined ? { name, containerPort, protocol } : { containerPort, protocol };
}

/** No ports, shared by every container without any: drafts and pods only read it. */
const noPorts: readonly ContainerPort[] = Object.freeze([]);

function plainContainers(v: unknown): Container[] | undefined {
  if (absent(v)) return [];
  if (!Array.isArray(v)) return undefined;
  const containers = sized<Container>(v.length);
  for (let i = 0; i < v.length; i++) {
    const c: unknown = v[i];
    if (!isRecord(c) || !onlyNames(c, containerNames)) return undefined;
    const name = c.name;
    if (!absent(name) && typeof name !== 'string') return undefined;
    const list = c.ports;
    let ports: readonly ContainerPort[] = noPorts;
    if (!absent(list)) {
      if (!Array.isArray(list)) return undefined;
      const read = sized<ContainerPort>(list.length);
      for (let j = 0; j < list.length; j++) {
        const port = plainPort(list[j]);
        if (!port) return undefined;
        read[j] = port;
      }
      ports = read;
    }
    containers[i] = { name: name ?? `container-${i}`, ports };
  }
  return containers;
}

/** What `readReady` answers for a status read plainly, or undefined when it would report. */
function plainReady(status: Json | undefined): boolean | undefined {
  if (!status) return true;
  const phase = status.phase;
  if (!absent(phase) && typeof phase !== 'string') return undefined;
  if (phase !== undefined && phase !== null && phase !== 'Running') return false;
  const conditions = status.conditions;
  if (absent(conditions)) return true;
  if (!Array.isArray(conditions)) return undefined;
  for (const c of conditions) {
    if (!isRecord(c) || c.type !== 'Ready') continue;
    const v = c.status;
    if (typeof v === 'object' && v !== null) return undefined;
    const text = absent(v) ? undefined : String(v);
    return text !== 'False' && text !== 'false';
  }
  return true;
}

/**
 * The common Pod, every field of the expected type and name: read straight off the parsed object,
 * without the general reader's paths and per-field calls. Anything else (which the general path
 * would report, or read differently) answers undefined and takes the general path, so the draft
 * and the diagnostics are always the ones `readPod` gives.
 */
function plainPod(r: Reader): PodDraft | undefined {
  const doc = r.doc.value;
  if (!isRecord(doc)) return undefined;
  const meta = plainMeta(doc.metadata, 'Pod');
  if (!meta) return undefined;
  const spec = doc.spec;
  if (!isRecord(spec) || !onlyNames(spec, podSpecNames)) return undefined;
  const containers = plainContainers(spec.containers);
  if (!containers) return undefined;
  const nodeName = spec.nodeName;
  if (!absent(nodeName) && typeof nodeName !== 'string') return undefined;
  const nodeSelector = absent(spec.nodeSelector) ? noSelector : plainStrings(spec.nodeSelector);
  if (!nodeSelector) return undefined;
  const hostNetwork = spec.hostNetwork;
  if (!absent(hostNetwork) && typeof hostNetwork !== 'boolean') return undefined;
  const status = doc.status;
  if (!absent(status) && (!isRecord(status) || !onlyNames(status, podStatusNames))) return undefined;
  const podIP = isRecord(status) ? status.podIP : undefined;
  if (!absent(podIP) && (typeof podIP !== 'string' || parseIPv4(podIP) === undefined)) return undefined;
  const ready = plainReady(isRecord(status) ? status : undefined);
  if (ready === undefined) return undefined;
  // Every field present, absent ones undefined: all plain drafts share one shape.
  return {
    reader: r, path: noPath, source: r.doc.pos, name: meta.name, namespace: meta.namespace, labels: meta.labels, annotations: meta.annotations,
    nodeName: nodeName ?? undefined, nodeSelector, hostNetwork: hostNetwork ?? false, containers, ip: podIP ?? undefined, ready,
  };
}

const noPath: Path = [];
