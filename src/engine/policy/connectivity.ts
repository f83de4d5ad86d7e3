/**
 * The connectivity of a whole topology as people read it: endpoints are workloads named by their
 * owner (`ns/web[Deployment]`, a bare pod as `ns/name[Pod]`), or pods with `pods`, plus the external
 * address space cut into the ranges the policies' ipBlocks tell apart; for each ordered pair with a
 * pod on one side, its connection set.
 *
 * A workload is one endpoint when its pods are indistinguishable to the policies (the same
 * isolating policies, the same rules selecting them, the same named ports); otherwise it is split
 * into its distinguishable parts, with the reason. Self-pairs: a workload with several pods is
 * paired with itself (its pods talking to each other); a single pod to itself is loopback, which
 * no policy governs, and is omitted. Range-to-range pairs are outside the cluster and omitted.
 */

import { cniEnforcesPolicy } from '../cni/index';
import type { Pod } from '../model/types';
import { numToIp } from '../net/ipv4';
import { analyseConnections, isEmptySet, type ConnectionSet, type Side } from './connections';
import { compileIpBlock } from './ipBlock';
import type { CompiledPolicy, PolicyIndex } from './policyIndex';

export type EndpointKind = 'workload' | 'pod' | 'external' | 'range';

export interface ConnectivityEndpoint {
  readonly id: string;
  readonly kind: EndpointKind;
  /** `ns/name` of the pods it stands for (empty for ranges and external hosts). */
  readonly pods: readonly string[];
  /** Why a workload is shown split. */
  readonly split?: string;
}

export interface Connection {
  readonly from: string;
  readonly to: string;
  readonly set: ConnectionSet;
}

export interface Connectivity {
  readonly enforced: boolean;
  readonly endpoints: readonly ConnectivityEndpoint[];
  /** Every ordered pair with a non-empty set, in endpoint order. */
  readonly connections: readonly Connection[];
  /** Things the reader should know: hostNetwork pods, split workloads. */
  readonly notes: readonly string[];
}

const ADDRESS_SPACE_END = 0xffffffff;

/** The external address space cut at every boundary of every ipBlock cidr and except. */
export function externalRanges(index: PolicyIndex): { first: number; last: number }[] {
  const cuts = new Set<number>([0]);
  for (const policy of index.topology.policies) {
    for (const rule of [...policy.ingress, ...policy.egress]) {
      for (const peer of rule.peers) {
        const block = peer.ipBlock && compileIpBlock(peer.ipBlock);
        if (!block) continue;
        for (const p of [block.cidr, ...block.except]) {
          cuts.add(p.base);
          const end = p.base + 2 ** (32 - p.prefix);
          if (end <= ADDRESS_SPACE_END) cuts.add(end);
        }
      }
    }
  }
  const sorted = [...cuts].sort((a, b) => a - b);
  return sorted.map((first, i) => ({ first, last: i + 1 < sorted.length ? sorted[i + 1]! - 1 : ADDRESS_SPACE_END }));
}

function rangeId(first: number, last: number): string {
  if (first === last) return numToIp(first);
  return `${numToIp(first)}-${numToIp(last)}`;
}

function ownerId(pod: Pod): string {
  return pod.ownerKind && pod.ownerName ? `${pod.namespace}/${pod.ownerName}[${pod.ownerKind}]` : `${pod.namespace}/${pod.name}[Pod]`;
}

/** What the policies see of a pod: its isolating policies, the rules whose peers select it, its named ports. */
function traits(index: PolicyIndex, rules: readonly { id: string; bits: { has(i: number): boolean } }[], i: number): string[] {
  const pod = index.endpoints[i]!.pod!;
  const out = [
    ...index.ingressPolicies[i]!.map((p) => `isolated for ingress by ${p.id}`),
    ...index.egressPolicies[i]!.map((p) => `isolated for egress by ${p.id}`),
    ...rules.filter((r) => r.bits.has(i)).map((r) => `selected by ${r.id}`),
  ];
  for (const c of pod.containers) for (const p of c.ports) if (p.name) out.push(`names port ${p.name} ${p.protocol}/${p.containerPort}`);
  return out;
}

function allRules(index: PolicyIndex): { id: string; bits: { has(i: number): boolean } }[] {
  const policies = new Set<CompiledPolicy>([...index.ingressPolicies.flat(), ...index.egressPolicies.flat()]);
  return [...policies].flatMap((p) => [
    ...(p.ingress ?? []).map((r) => ({ id: `${p.id} ingress rule ${r.index}`, bits: r.bits })),
    ...(p.egress ?? []).map((r) => ({ id: `${p.id} egress rule ${r.index}`, bits: r.bits })),
  ]);
}

