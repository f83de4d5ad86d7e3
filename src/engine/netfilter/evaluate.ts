/**
 * Runs a packet through one node's rules at one hook, the way the kernel walks tables and chains:
 * tables in hook order, rules in order, jumps and returns, terminal verdicts, NAT and marks. Every
 * rule that fires becomes a `netfilter` step; address rewrites become `nat` steps.
 */

import { ipToNum, prefixContains } from '../net/ipv4';
import type { FlowKey, NetfilterInput, NetfilterResult, NetfilterVerdict } from '../trace/hooks';
import type { NetfilterHookName, NetfilterStep, NetfilterTable, Step } from '../trace/types';
import { candidates } from './chainIndex';
import type { ChainLookup, RuleLookup } from './payload';
import type { PolicyOrigin } from '../cni/descriptor';
import type { Match, PortRange, Rule } from './rules';

/** Tables that have chains at each hook, in the kernel's priority order (raw and mangle hold no rules here). */
const TABLES_AT: Record<NetfilterHookName, readonly NetfilterTable[]> = {
  PREROUTING: ['raw', 'mangle', 'nat'],
  INPUT: ['mangle', 'filter', 'nat'],
  FORWARD: ['mangle', 'filter'],
  OUTPUT: ['raw', 'mangle', 'nat', 'filter'],
  POSTROUTING: ['mangle', 'nat'],
};

export interface IpsetLookup {
  /** Whether set `name` holds the flow's fields named by `flags` (`dst`, `dst,dst`, `dst,dst,src`). */
  has(name: string, flow: FlowKey, flags: readonly ('src' | 'dst')[]): boolean;
}

interface State {
  flow: FlowKey;
  mark: number;
  dnat: boolean;
  readonly steps: Step[];
  readonly input: NetfilterInput;
  readonly nodeAddress: string;
  readonly ipsets?: IpsetLookup;
  /** The virtual service IPVS scheduled the packet to, once it has (what `-m ipvs` matches). */
  ipvs?: FlowKey;
}

type ChainOutcome =
  | { readonly kind: 'fallthrough' }
  | { readonly kind: 'verdict'; readonly verdict: NetfilterVerdict | 'ACCEPT-TABLE'; readonly rejectWith?: string; readonly origin?: PolicyOrigin };

function deviceMatches(pattern: string, device: string | undefined): boolean {
  if (device === undefined) return false;
  return pattern.endsWith('+') ? device.startsWith(pattern.slice(0, -1)) : device === pattern;
}

function inRanges(ranges: readonly PortRange[], port: number): boolean {
  return ranges.some((r) => port >= r.from && port <= r.to);
}

/**
 * Whether the connection is in conntrack state `state`, as `-m conntrack --ctstate` (and `-m state`)
 * sees it. A packet with no conntrack entry is INVALID and nothing else: not UNTRACKED (that is the
 * NOTRACK template, an entry of its own), and SNAT and DNAT are read from an entry's status.
 * Every other packet here has an entry, so INVALID never holds for it.
 */
function inCtState(s: State, state: string): boolean {
  if (s.input.noConntrackEntry) return state === 'INVALID';
  switch (state) {
    case 'NEW': return s.input.newConnection;
    case 'ESTABLISHED':
    case 'RELATED': return !s.input.newConnection;
    case 'DNAT': return s.dnat || s.input.conntrackDnat === true;
    default: return false;
  }
}

/** A match, ignoring its negation; statistic matches are decided by the caller. */
function matchOne(m: Match, s: State): boolean {
  const f = s.flow;
  switch (m.kind) {
    case 'src': return prefixContains(m.prefix, ipToNum(f.src));
    case 'dst': return prefixContains(m.prefix, ipToNum(f.dst));
    case 'proto': return m.proto === 'all' || m.proto === f.proto;
    case 'in': return deviceMatches(m.device, s.input.inDevice);
    case 'out': return deviceMatches(m.device, s.input.outDevice);
    case 'sport': return f.proto !== 'icmp' && inRanges(m.ranges, f.sport);
    case 'dport': return f.proto !== 'icmp' && inRanges(m.ranges, f.dport);
    case 'port': return f.proto !== 'icmp' && (inRanges(m.ranges, f.sport) || inRanges(m.ranges, f.dport));
    case 'addrtype': return m.type === 'LOCAL' && s.input.isLocalAddress(m.which === 'src' ? f.src : f.dst);
    case 'mark': return ((s.mark & m.mask) >>> 0) === m.value;
    case 'ctstate': return m.states.some((st) => inCtState(s, st));
    case 'statistic': return true;
    // No connection has been seen before the one being walked: --rcheck finds nothing, --set records.
    case 'recent': return m.mode === 'set';
    case 'set': return s.ipsets?.has(m.name, f, m.flags) ?? false;
    case 'vaddr': return s.ipvs !== undefined && prefixContains(m.prefix, ipToNum(s.ipvs.dst));
    case 'vproto': return s.ipvs !== undefined && m.proto === s.ipvs.proto;
    case 'vport': return s.ipvs !== undefined && m.port === s.ipvs.dport;
  }
}

