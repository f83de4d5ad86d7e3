/**
 * The policy gate: where the walk asks NetworkPolicy (egress where a pod's traffic first meets its
 * node, ingress at delivery) and where a drop by the CNI's policy rules becomes a policy verdict.
 */

import type { PolicyOrigin } from '../cni/descriptor';
import type { Protocol } from '../model/types';
import type { PolicyPeer } from './hooks';
import type { Packet } from './packet';
import type { PolicyStep, Step } from './types';
import { finish, type Outcome, type WalkContext, type WalkState } from './walkState';

function policyPeer(ctx: WalkContext, ip: string): PolicyPeer {
  const pod = ctx.podByIp.get(ip);
  return pod ? { ip, pod: { namespace: pod.namespace, name: pod.name } } : { ip };
}

function policyProtocol(p: Packet): Protocol | undefined {
  return p.proto === 'tcp' ? 'TCP' : p.proto === 'udp' ? 'UDP' : undefined;
}

function evaluate(ctx: WalkContext, direction: 'ingress' | 'egress', p: Packet): PolicyStep {
  return ctx.policy.evaluate(direction, { src: policyPeer(ctx, p.src), dst: policyPeer(ctx, p.dst), protocol: policyProtocol(p) ?? 'TCP', port: p.dport });
}

/** Evaluates NetworkPolicy; an enforced deny ends the walk. ICMP is outside NetworkPolicy's ports but still subject to isolation. */
export function checkPolicy(ctx: WalkContext, direction: 'ingress' | 'egress', p: Packet, steps: Step[]): Outcome | undefined {
  const step = evaluate(ctx, direction, p);
  steps.push(step);
  return step.verdict === 'deny' && step.enforced ? finish('DENIED', steps) : undefined;
}

/**
 * Egress policy, decided once, where a pod's request first meets its node: on the way out of the
 * node (before POSTROUTING, after any DNAT), or before POSTROUTING of the bridge that forwards it.
 */
export function egressGate(state: WalkState, p: Packet, steps: Step[]): Outcome | undefined {
  if (state.egressChecked || state.reverse !== undefined || !state.ctx.podByIp.has(p.src)) return undefined;
  state.egressChecked = true;
  return checkPolicy(state.ctx, 'egress', p, steps);
}

/**
 * A drop by the CNI's NetworkPolicy rules (Felix's endpoint chains) is a policy verdict: DENIED,
 * with the policy step that explains it after the rule that dropped.
 */
export function policyDrop(ctx: WalkContext, p: Packet, origin: PolicyOrigin | undefined, steps: Step[]): Outcome | undefined {
  if (!origin) return undefined;
  steps.push(evaluate(ctx, origin.direction, p));
  return finish('DENIED', steps);
}
