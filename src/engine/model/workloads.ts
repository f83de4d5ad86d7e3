/**
 * Deployments, ReplicaSets, StatefulSets and DaemonSets expand into the pods a controller would
 * create: names as the controllers form them (hash suffixes derived, not random), DaemonSet pods
 * on every node their nodeSelector admits. Placement of the others happens with bare pods later.
 */

import { workloadSpecFields } from './k8sFields';
import { readMeta } from './meta';
import { generatedSuffix } from './names';
import { readPodSpec, type PodDraft } from './pods';
import type { Reader } from './reader';

export type WorkloadKind = 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';

export interface NodeRef {
  readonly name: string;
  readonly labels: Readonly<Record<string, string>>;
}

function selects(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  return Object.entries(selector).every(([k, v]) => labels[k] === v);
}

export function expandWorkload(r: Reader, kind: WorkloadKind, nodes: readonly NodeRef[]): { pods: PodDraft[]; skipped?: string } {
  const meta = readMeta(r);
  if (!meta) return { pods: [] };
  r.obj(['spec'], true);
  r.fields(['spec'], workloadSpecFields.reads, 'lenient', workloadSpecFields.known);
  const tp = ['spec', 'template'];
  r.obj(tp, true);
  const tmeta = readMeta(r, [...tp, 'metadata'], false);
  const spec = readPodSpec(r, [...tp, 'spec']);
  const labels = { ...(tmeta?.labels ?? {}) };
  const base = { reader: r, path: tp, source: r.doc.pos, namespace: meta.namespace, annotations: tmeta?.annotations ?? {}, ...spec, ready: true, ownerKind: kind };
  if (kind === 'DaemonSet') {
    // CNI agents and kube-proxy run as host-network DaemonSets: their pods add no endpoint of their own to walk to.
    if (spec.hostNetwork) return { pods: [], skipped: 'it runs on the host network (a CNI agent or kube-proxy), so its pods are not expanded' };
    return {
      pods: nodes.filter((n) => selects(spec.nodeSelector, n.labels)).map((n) => ({ ...base, name: `${meta.name}-${generatedSuffix(`${meta.namespace}/${meta.name}/${n.name}`, 5)}`, labels, nodeName: n.name })),
    };
  }
  const replicas = r.int(['spec', 'replicas'], 0, 100000) ?? 1;
  const pods: PodDraft[] = [];
  const hash = generatedSuffix(`${meta.namespace}/${meta.name}/template`, 10);
  // The controllers retry a generated name that is taken; so does this, with a salted hash.
  const taken = new Set<string>();
  const suffix = (i: number): string => {
    let s = generatedSuffix(`${meta.namespace}/${meta.name}/${i}`, 5);
    for (let salt = 1; taken.has(s); salt++) s = generatedSuffix(`${meta.namespace}/${meta.name}/${i}/${salt}`, 5);
    taken.add(s);
    return s;
  };
  for (let i = 0; i < replicas; i++) {
    switch (kind) {
      case 'StatefulSet':
        pods.push({ ...base, name: `${meta.name}-${i}`, labels: { ...labels, 'statefulset.kubernetes.io/pod-name': `${meta.name}-${i}` } });
        break;
      case 'ReplicaSet':
        pods.push({ ...base, name: `${meta.name}-${suffix(i)}`, labels });
        break;
      case 'Deployment':
        pods.push({ ...base, name: `${meta.name}-${hash}-${suffix(i)}`, labels: { ...labels, 'pod-template-hash': hash } });
        break;
    }
  }
  return { pods };
}
