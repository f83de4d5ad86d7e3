/**
 * `packetwalk import`: a topology file from a cluster's own description. The objects the
 * simulator reads are kept as the input held them (Nodes, Namespaces, Pods, Services,
 * EndpointSlices, NetworkPolicies, NetworkAttachmentDefinitions); the Cluster document is
 * inferred from them and from what the rest says (kube-system's DaemonSets and ConfigMaps, the
 * control plane's flags, Calico's resources), every value with a comment naming its source.
 */

import type { SourceFile } from '../model/host';
import { nameOf, namespaceOf, str, get } from './evidence';
import { inferCluster, type InferredCluster } from './infer';
import { readObjects, type KubeObject } from './objects';
import { jsonList } from '../generate/json';
import { renderTopology, sourcesOf, SOURCES_ANNOTATION } from './render';

export interface ImportOptions {
  /** metadata.name of the Cluster: the kube context, or the dump's folder or file name. */
  readonly name: string;
  /** What was read, for the file's header: paths, a folder, `kube context C`. */
  readonly sources: readonly string[];
}

export interface ImportResult {
  /** The topology file; undefined when the input names no node to put it on. */
  readonly text?: string;
  readonly cluster: InferredCluster;
  /** Sentences for the person importing: inputs not read, CNIs stood in for, objects left out. */
  readonly notes: readonly string[];
  readonly counts: { readonly nodes: number; readonly pods: number; readonly services: number };
}

/** Kinds written into the topology, in this order; workloads are left out because their pods are listed. */
const kept = ['Namespace', 'Node', 'Pod', 'Service', 'EndpointSlice', 'Endpoints', 'NetworkPolicy', 'NetworkAttachmentDefinition'];

function plural(n: number, kind: string): string {
  return `${n} ${kind}${n === 1 ? '' : kind.endsWith('s') ? 'es' : 's'}`;
}

/** The first few names of a list, for a one-line comment. */
function few(names: readonly string[]): string {
  return `${names.slice(0, 5).join(', ')}${names.length > 5 ? ', …' : ''}`;
}

/** A metadata.name the loader and kubectl accept: lower case, digits and dashes. */
export function clusterName(text: string): string {
  const name = text.toLowerCase().replace(/[^a-z0-9-]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 63);
  return name === '' ? 'imported' : name;
}

export function importTopology(files: readonly SourceFile[], options: ImportOptions): ImportResult {
  const { objects, notes: inputNotes } = readObjects(files);
  // One object once, though several inputs (a get and a dump of the same cluster) hold it.
  const seen = new Set<string>();
  const unique = objects.filter((o) => {
    const key = `${o.kind}/${namespaceOf(o)}/${nameOf(o)}`;
    return seen.has(key) ? false : (seen.add(key), true);
  });
  const cluster = inferCluster(unique);
  const hasSlices = unique.some((o) => o.kind === 'EndpointSlice');
  const leftOutCounts = new Map<string, number>();
  const unscheduled: string[] = [];
  const homeless: string[] = [];
  const nodeNames = new Set(cluster.nodes.map((n) => n.name));
  const written: KubeObject[] = [];
  for (const kind of kept) {
    // kube-proxy reads EndpointSlices; Endpoints stand in only where the input has no slices.
    if (kind === 'Endpoints' && hasSlices) continue;
    for (const o of unique) {
      if (o.kind !== kind) continue;
      // A pod no scheduler has placed is on no node and holds no address (the loader would place it);
      // one on a node left out (no address known) has nowhere to be.
      const nodeName = kind === 'Pod' ? str(get(o, 'spec', 'nodeName')) : undefined;
      if (kind === 'Pod' && !nodeName) unscheduled.push(`${namespaceOf(o)}/${nameOf(o)}`);
      else if (nodeName !== undefined && !nodeNames.has(nodeName)) homeless.push(`${namespaceOf(o)}/${nameOf(o)}`);
      else written.push(o);
    }
  }
  for (const o of unique) if (!kept.includes(o.kind) || (o.kind === 'Endpoints' && hasSlices)) leftOutCounts.set(o.kind, (leftOutCounts.get(o.kind) ?? 0) + 1);
  const leftOut = [...leftOutCounts].map(([k, n]) => plural(n, k)).sort();
  const leftOutLines = [
    ...(leftOut.length ? [`${leftOut.join(', ')}: their settings are in the Cluster document above where they matter, and workloads' pods are listed themselves`] : []),
    ...(unscheduled.length ? [`${plural(unscheduled.length, 'unscheduled Pod')} (${few(unscheduled)}): on no node yet, with no address`] : []),
    ...(homeless.length ? [`${plural(homeless.length, 'Pod')} (${few(homeless)}) on a node whose address the input does not give`] : []),
  ];
  const counts = { nodes: cluster.nodes.length, pods: written.filter((o) => o.kind === 'Pod').length, services: written.filter((o) => o.kind === 'Service').length };
  const notes = [...inputNotes, ...cluster.notes];
  if (cluster.nodes.length === 0) return { cluster, notes: [...notes, 'the input holds no Node and no scheduled Pod, so there is no node to build a topology on'], counts };
  const text = renderTopology({ name: clusterName(options.name), sources: options.sources, cluster, objects: written, leftOut: leftOutLines });
  return { text, cluster, notes, counts };
}

/**
 * The imported topology as one JSON List the loader reads (as `generate --json` writes it): the
 * Cluster first, carrying in its `packetwalk.io/sources` annotation, as a JSON object, where each
 * inferred value came from, since JSON has no comments.
 */
export function importJson(text: string, cluster: InferredCluster): Generator<string> {
  return jsonList([text], (doc) => {
    const metadata = (doc as { metadata: Record<string, unknown> }).metadata;
    metadata.annotations = { [SOURCES_ANNOTATION]: JSON.stringify(sourcesOf(cluster)) };
    return doc;
  });
}
