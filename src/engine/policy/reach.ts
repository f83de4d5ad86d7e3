/**
 * The reachability matrix for one protocol and port: for every source and destination endpoint,
 * whether egress from the source and ingress to the destination both allow it. Computed from the
 * index's per-rule sets: each destination's allowed sources and each source's allowed destinations
 * are ORs of whole rule sets, so the cost is rules × endpoints words, not pairs × rules.
 */

import type { Protocol } from '../model/types';
import { Bitset } from './bitset';
import { type CompiledRule, type PolicyEndpoint, type PolicyIndex } from './policyIndex';
import { rulePortsMatch } from './ports';
import { cniEnforcesPolicy } from '../cni/index';

export interface ReachQuery {
  readonly protocol: Protocol;
  readonly port: number;
}

export interface ReachMatrix {
  readonly query: ReachQuery;
  readonly enforced: boolean;
  readonly endpoints: readonly PolicyEndpoint[];
  /** rows[from] holds the destinations `from` may reach. A pod always reaches itself (loopback). */
  readonly rows: readonly Bitset[];
}

function rulesOf(policies: readonly { ingress?: readonly CompiledRule[]; egress?: readonly CompiledRule[] }[], direction: 'ingress' | 'egress'): CompiledRule[] {
  return policies.flatMap((p) => (direction === 'ingress' ? p.ingress : p.egress) ?? []);
}

function nodeLocalEndpoints(index: PolicyIndex, nodeName: string): number[] {
  const addresses = index.nodeAddresses.get(nodeName);
  if (!addresses) return [];
  const out: number[] = [];
  for (const ip of addresses) {
    const i = index.byIp.get(ip);
    if (i !== undefined) out.push(i);
  }
  return out;
}

export function computeReach(index: PolicyIndex, query: ReachQuery): ReachMatrix {
  const { endpoints } = index;
  const n = endpoints.length;
  const all = Bitset.full(n);
  const portOk = (rule: CompiledRule, dst: number): boolean => rulePortsMatch(rule.rule.ports, query.protocol, query.port, endpoints[dst]!.pod);

  // Per destination: the sources its ingress allows.
  const ingress: Bitset[] = endpoints.map((ep, d) => {
    const policies = index.ingressPolicies[d]!;
    if (!ep.pod || policies.length === 0) return all;
    const allowed = new Bitset(n);
    for (const rule of rulesOf(policies, 'ingress')) if (portOk(rule, d)) allowed.or(rule.bits);
    for (const i of nodeLocalEndpoints(index, ep.pod.nodeName)) allowed.add(i);
    return allowed;
  });

  // Per egress rule: the destinations whose port the rule covers (named ports depend on the destination pod).
  const portSets = new Map<CompiledRule, Bitset>();
  const destinationsFor = (rule: CompiledRule): Bitset => {
    let set = portSets.get(rule);
    if (!set) {
      if (rule.rule.ports.length === 0) set = all;
      else {
        set = new Bitset(n);
        for (let d = 0; d < n; d++) if (portOk(rule, d)) set.add(d);
      }
      portSets.set(rule, set);
    }
    return set;
  };

  const rows = endpoints.map((ep, s) => {
    const policies = index.egressPolicies[s]!;
    let egress: Bitset = all;
    if (ep.pod && policies.length > 0) {
      egress = new Bitset(n);
      for (const rule of rulesOf(policies, 'egress')) egress.orAnd(rule.bits, destinationsFor(rule));
      for (const i of nodeLocalEndpoints(index, ep.pod.nodeName)) egress.add(i);
    }
    const row = new Bitset(n);
    for (let d = 0; d < n; d++) if (d === s || (egress.has(d) && ingress[d]!.has(s))) row.add(d);
    return row;
  });
  return { query, enforced: cniEnforcesPolicy(index.topology.cluster.cni.plugin), endpoints, rows };
}

/** Whether a pair is a question `reach` answers: at least one side is a pod, and not a pod to itself. */
export function isReachPair(m: ReachMatrix, from: number, to: number): boolean {
  return from !== to && (m.endpoints[from]!.pod !== undefined || m.endpoints[to]!.pod !== undefined);
}