function negated(m: Match): boolean {
  return 'negate' in m && m.negate;
}

/** Whether the match holds, its `!` applied; ipvs_mt fails every option, negated or not, for a packet of no IPVS connection. */
function holds(m: Match, s: State): boolean {
  if ((m.kind === 'vaddr' || m.kind === 'vproto' || m.kind === 'vport') && s.ipvs === undefined) return false;
  return matchOne(m, s) !== negated(m);
}

/** Load-balancing groups: a chain's statistic rules plus the unconditional rule after them. */
interface Choice {
  readonly rules: readonly Rule[];
  readonly probabilities: readonly number[];
}

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const choiceCache = new WeakMap<readonly Rule[], Choice | null>();

function choiceOf(rules: readonly Rule[]): Choice | null {
  let c = choiceCache.get(rules);
  if (c !== undefined) return c;
  const first = rules.findIndex((r) => r.matches.some((m) => m.kind === 'statistic'));
  if (first < 0) c = null;
  else {
    const group: Rule[] = [];
    for (let i = first; i < rules.length; i++) {
      group.push(rules[i]!);
      if (!rules[i]!.matches.some((m) => m.kind === 'statistic')) break;
    }
    let remaining = 1;
    const probabilities = group.map((r) => {
      const p = r.matches.find((m) => m.kind === 'statistic');
      const own = p && p.kind === 'statistic' ? p.probability : 1;
      const eff = remaining * own;
      remaining -= eff;
      return eff;
    });
    c = { rules: group, probabilities };
  }
  choiceCache.set(rules, c);
  return c;
}

/** mulberry32: a small seeded generator, so `--seed N` always picks the same endpoint. */
function seeded(seed: number): number {
  let t = (seed + 0x6d2b79f5) >>> 0;
  t = Math.imul(t ^ (t >>> 15), t | 1);
  t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
  return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
}

function chosenIndex(choice: Choice, input: NetfilterInput): number {
  const n = choice.rules.length;
  if (input.endpointIndex !== undefined) return ((input.endpointIndex % n) + n) % n;
  if (input.endpointSeed !== undefined) {
    let x = seeded(input.endpointSeed);
    for (let i = 0; i < n; i++) {
      x -= choice.probabilities[i]!;
      if (x < 0) return i;
    }
    return n - 1;
  }
  return 0;
}

function step(rule: Rule, verdict: string, extra?: Partial<NetfilterStep>): NetfilterStep {
  return { kind: 'netfilter', table: rule.table as NetfilterTable, chain: rule.chain, rule: rule.text, ...(rule.line !== undefined ? { line: rule.line } : {}), verdict, ...extra };
}

type RecentMatch = Extract<Match, { readonly kind: 'recent' }>;

/** ` (recent --set: SRC recorded in list NAME)` for a rule that fires with a --set, else ''. */
function recentSet(rule: Rule, src: string): string {
  const set = rule.matches.find((m): m is RecentMatch => m.kind === 'recent' && m.mode === 'set');
  return set ? ` (recent --set: ${src} recorded in list ${set.name})` : '';
}

const endpoint = (ip: string, port: number, proto: string): string => (proto === 'icmp' ? ip : `${ip}:${port}`);

