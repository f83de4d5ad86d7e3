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

export function readPod(r: Reader): PodDraft | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const spec = readPodSpec(r, ['spec']);
  r.obj(['status']);
  r.fields(['status'], podStatusFields.reads, 'lenient', podStatusFields.known);
  const ip = r.get(['status', 'podIP']) === undefined ? undefined : readAddress(r, ['status', 'podIP']);
  return { reader: r, path: [], source: r.doc.pos, ...meta, ...spec, ...(ip ? { ip } : {}), ready: readReady(r) };
}