interface Group {
  readonly endpoint: ConnectivityEndpoint;
  /** Sides standing for the group: the first, and a second pod for the group's pair with itself. */
  readonly sides: readonly Side[];
}

function podGroups(index: PolicyIndex, pods: boolean, notes: string[]): Group[] {
  const side = (i: number): Side => ({ ...index.endpoints[i]!, endpoint: i });
  const podIds = (members: readonly number[]): string[] => members.map((i) => index.endpoints[i]!.id);
  const byOwner = new Map<string, number[]>();
  const groups: Group[] = [];
  index.endpoints.forEach((ep, i) => {
    if (!ep.pod) {
      groups.push({ endpoint: { id: ep.id, kind: 'external', pods: [] }, sides: [side(i)] });
      return;
    }
    if (pods) {
      groups.push({ endpoint: { id: ep.id, kind: 'pod', pods: [ep.id] }, sides: [side(i)] });
      return;
    }
    const id = ownerId(ep.pod);
    const list = byOwner.get(id);
    if (list) list.push(i);
    else byOwner.set(id, [i]);
  });
  if (pods) return groups;
  const rules = allRules(index);
  const owned: Group[] = [];
  for (const [id, members] of byOwner) {
    const parts = new Map<string, { members: number[]; traits: string[] }>();
    for (const i of members) {
      const t = traits(index, rules, i);
      const key = t.join('\n');
      const part = parts.get(key);
      if (part) part.members.push(i);
      else parts.set(key, { members: [i], traits: t });
    }
    const kind = id.endsWith('[Pod]') ? 'pod' : 'workload';
    if (parts.size === 1) {
      owned.push({ endpoint: { id, kind, pods: podIds(members) }, sides: members.slice(0, 2).map(side) });
      continue;
    }
    const all = [...parts.values()];
    const everywhere = all[0]!.traits.filter((t) => all.every((p) => p.traits.includes(t)));
    const anywhere = [...new Set(all.flatMap((p) => p.traits))].filter((t) => !everywhere.includes(t));
    for (const part of all) {
      const names = part.members.map((i) => index.endpoints[i]!.pod!.name);
      const has = anywhere.filter((t) => part.traits.includes(t));
      const lacks = anywhere.filter((t) => !part.traits.includes(t));
      const split = [has.length ? `these pods are ${has.join(', ')}` : '', lacks.length ? `not ${lacks.join(', ')}` : ''].filter(Boolean).join('; ');
      const partId = `${id}{${names.join(',')}}`;
      owned.push({ endpoint: { id: partId, kind, pods: podIds(part.members), split }, sides: part.members.slice(0, 2).map(side) });
      notes.push(`${id} is shown split, its pods differing to the policies: ${partId}: ${split}`);
    }
  }
  return [...owned, ...groups];
}

export function analyseConnectivity(index: PolicyIndex, options: { readonly pods?: boolean } = {}): Connectivity {
  const notes: string[] = [];
  for (const pod of index.topology.pods) {
    if (pod.hostNetwork) notes.push(`${options.pods ? `${pod.namespace}/${pod.name}` : ownerId(pod)} runs on the host network: its traffic is node ${pod.nodeName}'s, which NetworkPolicy neither isolates nor selects as a pod`);
  }
  const groups = podGroups(index, options.pods === true, notes);
  for (const r of externalRanges(index)) {
    groups.push({ endpoint: { id: rangeId(r.first, r.last), kind: 'range', pods: [] }, sides: [{ ip: numToIp(r.first), ipNum: r.first }] });
  }
  const analysis = analyseConnections(index);
  const connections: Connection[] = [];
  for (const from of groups) {
    for (const to of groups) {
      if (!from.sides[0]!.pod && !to.sides[0]!.pod) continue;
      if (from === to && from.sides.length < 2) continue;
      const set = analysis.between(from.sides[0]!, from === to ? from.sides[1]! : to.sides[0]!);
      if (!isEmptySet(set)) connections.push({ from: from.endpoint.id, to: to.endpoint.id, set });
    }
  }
  return { enforced: cniEnforcesPolicy(index.topology.cluster.cni.plugin), endpoints: groups.map((g) => g.endpoint), connections, notes: [...new Set(notes)] };
}
