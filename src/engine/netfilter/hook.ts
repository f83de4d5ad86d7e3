/**
 * The netfilter stage of the walk: each node's kube-proxy rules, parsed from the same text
 * `rules --format restore` prints (so a step's line points into that view), plus the base-chain
 * jumps kube-proxy installs outside the payload. Nodes whose payloads are the same text share one
 * copy of it, built chain by chain as packets enter them (see ./sharing, ./proxyRules and, for
 * IPVS mode, ./payload).
 */

import type { NodeInfo, Topology } from '../model/types';
import { renderRestore } from '../proxy';
import { jumpRules } from '../proxy/jumps';
import type { NetfilterHook, NetfilterInput, NetfilterResult } from '../trace/hooks';
import { evaluateHook, type IpsetLookup, type IpvsLookup } from './evaluate';
import { buildIpvs, type IpvsState } from '../proxy';
import { virtualServerLine } from '../proxy/ipvs';
import { cidrHas } from '../proxy/cidrs';
import type { Cidr } from '../net/cidr';
import { ipToNum, parsePrefix, prefixContains } from '../net/ipv4';
import { LazyPayload, type ChainLookup, type PayloadRules, type RuleLookup } from './payload';
import { proxyRules } from './proxyRules';
import { parseRule, type Rule } from './rules';
import { payloadKeys } from './sharing';
import { cniNat } from '../cni/index';
import type { CniIpset, CniRule, PolicyOrigin } from '../cni/descriptor';

/**
 * kube-proxy's base-chain jumps, parsed once for each proxy mode: every node has the same ones.
 * Module-level on purpose (see model/caches.ts): the value is a pure function of its
 * eight possible keys and holds nothing of any topology.
 */
const jumpCache = new Map<string, readonly { table: string; chain: string; rule: Rule }[]>();

function parsedJumps(mode: Topology['cluster']['kubeProxy']['mode'], kubeletFirewall: boolean): readonly { table: string; chain: string; rule: Rule }[] {
  const key = `${mode} ${kubeletFirewall}`;
  let jumps = jumpCache.get(key);
  if (!jumps) jumpCache.set(key, (jumps = jumpRules(mode, kubeletFirewall).map((j) => ({ table: j.table, chain: j.chain, rule: parseRule(j.table, j.rule) }))));
  return jumps;
}

/** A rule a node adds to a chain, kept until the chain is built: parsed already (a jump) or still the CNI's text. */
type Addition = { readonly parsed: Rule } | { readonly table: string; readonly text: string; readonly position: CniRule['position']; readonly origin?: PolicyOrigin };

/** The chain a `-A CHAIN …` line adds to. */
function chainOfText(text: string): string {
  if (!text.startsWith('-A ')) throw new Error(`not an -A rule: ${text}`);
  const end = text.indexOf(' ', 3);
  return end < 0 ? text.slice(3) : text.slice(3, end);
}

/**
 * The rules a node has besides the payload, by table and chain in the order they are added: the
 * base-chain jumps kube-proxy installs, then the CNI's own rules (egress MASQUERADE and the like)
 * where the CNI's daemon puts them. The CNI's stay text until their chain is built.
 */
function nodeAdditions(topology: Topology, node: NodeInfo | undefined, kubeletFirewall: boolean): Map<string, Map<string, Addition[]>> {
  const additions = new Map<string, Map<string, Addition[]>>();
  const add = (table: string, chain: string, a: Addition): void => {
    let t = additions.get(table);
    if (!t) additions.set(table, (t = new Map()));
    const list = t.get(chain);
    if (list) list.push(a);
    else t.set(chain, [a]);
  };
  for (const j of parsedJumps(topology.cluster.kubeProxy.mode, kubeletFirewall)) add(j.table, j.chain, { parsed: j.rule });
  if (node) for (const r of cniNat(topology, node).rules) add(r.table, chainOfText(r.rule), { table: r.table, text: r.rule, position: r.position, ...(r.origin ? { origin: r.origin } : {}) });
  return additions;
}

/** A CNI's rule parsed, keeping its origin with it. */
function parseCniRule(a: Exclude<Addition, { readonly parsed: Rule }>): Rule {
  const rule = parseRule(a.table, a.text);
  return a.origin ? { ...rule, origin: a.origin } : rule;
}