function runChain(set: ChainLookup, chain: string, s: State, depth: number): ChainOutcome {
  if (depth > 64) return { kind: 'fallthrough' };
  // A chain kept unbuilt gives the rules that could match; they hold no load-balancing group.
  const unbuilt = set.candidates?.(chain, s.flow);
  let rules = unbuilt ?? set.get(chain);
  if (!rules) return { kind: 'fallthrough' };
  const choice = unbuilt ? null : choiceOf(rules);
  const pick = choice ? choice.rules[chosenIndex(choice, s.input)] : undefined;
  // Only the rules the chain's index says could match; they keep their order in the chain.
  const flow = s.flow;
  let order = unbuilt ? undefined : candidates(rules, flow);
  for (let k = 0; k < (order ? order.length : rules.length); k++) {
    const rule: Rule = rules[order ? order[k]! : k]!;
    let ok = true;
    // A --rcheck that found no entry is the only match the rule failed: the walk shows it passed.
    let unpinned: RecentMatch | undefined;
    for (const m of rule.matches) {
      const hit = m.kind === 'statistic' ? rule === pick : holds(m, s);
      if (hit) continue;
      if (m.kind === 'recent') { unpinned = m; continue; }
      ok = false;
      break;
    }
    if (!ok) continue;
    if (unpinned) {
      s.steps.push(step(rule, `no match: recent list ${unpinned.name} holds no entry for ${s.flow.src} yet (first connection)`));
      continue;
    }
    const alternatives = choice && choice.rules.includes(rule)
      ? { alternatives: choice.rules.map((r, i) => ({ rule: r.text, probability: choice.probabilities[i]! })) }
      : undefined;
    const t = rule.target;
    switch (t.kind) {
      case 'none':
        s.steps.push(step(rule, 'continue'));
        break;
      case 'jump': {
        s.steps.push(step(rule, `jump ${t.chain}`, alternatives));
        const out = runChain(set, t.chain, s, depth + 1);
        if (out.kind === 'verdict') return out;
        if (t.goto) return { kind: 'fallthrough' };
        // The candidates were chosen for the flow on entry; should a chain ever rewrite it and
        // return, the rest of this chain is walked rule by rule.
        if (order && s.flow !== flow) {
          const at = order[k]!;
          order = Array.from({ length: rules.length - at - 1 }, (_, i) => at + 1 + i);
          k = -1;
        } else if (unbuilt && s.flow !== flow) {
          // An unbuilt chain's candidates after this rule, chosen again for the rewritten flow.
          rules = (set.candidates!(chain, s.flow) ?? set.get(chain) ?? []).filter((r) => r.line! > rule.line!);
          k = -1;
        }
        break;
      }
      case 'RETURN':
        s.steps.push(step(rule, 'RETURN'));
        return { kind: 'fallthrough' };
      case 'ACCEPT':
        s.steps.push(step(rule, 'ACCEPT'));
        return { kind: 'verdict', verdict: 'ACCEPT-TABLE' };
      case 'DROP':
        s.steps.push(step(rule, 'DROP'));
        return { kind: 'verdict', verdict: 'DROP', ...(rule.origin ? { origin: rule.origin } : {}) };
      case 'REJECT':
        s.steps.push(step(rule, 'REJECT'));
        return { kind: 'verdict', verdict: 'REJECT', rejectWith: t.with };
      case 'MARK': {
        s.mark = t.op === 'or' ? (s.mark | t.value) >>> 0 : t.op === 'xor' ? (s.mark ^ t.value) >>> 0 : ((s.mark & ~t.mask) | t.value) >>> 0;
        s.steps.push(step(rule, 'MARK'));
        break;
      }
      case 'DNAT': {
        const before = s.flow;
        const port = t.port ?? before.dport;
        s.flow = { ...before, dst: t.ip, dport: before.proto === 'icmp' ? before.dport : port };
        s.dnat = true;
        // kube-proxy's endpoint chains record the client for ClientIP affinity in the DNAT rule itself.
        s.steps.push(step(rule, `DNAT${recentSet(rule, before.src)}`));
        s.steps.push({ kind: 'nat', type: 'DNAT', changes: { dst: [endpoint(before.dst, before.dport, before.proto), endpoint(s.flow.dst, s.flow.dport, s.flow.proto)] } });
        return { kind: 'verdict', verdict: 'ACCEPT-TABLE' };
      }
      case 'SNAT':
      case 'MASQUERADE': {
        const before = s.flow;
        const ip = t.kind === 'SNAT' ? t.ip : (s.input.outDeviceAddress ?? s.nodeAddress);
        const port = t.kind === 'SNAT' && t.port !== undefined ? t.port : before.sport;
        s.flow = { ...before, src: ip, sport: before.proto === 'icmp' ? before.sport : port };
        s.steps.push(step(rule, t.kind));
        s.steps.push({ kind: 'nat', type: t.kind, changes: { src: [endpoint(before.src, before.sport, before.proto), endpoint(s.flow.src, s.flow.sport, s.flow.proto)] } });
        return { kind: 'verdict', verdict: 'ACCEPT-TABLE' };
      }
    }
  }
  return { kind: 'fallthrough' };
}

