/**
 * Reads `iptables-save` back from each lab node and compares it with `rules --format save` for
 * that node: the rules the kernel holds must be the rules the rule view shows.
 */

import { cniSaveLines, diffSave, type LabPlan, renderSave, type SaveDifference, type Topology } from '../../engine/index';
import { run } from './kernel';

export interface SaveReport {
  readonly node: string;
  readonly differences: readonly SaveDifference[];
  /** iptables-save itself failed. */
  readonly error?: string;
}

export function checkSaves(topology: Topology, plan: LabPlan): SaveReport[] {
  return topology.nodes.map((node) => {
    const ns = plan.netnsNames.get(`node/${node.name}`);
    const saved = ns ? run(['ip', 'netns', 'exec', ns, 'iptables-save']) : undefined;
    if (!saved || saved.status !== 0) return { node: node.name, differences: [], error: saved ? saved.stderr.trim() : 'the lab has no namespace for this node' };
    return { node: node.name, differences: diffSave(renderSave(topology, node.name), saved.stdout, cniSaveLines(topology, node.name)) };
  });
}

export function renderSaveReports(reports: readonly SaveReport[]): string {
  const out: string[] = [];
  for (const r of reports) {
    if (r.error) out.push(`iptables-save on ${r.node}: could not read: ${r.error}`);
    else if (r.differences.length === 0) out.push(`iptables-save on ${r.node}: match (rules --format save)`);
    else {
      out.push(`iptables-save on ${r.node}: ${r.differences.length} line${r.differences.length === 1 ? '' : 's'} differ from rules --format save`);
      for (const d of r.differences) out.push(`  ${d.kind === 'missing' ? '- rendered only' : '+ kernel only  '} ${d.line}`);
    }
  }
  return `${out.join('\n')}\n`;
}