/** A chain's rules with a node's additions placed: jumps and `last` rules appended, `first` rules inserted as a block ahead of the rest, in their own order. */
function placed(base: readonly Rule[], list: readonly Addition[]): Rule[] {
  const rules = [...base];
  let first = 0;
  for (const a of list) {
    if ('parsed' in a) rules.push(a.parsed);
    else if (a.position === 'last') rules.push(parseCniRule(a));
    else rules.splice(first++, 0, parseCniRule(a));
  }
  return rules;
}

/**
 * A node's rules over a payload shared with other nodes: the chains the node adds to are its own
 * copies, every other chain is the shared one (parsed once, whichever node enters it first). A
 * chain of the node's own is built when a walk first reads it: a Calico node writes Felix chains
 * for each of its pods, and a packet passes through those of one or two.
 */
function nodeRules(shared: PayloadRules, topology: Topology, node: NodeInfo): RuleLookup {
  const views = new Map<string, ChainLookup>();
  for (const [table, chains] of nodeAdditions(topology, node, shared.get('filter')?.has('KUBE-FIREWALL') ?? false)) {
    const base = shared.get(table);
    const built = new Map<string, Rule[]>();
    views.set(table, {
      get: (chain) => {
        const list = chains.get(chain);
        if (!list) return base?.get(chain);
        let rules = built.get(chain);
        if (!rules) built.set(chain, (rules = placed(base?.get(chain) ?? [], list)));
        return rules;
      },
      candidates: (chain, flow) => (chains.has(chain) ? undefined : base?.candidates?.(chain, flow)),
    });
  }
  return { get: (table) => views.get(table) ?? shared.get(table) };
}

/** A `hash:net` set's members as a packet tests them: single addresses by number, wider nets as prefixes. */
interface NetSetIndex {
  readonly hosts: ReadonlySet<number>;
  readonly nets: readonly Cidr[];
}

/** Indexed once per set: Felix's pod sets are shared by every node and can hold every pod of the cluster. */
// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const netSetIndexes = new WeakMap<CniIpset, NetSetIndex>();

function netSetIndex(set: CniIpset): NetSetIndex {
  let index = netSetIndexes.get(set);
  if (!index) {
    const hosts = new Set<number>();
    const nets: Cidr[] = [];
    for (const member of set.members) {
      const p = parsePrefix(member.includes('/') ? member : `${member}/32`);
      if (!p) continue;
      if (p.prefix === 32) hosts.add(p.base);
      else nets.push(p);
    }
    netSetIndexes.set(set, (index = { hosts, nets }));
  }
  return index;
}

/** Membership in the CNI's `hash:net` ipsets (Calico's IPAM pool sets, Felix's policy sets). */
function cniIpsets(sets: readonly CniIpset[]): IpsetLookup | undefined {
  if (sets.length === 0) return undefined;
  const byName = new Map(sets.map((s) => [s.name, s]));
  return {
    has(name, flow, flags) {
      const set = byName.get(name);
      if (!set) return false;
      const address = ipToNum(flags[0] === 'src' ? flow.src : flow.dst);
      if (Number.isNaN(address)) return false;
      const { hosts, nets } = netSetIndex(set);
      return hosts.has(address) || nets.some((p) => prefixContains(p, address));
    },
  };
}

/** Kube-proxy's ipsets (IPVS mode) and the CNI's, as one lookup; a name belongs to one or the other. */
function joinIpsets(a: IpsetLookup | undefined, b: IpsetLookup | undefined): IpsetLookup | undefined {
  if (!a || !b) return a ?? b;
  return { has: (name, flow, flags) => a.has(name, flow, flags) || b.has(name, flow, flags) };
}

/** One ipset's members indexed: whole entries, and a `hash:ip,port,net` set's nets by `ip,port`. */
interface IpsetIndex {
  readonly entries: ReadonlySet<string>;
  /** The number of comma-separated parts every entry has; -1 when they differ. */
  readonly parts: number;
  readonly nets: ReadonlyMap<string, readonly string[]>;
}

function indexIpset(entries: readonly string[]): IpsetIndex {
  const nets = new Map<string, string[]>();
  let parts: number | undefined;
  for (const e of entries) {
    const p = e.split(',');
    parts = parts === undefined || parts === p.length ? p.length : -1;
    if (p.length === 3) {
      const key = `${p[0]},${p[1]}`;
      const list = nets.get(key);
      if (list) list.push(p[2]!);
      else nets.set(key, [p[2]!]);
    }
  }
  return { entries: new Set(entries), parts: parts ?? 0, nets };
}

