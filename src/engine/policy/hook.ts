/**
 * The walk's view of NetworkPolicy: a `policy` step per direction, enforced only where the CNI
 * enforces policy (elsewhere the verdict is reported and the packet goes on).
 */

import type { Topology } from '../model/types';
import type { PolicyHook, PolicyQuery } from '../trace/hooks';
import type { PolicyStep } from '../trace/types';
import { cniEnforcesPolicy } from '../cni/index';
import { evaluateDirection, resolveParty } from './evaluate';
import { buildPolicyIndex, type Direction, type PolicyIndex } from './policyIndex';

export function policyStep(index: PolicyIndex, direction: Direction, query: PolicyQuery): PolicyStep {
  const enforced = cniEnforcesPolicy(index.topology.cluster.cni.plugin);
  if (query.reply) {
    return { kind: 'policy', direction, verdict: 'allow', enforced, reason: 'reply of an allowed connection: conntrack accepts ESTABLISHED packets before any policy rule' };
  }
  const v = evaluateDirection(index, direction, resolveParty(index, query.src), resolveParty(index, query.dst), query.protocol, query.port);
  const suffix = enforced ? '' : ` (not enforced: ${index.topology.cluster.cni.plugin} does not implement NetworkPolicy)`;
  if (v.allowed) {
    const rule = v.rule;
    return {
      kind: 'policy',
      direction,
      verdict: 'allow',
      enforced,
      ...(rule ? { policy: rule.policy.id, ruleIndex: rule.index, source: rule.rule.source } : {}),
      reason: v.reason + suffix,
    };
  }
  const first = v.isolatedBy[0]!;
  return { kind: 'policy', direction, verdict: 'deny', enforced, policy: first.id, source: first.policy.source, reason: v.reason + suffix };
}

/**
 * The index (every pod as a policy endpoint, every policy compiled) is built on the first policy
 * question rather than with the engine, so an engine that never walks into a pod pays nothing.
 */
export function createPolicyHook(topology: Topology): PolicyHook {
  let index: PolicyIndex | undefined;
  return { evaluate: (direction, query) => policyStep((index ??= buildPolicyIndex(topology)), direction, query) };
}
