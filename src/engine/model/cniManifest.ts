/**
 * What a CNI's own install manifest says: which plugin its DaemonSets and resources install, and
 * the settings its containers read from their environment (resolving `configMapKeyRef` against
 * the ConfigMaps of the stream, as the kubelet does). Each setting keeps where it is written, so a
 * disagreement with the Cluster document can point at it.
 */

import type { CniPlugin } from './types';
import { CNI_AGENTS } from './cniSettings';
import type { Path } from './path';
import { isRecord, type Reader } from './reader';

/** A value as the manifest writes it, with where. */
export interface Written<T = string> {
  readonly value: T;
  readonly reader: Reader;
  readonly path: Path;
}

/** The object that shows which plugin the stream installs. */
export interface DetectedCni {
  readonly plugin: CniPlugin;
  readonly reader: Reader;
  /** `the calico-node DaemonSet`, as a message names it. */
  readonly what: string;
}

/**
 * Names the upstream manifests give their objects, most specific first: canal.yaml also holds a
 * calico-node container, but in a DaemonSet named canal, with flannel beside it.
 */
const detectors: readonly { kind: string; name: string; plugin: CniPlugin }[] = [
  { kind: 'DaemonSet', name: CNI_AGENTS.canal.daemonSet, plugin: 'canal' },
  { kind: 'DaemonSet', name: CNI_AGENTS.calico.daemonSet, plugin: 'calico' },
  { kind: 'Installation', name: 'default', plugin: 'calico' },
  { kind: 'DaemonSet', name: CNI_AGENTS.weave.daemonSet, plugin: 'weave' },
  { kind: 'DaemonSet', name: CNI_AGENTS['aws-vpc'].daemonSet, plugin: 'aws-vpc' },
  { kind: 'DaemonSet', name: CNI_AGENTS.flannel.daemonSet, plugin: 'flannel' },
  { kind: 'ConfigMap', name: CNI_AGENTS.flannel.configMap, plugin: 'flannel' },
];

export function detectCni(byKind: (kind: string) => readonly Reader[]): DetectedCni | undefined {
  for (const d of detectors) {
    const r = byKind(d.kind).find((x) => x.get(['metadata', 'name']) === d.name);
    if (r) return { plugin: d.plugin, reader: r, what: `the ${d.name} ${d.kind}` };
  }
  return undefined;
}

/** The DaemonSet of that name, if the stream has one. */
export function daemonSet(byKind: (kind: string) => readonly Reader[], name: string): Reader | undefined {
  return byKind('DaemonSet').find((r) => r.get(['metadata', 'name']) === name);
}

/**
 * The environment of one container of a workload: literal values, and `configMapKeyRef` values
 * read from the ConfigMap of the stream (pointing at the ConfigMap's key). Values from elsewhere
 * (fieldRef, secrets) are left out: none of them is a network setting.
 */
export function containerEnv(workload: Reader, container: string, configMaps: readonly Reader[]): Map<string, Written> {
  const env = new Map<string, Written>();
  const containers = workload.get(['spec', 'template', 'spec', 'containers']);
  if (!Array.isArray(containers)) return env;
  const index = containers.findIndex((c) => isRecord(c) && c.name === container);
  if (index < 0) return env;
  const base = ['spec', 'template', 'spec', 'containers', index, 'env'];
  const list = workload.get(base);
  if (!Array.isArray(list)) return env;
  list.forEach((e: unknown, i) => {
    if (!isRecord(e) || typeof e.name !== 'string') return;
    if (typeof e.value === 'string') {
      env.set(e.name, { value: e.value, reader: workload, path: [...base, i, 'value'] });
      return;
    }
    const ref = isRecord(e.valueFrom) && isRecord(e.valueFrom.configMapKeyRef) ? e.valueFrom.configMapKeyRef : undefined;
    if (!ref || typeof ref.name !== 'string' || typeof ref.key !== 'string') return;
    const cm = configMaps.find((r) => r.get(['metadata', 'name']) === ref.name);
    const value = cm?.get(['data', ref.key]);
    if (cm && typeof value === 'string') env.set(e.name, { value, reader: cm, path: ['data', ref.key] });
  });
  return env;
}
