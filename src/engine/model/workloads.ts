/**
 * Deployments, ReplicaSets, StatefulSets and DaemonSets expand into the pods a controller would
 * create: names as the controllers form them (hash suffixes derived, not random), DaemonSet pods
 * on every node their nodeSelector admits. Placement of the others happens with bare pods later.
 */

import { workloadSpecFields } from './k8sFields';
import { readMeta } from './meta';
import { generatedSuffix } from './names';
import { readPodSpec, type PodDraft } from './pods';
import { isRecord, type Reader } from './reader';

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
  if (!tmeta) return { pods: [] };
  const spec = readPodSpec(r, [...tp, 'spec']);
  const labels = { ...tmeta.labels };
  const base = { reader: r, path: tp, source: r.doc.pos, namespace: meta.namespace, annotations: tmeta.annotations, ...spec, ready: true, ownerKind: kind, ownerName: meta.name };
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

/**
 * The controller of an object as its metadata says (`ownerReferences` with `controller: true`),
 * as `namespace/Kind/name`: what ties the pods of a dump to the workloads of the same dump.
 */
export function controllerOf(value: unknown): string | undefined {
  if (!isRecord(value) || !isRecord(value.metadata)) return undefined;
  const { namespace, ownerReferences } = value.metadata;
  if (!Array.isArray(ownerReferences)) return undefined;
  const owner: unknown = ownerReferences.find((o) => isRecord(o) && o.controller === true);
  if (!isRecord(owner) || typeof owner.kind !== 'string' || typeof owner.name !== 'string') return undefined;
  return `${typeof namespace === 'string' ? namespace : 'default'}/${owner.kind}/${owner.name}`;
}

/** A workload's own key, as `controllerOf` names it in the objects it controls. */
export function workloadKey(r: Reader, kind: WorkloadKind): string {
  const ns = r.get(['metadata', 'namespace']);
  return `${typeof ns === 'string' ? ns : 'default'}/${kind}/${String(r.get(['metadata', 'name']))}`;
}

/**
 * The workloads not to expand into pods, since the stream already holds what they made: those
 * that control a Pod of the stream (a dump of a running cluster holds both), the Deployments of
 * such ReplicaSets, and every ReplicaSet whose Deployment is in the stream (the Deployment
 * stands for it). Without this a `kubectl cluster-info dump` would hold each pod three times.
 */
export function alreadyMade(podOwners: ReadonlySet<string>, workloads: readonly { kind: WorkloadKind; r: Reader }[]): Set<string> {
  const made = new Set(podOwners);
  const present = new Set(workloads.map((w) => workloadKey(w.r, w.kind)));
  for (const w of workloads) {
    if (w.kind !== 'ReplicaSet') continue;
    const owner = controllerOf(w.r.doc.value);
    if (owner === undefined || !present.has(owner)) continue;
    made.add(workloadKey(w.r, w.kind));
    if (podOwners.has(workloadKey(w.r, w.kind))) made.add(owner);
  }
  return made;
}
