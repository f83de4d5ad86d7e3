/**
 * One netfilter hook run in a host namespace as the walk meets it: conntrack's reversal of the
 * request's NAT on a reply, the hook's rules, the NAT they did recorded for the reply, and a drop
 * by policy rules turned into the policy verdict.
 */

import { deviceOf, isLocalAddress } from '../dataplane/routing';
import type { NetNamespace } from '../dataplane/types';
import { fmtEnd, sameFlow, unDnat, unSnat, withFlow } from './conntrack';
import { flowOf, type Packet } from './packet';
import { policyDrop } from './policyGate';
import { note } from './steps';
import type { NetfilterHookName, Step } from './types';
import { finish, type Outcome, type Position, type WalkState } from './walkState';

function primaryAddress(ns: NetNamespace, device: string): string | undefined {
  return deviceOf(ns, device)?.addresses.find((a) => a.scope === 'global')?.address;
}

/**
 * Runs one netfilter hook in a host namespace; the packet comes back rewritten when NAT applies.
 * `noConntrackEntry`: the packet lost its conntrack entry on the way (a promiscuous bridge's copy).
 */
export function runHook(state: WalkState, pos: Position, hook: NetfilterHookName, packet: Packet, steps: Step[], devices: { in?: string; out?: string }, noConntrackEntry = false): Packet | Outcome {
  if (pos.ns.kind !== 'host') return packet;
  const before = flowOf(packet);
  const reverse = state.reverse;
  let flow = before;
  // The reply leg meets the request's NAT in conntrack: un-SNAT before routing, un-DNAT after.
  if (reverse) {
    if (hook === 'PREROUTING') flow = unSnat(reverse, pos.ns.node, flow, steps);
    if (hook === 'POSTROUTING' || hook === 'OUTPUT') flow = unDnat(reverse, pos.ns.node, flow, steps);
  }
  const result = state.ctx.netfilter.run({
    node: pos.ns.node,
    hook,
    flow,
    mark: state.mark,
    ...(devices.in ? { inDevice: devices.in } : {}),
    ...(devices.out ? { outDevice: devices.out } : {}),
    // MASQUERADE takes the primary address of the device the packet leaves by (flannel.1's, cni0's), not the node's.
    ...(devices.out && primaryAddress(pos.ns, devices.out) ? { outDeviceAddress: primaryAddress(pos.ns, devices.out)! } : {}),
    newConnection: !reverse,
    ...(noConntrackEntry ? { noConntrackEntry } : {}),
    ...(state.ctx.endpointIndex !== undefined ? { endpointIndex: state.ctx.endpointIndex } : {}),
    ...(state.ctx.endpointSeed !== undefined ? { endpointSeed: state.ctx.endpointSeed } : {}),
    isLocalAddress: (a) => isLocalAddress(pos.ns, a),
  });
  steps.push(...result.steps);
  state.mark = result.mark;
  if (result.verdict === 'DROP') return policyDrop(state.ctx, withFlow(packet, result.flow), result.origin, steps) ?? finish('DROPPED', steps);
  if (result.verdict === 'REJECT') return finish('REJECTED', [...steps, ...(result.rejectWith ? [note(`rejected with ${result.rejectWith}`)] : [])]);
  if (!sameFlow(flow, result.flow)) {
    if (!result.steps.some((s) => s.kind === 'nat')) {
      const changes: Record<string, readonly [string, string]> = {};
      if (flow.src !== result.flow.src || flow.sport !== result.flow.sport) changes['src'] = [fmtEnd(flow.src, flow.sport), fmtEnd(result.flow.src, result.flow.sport)];
      if (flow.dst !== result.flow.dst || flow.dport !== result.flow.dport) changes['dst'] = [fmtEnd(flow.dst, flow.dport), fmtEnd(result.flow.dst, result.flow.dport)];
      steps.push({ kind: 'nat', type: changes['dst'] ? 'DNAT' : 'SNAT', changes });
    }
    state.conntrack.push({ node: pos.ns.node, original: before, translated: result.flow });
  }
  if (!sameFlow(before, result.flow)) return withFlow(packet, result.flow);
  // A reply to the node's own connection is un-DNATed on its way in, after the filter table
  // (nf_nat at LOCAL_IN, IPVS's ip_vs_reply4 just before it).
  if (reverse && hook === 'INPUT') flow = unDnat(reverse, pos.ns.node, flow, steps);
  return flow === before ? packet : withFlow(packet, flow);
}