/**
 * Hook `input.hook` over `rules`. The nat table sees only a connection's first packet; later
 * packets are translated by conntrack, which the walk applies from the NAT steps. A packet with no
 * conntrack entry never meets nat at all (nf_nat_inet_fn accepts it untouched).
 */
export function evaluateHook(rules: RuleLookup, input: NetfilterInput, nodeAddress: string, ipsets?: IpsetLookup, ipvs?: IpvsLookup): NetfilterResult {
  const s: State = { flow: input.flow, mark: input.mark, dnat: false, steps: [], input, nodeAddress, ...(ipsets ? { ipsets } : {}) };
  for (const table of TABLES_AT[input.hook]) {
    // IPVS hooks LOCAL_OUT just after nat (NF_IP_PRI_NAT_DST + 2): the node's own connection to a
    // virtual server is scheduled before the filter table, whose KUBE-IPVS-OUT-FILTER sees it.
    if (table === 'filter' && input.hook === 'OUTPUT' && input.newConnection && ipvs) {
      const vs = ipvs.find(s.flow);
      if (vs) {
        const scheduled = schedule(vs, s);
        if (scheduled.verdict !== 'ACCEPT') return scheduled;
      }
    }
    if (table === 'nat' && (!input.newConnection || input.noConntrackEntry)) continue;
    const set = rules.get(table);
    if (!set) continue;
    const out = runChain(set, input.hook, s, 0);
    if (out.kind === 'verdict' && out.verdict !== 'ACCEPT-TABLE') {
      return { verdict: out.verdict, flow: s.flow, mark: s.mark, steps: s.steps, ...(out.rejectWith ? { rejectWith: out.rejectWith } : {}), ...(out.origin ? { origin: out.origin } : {}) };
    }
  }
  // IPVS hooks LOCAL_IN after the filter table: a packet for a virtual server is scheduled there.
  if (input.hook === 'INPUT' && input.newConnection && ipvs) {
    const vs = ipvs.find(s.flow);
    if (vs) return schedule(vs, s);
  }
  return { verdict: 'ACCEPT', flow: s.flow, mark: s.mark, steps: s.steps };
}

export interface IpvsTarget {
  /** `TCP  10.43.6.58:80 rr` as ipvsadm -Ln prints the service line. */
  readonly service: string;
  readonly scheduler: string;
  readonly realServers: readonly { readonly ip: string; readonly port: number; readonly weight: number }[];
}

export interface IpvsLookup {
  find(flow: FlowKey): IpvsTarget | undefined;
}

function schedule(vs: IpvsTarget, s: State): NetfilterResult {
  const rs = vs.realServers;
  if (rs.length === 0) {
    // No destination: ip_vs_leave drops the packet and answers ICMP port unreachable, for TCP too
    // (IPVS works below the sockets, so it has no RST to send).
    s.steps.push({ kind: 'note', text: `IPVS service ${vs.service} has no real servers: ip_vs_leave drops it and answers ICMP port unreachable` });
    return { verdict: 'REJECT', flow: s.flow, mark: s.mark, steps: s.steps, rejectWith: 'icmp-port-unreachable' };
  }
  let index = 0;
  if (s.input.endpointIndex !== undefined) index = ((s.input.endpointIndex % rs.length) + rs.length) % rs.length;
  else if (s.input.endpointSeed !== undefined) index = Math.min(rs.length - 1, Math.floor(seeded(s.input.endpointSeed) * rs.length));
  const chosen = rs[index]!;
  const before = s.flow;
  s.ipvs = before;
  s.flow = { ...before, dst: chosen.ip, dport: chosen.port };
  s.steps.push({ kind: 'ipvs', service: vs.service, realServer: `${chosen.ip}:${chosen.port}`, scheduler: vs.scheduler, alternatives: rs.map((r) => ({ realServer: `${r.ip}:${r.port}`, weight: r.weight })) });
  s.steps.push({ kind: 'nat', type: 'DNAT', changes: { dst: [endpoint(before.dst, before.dport, before.proto), endpoint(chosen.ip, chosen.port, before.proto)] } });
  return { verdict: 'ACCEPT', flow: s.flow, mark: s.mark, steps: s.steps };
}
