/**
 * `lab up`: plan the topology's dataplane, check the kernel can hold it, record the state, build.
 * On a failed command everything made so far is removed again, so a half-built lab never lingers.
 */

import { defaultPrefix, deriveDataplane, type LabPlan, nodePayloads, planLab, type Topology } from '../../engine/index';
import { labRefusal, missingFeatures, runAll, type CommandFailure } from './kernel';
import { teardown, writeState } from './state';

export type UpResult =
  | { readonly kind: 'built'; readonly plan: LabPlan; readonly statePath: string }
  | { readonly kind: 'refused'; readonly reason: string }
  | { readonly kind: 'failed'; readonly plan: LabPlan; readonly failure: CommandFailure };

export function planFor(topology: Topology, prefix = defaultPrefix(topology)): LabPlan {
  return planLab(deriveDataplane(topology), { prefix, rules: (node) => nodePayloads(topology, node) });
}

export function labUp(topology: Topology, file: string, prefix = defaultPrefix(topology)): UpResult {
  const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore']);
  if (refusal) return { kind: 'refused', reason: refusal };
  const plan = planFor(topology, prefix);
  const missing = missingFeatures(plan.requires, `${prefix}probe`);
  if (missing.size > 0) {
    const lines = [...missing].map(([f, why]) => `${f}: ${why}`);
    return { kind: 'refused', reason: `this kernel cannot build the topology:\n  ${lines.join('\n  ')}` };
  }
  // A lab already up under this prefix is replaced, not doubled.
  teardown(topology.cluster.name, prefix);
  const statePath = writeState({ cluster: topology.cluster.name, file, prefix, namespaces: plan.namespaces, netns: Object.fromEntries(plan.netnsNames) });
  const failure = runAll(plan.commands);
  if (failure) {
    teardown(topology.cluster.name, prefix);
    return { kind: 'failed', plan, failure };
  }
  return { kind: 'built', plan, statePath };
}
