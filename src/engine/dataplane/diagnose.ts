/**
 * `diagnoseDataplane(topology)`: what the CNI would refuse or fail at on this topology (a Calico
 * node without a default route, a host-gw node off the others' segment, a macvlan master the node
 * lacks), as diagnostics at the source of the object concerned. The builders' checks are per node
 * and per pod; no namespace is derived, so it stays linear at thousands of nodes.
 */

import { cniBuilderFor } from '../cni/index';
import type { Diagnostic, Result } from '../diagnostics';
import { hasErrors } from '../diagnostics';
import { codes } from '../model/codes';
import { pointAt } from '../model/report';
import type { Topology } from '../model/types';
import type { Trace } from '../trace/types';
import { cniContext } from './derive';
import type { CniNote, NoteSubject } from './types';

/** A note as a diagnostic, with the nodes it concerns (`all` for the cluster as a whole). */
export interface DataplaneFinding {
  readonly diagnostic: Diagnostic;
  readonly nodes: readonly string[] | 'all';
}

function sourceOf(subject: NoteSubject, topology: Topology) {
  switch (subject.kind) {
    case 'cluster':
      return topology.cluster.source;
    case 'node':
      return subject.node.source;
    case 'pod':
      return subject.pod.source;
    case 'network':
      return subject.network.source;
  }
}

function nodesOf(subject: NoteSubject): readonly string[] | 'all' {
  switch (subject.kind) {
    case 'cluster':
      return 'all';
    case 'node':
      return [subject.node.name];
    case 'pod':
      return [subject.pod.nodeName];
    case 'network':
      return subject.nodes;
  }
}

function finding(note: CniNote, topology: Topology): DataplaneFinding {
  const { file, line, col } = sourceOf(note.subject, topology);
  const c = codes[note.code];
  return { diagnostic: { ...pointAt(file, line, col), code: c.code, severity: c.severity, message: note.message }, nodes: nodesOf(note.subject) };
}

/** Every CNI note of the topology, in the builder's order. */
export function dataplaneFindings(topology: Topology): DataplaneFinding[] {
  const notes = cniBuilderFor(topology).notes?.(cniContext(topology)) ?? [];
  return [...notes, ...proxyNotes(topology)].map((n) => finding(n, topology));
}

/** What the walk leaves out of kube-proxy's mode. */
function proxyNotes(topology: Topology): CniNote[] {
  if (topology.cluster.kubeProxy.mode !== 'nftables') return [];
  return [{
    code: 'nftablesNotWalked',
    subject: { kind: 'cluster' },
    message: "kube-proxy mode 'nftables': `packetwalk rules --format nft` prints its rules, but a trace does not evaluate them yet, so Service addresses are not translated in the walk; use mode 'iptables' or 'ipvs' to trace Service traffic.",
  }];
}

export function diagnoseDataplane(topology: Topology): Diagnostic[] {
  return dataplaneFindings(topology).map((f) => f.diagnostic);
}

/**
 * The loader's result with the dataplane's diagnostics added: only after a clean load, since a
 * topology with errors is a draft whose dataplane would mislead.
 */
export function withDataplaneDiagnostics(result: Result<Topology | undefined>): Result<Topology | undefined> {
  if (!result.value || hasErrors(result.diagnostics)) return result;
  return { value: result.value, diagnostics: [...result.diagnostics, ...diagnoseDataplane(result.value)] };
}

/** The nodes (and external hosts) whose namespaces sent a hop of the trace or its reply. */
export function nodesCrossed(trace: Trace): Set<string> {
  const crossed = new Set<string>();
  for (let t: Trace | undefined = trace; t; t = t.reply) for (const hop of t.hops) crossed.add(hop.node);
  return crossed;
}

/** Findings about any of these nodes, in their original order. */
export function findingsAbout(findings: readonly DataplaneFinding[], nodes: ReadonlySet<string>): DataplaneFinding[] {
  return findings.filter((f) => f.nodes === 'all' || f.nodes.some((n) => nodes.has(n)));
}
