/**
 * kube-proxy for one node: the restore payload (`rules --format restore`), what iptables-save shows
 * once it is loaded (`--format save`), and in IPVS mode the IPVS table and ipsets.
 */

import type { NodeInfo, Topology } from '../model/types';
import { canonicalTable } from './canonical';
import { buildIptables, defaultEnvironment, type ProxyEnvironment } from './iptables';

export { defaultEnvironment, upstreamTestEnvironment, type ProxyEnvironment } from './iptables';

export function findNode(topology: Topology, nodeName: string): NodeInfo | undefined {
  return topology.nodes.find((n) => n.name === nodeName);
}

/** The payload's lines, canonical order, no trailing newline entries. */
export function restoreLines(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string[] {
  const node = findNode(topology, nodeName);
  if (!node) return [];
  const { filter, nat } = buildIptables(topology, node, env);
  const out: string[] = [];
  canonicalTable(filter, out);
  canonicalTable(nat, out);
  return out;
}

/** What kube-proxy v1.31 hands to `iptables-restore --noflush --counters` on `nodeName`. */
export function renderRestore(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string {
  const lines = restoreLines(topology, nodeName, env);
  return lines.length === 0 ? '' : `${lines.join('\n')}\n`;
}
