/**
 * Connection sets: for one ordered pair of endpoints, every protocol × port the policies allow,
 * as sorted disjoint port ranges per protocol. Computed from the rules' `ports` symbolically
 * (a port, a `port`..`endPort` range, a named port resolved against the destination pod's
 * container ports of that protocol, or no ports at all for everything), never by probing ports.
 *
 * Kubernetes semantics (k8s.io/api/networking/v1 types.go): a connection is allowed iff egress
 * from the source allows it (not egress-isolated, or some rule of an isolating policy matches the
 * destination and the port) and ingress to the destination allows it likewise.
 */

import type { NetworkPolicyPort, Pod, Protocol } from '../model/types';
import { ipBlockMatches } from './ipBlock';
import type { CompiledRule, PolicyIndex } from './policyIndex';

export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];
const MIN_PORT = 1;
const MAX_PORT = 65535;

/** An inclusive port range. */
export type PortRange = readonly [number, number];

/** Per protocol, sorted, disjoint, non-adjacent ranges. */
export type ConnectionSet = Readonly<Record<Protocol, readonly PortRange[]>>;

export const NO_CONNECTIONS: ConnectionSet = { TCP: [], UDP: [], SCTP: [] };
export const ALL_CONNECTIONS: ConnectionSet = { TCP: [[MIN_PORT, MAX_PORT]], UDP: [[MIN_PORT, MAX_PORT]], SCTP: [[MIN_PORT, MAX_PORT]] };

/** Sorts and merges overlapping or adjacent ranges. */
function normalise(ranges: readonly PortRange[]): PortRange[] {
  const sorted = [...ranges].sort((a, b) => a[0] - b[0]);
  const out: [number, number][] = [];
  for (const [lo, hi] of sorted) {
    const last = out[out.length - 1];
    if (last && lo <= last[1] + 1) last[1] = Math.max(last[1], hi);
    else out.push([lo, hi]);
  }
  return out;
}

function intersectRanges(a: readonly PortRange[], b: readonly PortRange[]): PortRange[] {
  const out: PortRange[] = [];
  let i = 0;
  let j = 0;
  while (i < a.length && j < b.length) {
    const lo = Math.max(a[i]![0], b[j]![0]);
    const hi = Math.min(a[i]![1], b[j]![1]);
    if (lo <= hi) out.push([lo, hi]);
    if (a[i]![1] < b[j]![1]) i++;
    else j++;
  }
  return out;
}

export function unionSets(a: ConnectionSet, b: ConnectionSet): ConnectionSet {
  return { TCP: normalise([...a.TCP, ...b.TCP]), UDP: normalise([...a.UDP, ...b.UDP]), SCTP: normalise([...a.SCTP, ...b.SCTP]) };
}

export function intersectSets(a: ConnectionSet, b: ConnectionSet): ConnectionSet {
  return { TCP: intersectRanges(a.TCP, b.TCP), UDP: intersectRanges(a.UDP, b.UDP), SCTP: intersectRanges(a.SCTP, b.SCTP) };
}

export function isEmptySet(s: ConnectionSet): boolean {
  return PROTOCOLS.every((p) => s[p].length === 0);
}

export function setHas(s: ConnectionSet, protocol: Protocol, port: number): boolean {
  return s[protocol].some(([lo, hi]) => port >= lo && port <= hi);
}

/** `All Connections`, `No Connections`, or `TCP 80,443,8080-8090; UDP 53` (TCP, UDP, SCTP order). */
export function formatSet(s: ConnectionSet): string {
  if (PROTOCOLS.every((p) => s[p].length === 1 && s[p][0]![0] === MIN_PORT && s[p][0]![1] === MAX_PORT)) return 'All Connections';
  if (isEmptySet(s)) return 'No Connections';
  return PROTOCOLS.filter((p) => s[p].length > 0)
    .map((p) => `${p} ${s[p].map(([lo, hi]) => (lo === hi ? `${lo}` : `${lo}-${hi}`)).join(',')}`)
    .join('; ');
}

/** The connections one `ports` entry allows towards `dstPod`. */
function portEntrySet(entry: NetworkPolicyPort, dstPod: Pod | undefined): PortRange[] {
  if (entry.port === undefined) return [[MIN_PORT, MAX_PORT]];
  if (typeof entry.port === 'number') return [[entry.port, entry.endPort ?? entry.port]];
  // A named port is the destination's (ingress and egress alike); a destination that is not a pod has none.
  const name = entry.port;
  if (!dstPod) return [];
  return dstPod.containers.flatMap((c) => c.ports.filter((p) => p.name === name && p.protocol === entry.protocol).map((p): PortRange => [p.containerPort, p.containerPort]));
}

/** The connections a rule's `ports` allow towards `dstPod`: everything when it lists none. */
export function rulePortSet(ports: readonly NetworkPolicyPort[], dstPod: Pod | undefined): ConnectionSet {
  if (ports.length === 0) return ALL_CONNECTIONS;
  const by: Record<Protocol, PortRange[]> = { TCP: [], UDP: [], SCTP: [] };
  for (const entry of ports) by[entry.protocol].push(...portEntrySet(entry, dstPod));
  return { TCP: normalise(by.TCP), UDP: normalise(by.UDP), SCTP: normalise(by.SCTP) };
}

