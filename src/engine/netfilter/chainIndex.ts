/**
 * A dispatch index over a long chain, so a packet meets only the rules that could match it.
 * kube-proxy's big chains (KUBE-SERVICES, KUBE-NODEPORTS, KUBE-EXTERNAL-SERVICES) hold one rule per
 * service address and port: `-p tcp -d 10.43.0.10 --dport 53`, or `-p tcp --dport 30080` without an
 * address. Such a rule (one port, not a range or a list) can only match a packet with that protocol, port (and address), so the
 * index files it under that key; every other rule is kept in a list tried for every packet. The
 * candidates for a packet are its two buckets and that list merged back into chain order, so the
 * rules are still tried exactly in the order iptables tries them.
 */

import { ipToNum } from '../net/ipv4';
import type { FlowKey } from '../trace/hooks';
import type { Rule } from './rules';

interface ChainIndex {
  /** `address proto port` (the address as its 32-bit number) → rule positions, ascending. */
  readonly byDestination: ReadonlyMap<string, readonly number[]>;
  /** `proto port` → positions of rules with a port but no single destination address. */
  readonly byPort: ReadonlyMap<string, readonly number[]>;
  /** Positions of rules that fit no key: tried for every packet. */
  readonly always: readonly number[];
}

/** Below this a chain is walked rule by rule: the index would cost more than it saves. */
const MIN_INDEXED = 32;

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const indexes = new WeakMap<readonly Rule[], ChainIndex | null>();

/**
 * What a rule demands of every packet it matches: a protocol and destination port, and maybe one
 * destination address. Only non-negated matches bind; ICMP has no ports (a port match never holds).
 */
function ruleKey(rule: Rule): { readonly proto: string; readonly port: number; readonly dst?: number } | undefined {
  let proto: string | undefined;
  let port: number | undefined;
  let dst: number | undefined;
  for (const m of rule.matches) {
    if (m.kind === 'proto' && !m.negate && m.proto !== 'all' && m.proto !== 'icmp') proto ??= m.proto;
    else if (m.kind === 'dport' && !m.negate && m.ranges.length === 1 && m.ranges[0]!.from === m.ranges[0]!.to) port ??= m.ranges[0]!.from;
    else if (m.kind === 'dst' && !m.negate && m.prefix.prefix === 32) dst ??= m.prefix.base;
  }
  if (proto === undefined || port === undefined) return undefined;
  return dst === undefined ? { proto, port } : { proto, port, dst };
}

function push(map: Map<string, number[]>, key: string, position: number): void {
  const list = map.get(key);
  if (list) list.push(position);
  else map.set(key, [position]);
}

function build(rules: readonly Rule[]): ChainIndex | null {
  const byDestination = new Map<string, number[]>();
  const byPort = new Map<string, number[]>();
  const always: number[] = [];
  for (let i = 0; i < rules.length; i++) {
    const key = ruleKey(rules[i]!);
    if (!key) always.push(i);
    else if (key.dst === undefined) push(byPort, `${key.proto} ${key.port}`, i);
    else push(byDestination, `${key.dst} ${key.proto} ${key.port}`, i);
  }
  // A chain of mostly unkeyed rules gains nothing from the index.
  return always.length * 2 > rules.length ? null : { byDestination, byPort, always };
}

function indexOf(rules: readonly Rule[]): ChainIndex | null {
  let index = indexes.get(rules);
  if (index === undefined) {
    index = rules.length < MIN_INDEXED ? null : build(rules);
    indexes.set(rules, index);
  }
  return index;
}

const none: readonly number[] = [];

/**
 * The positions in `rules` of the rules that could match `flow`, in chain order; undefined when
 * the chain is short or unindexed and every rule is a candidate.
 */
export function candidates(rules: readonly Rule[], flow: FlowKey): readonly number[] | undefined {
  const index = indexOf(rules);
  if (!index) return undefined;
  if (flow.proto === 'icmp') return index.always;
  const exact = index.byDestination.get(`${ipToNum(flow.dst)} ${flow.proto} ${flow.dport}`) ?? none;
  const port = index.byPort.get(`${flow.proto} ${flow.dport}`) ?? none;
  if (exact.length === 0 && port.length === 0) return index.always;
  return [...exact, ...port, ...index.always].sort((a, b) => a - b);
}