/**
 * Set membership over kube-proxy's ipsets, for `-m set --match-set NAME dst,dst…`. KUBE-CLUSTER-IP
 * holds an entry per service port, so each set is indexed on its first use; a match whose fields
 * do not line up with the entries' parts is answered by reading the entries one by one.
 */
function ipsetLookup(state: IpvsState): IpsetLookup {
  const indexes = new Map<string, IpsetIndex>();
  return {
    has(name, flow, flags) {
      const set = state.ipsets.get(name);
      if (!set) return false;
      let index = indexes.get(name);
      if (!index) indexes.set(name, (index = indexIpset(set.entries)));
      if (set.type === 'bitmap:port') return index.entries.has(String(flags[0] === 'src' ? flow.sport : flow.dport));
      const fields = flags.map((f, i) => (i === 1 ? `${flow.proto}:${f === 'src' ? flow.sport : flow.dport}` : f === 'src' ? flow.src : flow.dst));
      if (index.parts === fields.length) {
        if (set.type !== 'hash:ip,port,net') return index.entries.has(fields.join(','));
        if (fields.length === 3) return index.nets.get(`${fields[0]},${fields[1]}`)?.some((cidr) => cidrHas(cidr, fields[2]!)) ?? false;
      }
      return set.entries.some((e) => {
        const parts = e.split(',');
        return fields.every((v, i) => (set.type === 'hash:ip,port,net' && i === 2 ? cidrHas(parts[i]!, v) : parts[i] === v));
      });
    },
  };
}

function ipvsLookup(state: IpvsState): IpvsLookup {
  const byKey = new Map(state.virtualServers.map((v) => [`${v.protocol.toLowerCase()} ${v.ip}:${v.port}`, v]));
  return {
    find(flow) {
      const vs = byKey.get(`${flow.proto} ${flow.dst}:${flow.dport}`);
      return vs && { service: virtualServerLine(vs), scheduler: vs.scheduler, realServers: vs.realServers };
    },
  };
}

const NFT_NOT_WALKED = "kube-proxy runs in nftables mode and the walk does not evaluate nftables yet: its table 'ip kube-proxy' (packetwalk rules --format nft) is not applied here, so no Service DNAT, masquerade mark or kube-proxy filtering happens in this trace";

export function createNetfilterHook(topology: Topology): NetfilterHook {
  const nodes = new Map(topology.nodes.map((n) => [n.name, n]));
  let keyOf: ((node: NodeInfo) => string) | undefined;
  const payloads = new Map<string, PayloadRules>();
  const cache = new Map<string, RuleLookup>();
  const ipvsCache = new Map<string, { sets: IpsetLookup | undefined; ipvs?: IpvsLookup }>();
  const ipvsMode = topology.cluster.kubeProxy.mode === 'ipvs';
  const nftMode = topology.cluster.kubeProxy.mode === 'nftables';
  return {
    run(input: NetfilterInput): NetfilterResult {
      const node = nodes.get(input.node);
      if (node === undefined) return { verdict: 'ACCEPT', flow: input.flow, mark: input.mark, steps: [] };
      let rules = cache.get(input.node);
      if (!rules) {
        keyOf ??= payloadKeys(topology);
        const key = keyOf(node);
        let payload = payloads.get(key);
        if (!payload) payloads.set(key, (payload = proxyRules(topology, node) ?? new LazyPayload(renderRestore(topology, node.name))));
        cache.set(input.node, (rules = nodeRules(payload, topology, node)));
      }
      let extra = ipvsCache.get(input.node);
      if (!extra) {
        const cniSets = cniIpsets(cniNat(topology, node).ipsets);
        const state = ipvsMode ? buildIpvs(topology, node) : undefined;
        extra = { sets: joinIpsets(state && ipsetLookup(state), cniSets), ...(state ? { ipvs: ipvsLookup(state) } : {}) };
        ipvsCache.set(input.node, extra);
      }
      const result = evaluateHook(rules, input, node.address, extra.sets, extra.ipvs);
      // kube-proxy's nat chains sit on these two hooks; say what the walk leaves out rather than pass silently.
      if (nftMode && input.newConnection && (input.hook === 'PREROUTING' || input.hook === 'OUTPUT')) {
        return { ...result, steps: [{ kind: 'note', text: NFT_NOT_WALKED }, ...result.steps] };
      }
      return result;
    },
  };
}
