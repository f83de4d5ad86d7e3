/** Reads Pods (and the pod templates of workloads) into drafts; IPs and placement are derived later. */

import type { SourcePos } from '../diagnostics';
import type { Container, ContainerPort } from './types';
import { containerFields, containerPortFields, podSpecFields, podStatusFields } from './k8sFields';
import { readMeta } from './meta';
import type { Path } from './path';
import type { Reader } from './reader';
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
}

export interface PodSpecDraft {
  readonly nodeName?: string;
  readonly nodeSelector: Record<string, string>;
  readonly hostNetwork: boolean;
  readonly containers: readonly Container[];
}

export function readPodSpec(r: Reader, path: Path): PodSpecDraft {
  r.obj(path);
  r.fields(path, podSpecFields.reads, 'lenient', podSpecFields.known);
  const containers: Container[] = [];
  r.arr([...path, 'containers']).forEach((_, i) => {
    const cp = [...path, 'containers', i];
    if (!r.obj(cp, true)) return;
    r.fields(cp, containerFields.reads, 'lenient', containerFields.known);
    const ports: ContainerPort[] = [];
    r.arr([...cp, 'ports']).forEach((__, j) => {
      const pp = [...cp, 'ports', j];
      if (!r.obj(pp, true)) return;
      r.fields(pp, containerPortFields.reads, 'lenient', containerPortFields.known);
      const containerPort = readPort(r, [...pp, 'containerPort'], true);
      const name = r.scalarText([...pp, 'name']);
      const protocol = readProtocol(r, [...pp, 'protocol']);
      if (containerPort !== undefined) ports.push({ ...(name !== undefined ? { name } : {}), containerPort, protocol });
    });
    containers.push({ name: r.str([...cp, 'name']) ?? `container-${i}`, ports });
  });
  const nodeName = r.str([...path, 'nodeName']);
  return {
    ...(nodeName !== undefined ? { nodeName } : {}),
    nodeSelector: r.strMap([...path, 'nodeSelector']),
    hostNetwork: r.bool([...path, 'hostNetwork']) ?? false,
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

export function readPod(r: Reader): PodDraft | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const spec = readPodSpec(r, ['spec']);
  r.obj(['status']);
  r.fields(['status'], podStatusFields.reads, 'lenient', podStatusFields.known);
  const ip = r.get(['status', 'podIP']) === undefined ? undefined : readAddress(r, ['status', 'podIP']);
  return { reader: r, path: [], source: r.doc.pos, ...meta, ...spec, ...(ip ? { ip } : {}), ready: readReady(r) };
}