function hasNamedPort(rule: CompiledRule): boolean {
  return rule.rule.ports.some((p) => typeof p.port === 'string');
}

/**
 * One side of a pair: an endpoint of the index, or an address outside it (an external range,
 * represented by its first address; the ranges are cut so every ipBlock treats them as one).
 */
export interface Side {
  readonly endpoint?: number;
  readonly ip: string;
  readonly ipNum: number;
  readonly pod?: Pod;
}

export interface ConnectionAnalysis {
  /** The allowed connections from endpoint `from` to endpoint `to` (indices into `index.endpoints`). */
  pair(from: number, to: number): ConnectionSet;
  /** The same between two sides, either of which may be an address outside the index. */
  between(from: Side, to: Side): ConnectionSet;
}

/** Whether a rule's peers select `side`: by the index's sets for an endpoint, by ipBlock for an address. */
function ruleSelects(rule: CompiledRule, side: Side): boolean {
  if (side.endpoint !== undefined) return rule.bits.has(side.endpoint);
  return rule.peers.length === 0 || rule.peers.some((p) => p.ipBlock !== undefined && ipBlockMatches(p.ipBlock, side.ipNum));
}

/**
 * Prepares the per-pair computation: each rule's port set is computed once (once per destination
 * for rules naming ports), and a pair then costs a bit test and a union per isolating rule.
 */
export function analyseConnections(index: PolicyIndex): ConnectionAnalysis {
  const { endpoints } = index;
  // A rule without named ports allows the same set towards every destination; one with named
  // ports is resolved per destination pod (key -1: a destination that is no pod, where no name resolves).
  const fixed = new Map<CompiledRule, ConnectionSet>();
  const named = new Map<CompiledRule, Map<number, ConnectionSet>>();
  const portSet = (rule: CompiledRule, dst: Side): ConnectionSet => {
    if (!hasNamedPort(rule)) {
      let s = fixed.get(rule);
      if (!s) fixed.set(rule, (s = rulePortSet(rule.rule.ports, undefined)));
      return s;
    }
    let perDst = named.get(rule);
    if (!perDst) named.set(rule, (perDst = new Map()));
    const key = dst.pod && dst.endpoint !== undefined ? dst.endpoint : -1;
    let s = perDst.get(key);
    if (!s) perDst.set(key, (s = rulePortSet(rule.rule.ports, key === -1 ? undefined : dst.pod)));
    return s;
  };

  const ruleIds = new Map<CompiledRule, number>();
  const unions = new Map<string, ConnectionSet>();

  /** What the isolation of `subject` in one direction allows with `other`, the destination being `dst`. */
  const direction = (dir: 'ingress' | 'egress', subject: Side, other: Side, dst: Side): ConnectionSet => {
    const pod = subject.pod;
    if (!pod || subject.endpoint === undefined) return ALL_CONNECTIONS;
    const policies = (dir === 'ingress' ? index.ingressPolicies : index.egressPolicies)[subject.endpoint]!;
    if (policies.length === 0) return ALL_CONNECTIONS;
    // Traffic between a pod and its own node is always allowed (see evaluate.ts).
    if (index.nodeAddresses.get(pod.nodeName)?.has(other.ip)) return ALL_CONNECTIONS;
    // Most pairs match one rule or none; several matching rules are unioned once per combination.
    let first: CompiledRule | undefined;
    let more: CompiledRule[] | undefined;
    for (const policy of policies) {
      for (const rule of (dir === 'ingress' ? policy.ingress : policy.egress)!) {
        if (!ruleSelects(rule, other)) continue;
        if (rule.rule.ports.length === 0) return ALL_CONNECTIONS;
        if (first === undefined) first = rule;
        else (more ??= [first]).push(rule);
      }
    }
    if (!first) return NO_CONNECTIONS;
    if (!more) return portSet(first, dst);
    // The union depends on the destination only through named ports.
    let key = more.some(hasNamedPort) ? `${dst.endpoint ?? -1}` : '';
    for (const rule of more) {
      let id = ruleIds.get(rule);
      if (id === undefined) ruleIds.set(rule, (id = ruleIds.size));
      key += `,${id}`;
    }
    let union = unions.get(key);
    if (!union) unions.set(key, (union = more.map((r) => portSet(r, dst)).reduce(unionSets)));
    return union;
  };

  const between = (from: Side, to: Side): ConnectionSet => {
    const egress = direction('egress', from, to, to);
    if (isEmptySet(egress)) return NO_CONNECTIONS;
    const ingress = direction('ingress', to, from, to);
    if (egress === ALL_CONNECTIONS) return ingress;
    return ingress === ALL_CONNECTIONS ? egress : intersectSets(egress, ingress);
  };
  const side = (i: number): Side => ({ ...endpoints[i]!, endpoint: i });
  return { between, pair: (from, to) => between(side(from), side(to)) };
}

/** The part of `s` on `protocol` (all three when absent) and `port` (every port when absent). */
export function restrictSet(s: ConnectionSet, protocol: Protocol | undefined, port: number | undefined): ConnectionSet {
  const range: readonly PortRange[] = [port === undefined ? [MIN_PORT, MAX_PORT] : [port, port]];
  const on = (p: Protocol): readonly PortRange[] => (protocol === undefined || protocol === p ? range : []);
  return intersectSets(s, { TCP: on('TCP'), UDP: on('UDP'), SCTP: on('SCTP') });
}
