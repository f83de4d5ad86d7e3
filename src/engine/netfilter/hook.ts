/**
 * The netfilter stage of the walk: each node's kube-proxy rules, parsed from the same text
 * `rules --format restore` prints (so a step's line points into that view), plus the base-chain
 * jumps kube-proxy installs outside the payload.
 */

import type { Topology } from '../model/types';
import { renderRestore } from '../proxy';
import { jumpRules } from '../proxy/jumps';
import type { NetfilterHook, NetfilterInput, NetfilterResult } from '../trace/hooks';
import { evaluateHook, type IpsetLookup, type IpvsLookup } from './evaluate';
import { buildIpvs, type IpvsState } from '../proxy';
import { cidrHas } from '../proxy/cidrs';
import { parseRestore, parseRule, type RuleSet } from './rules';
import { cniNat, type CniIpset } from '../cni/masquerade';

/** A node's full rule set as the kernel holds it once kube-proxy has synced. */
export function nodeRuleSet(topology: Topology, nodeName: string): RuleSet {
  const set = parseRestore(renderRestore(topology, nodeName));
  const mode = topology.cluster.kubeProxy.mode;
  const kubeletFirewall = set.get('filter')?.has('KUBE-FIREWALL') ?? false;
  for (const j of jumpRules(mode, kubeletFirewall)) {
    let table = set.get(j.table);
    if (!table) set.set(j.table, (table = new Map()));
    let chain = table.get(j.chain);
    if (!chain) table.set(j.chain, (chain = []));
    chain.push(parseRule(j.table, j.rule));
  }
  addCniRules(set, topology, nodeName);
  return set;
}

/** The CNI's own rules (egress MASQUERADE and the like) around kube-proxy's, where the CNI's daemon puts them. */
function addCniRules(set: RuleSet, topology: Topology, nodeName: string): void {
  const node = topology.nodes.find((n) => n.name === nodeName);
  if (!node) return;
  const first = new Map<string, number>();
  for (const r of cniNat(topology, node).rules) {
    const rule = parseRule(r.table, r.rule);
    let table = set.get(r.table);
    if (!table) set.set(r.table, (table = new Map()));
    let chain = table.get(rule.chain);
    if (!chain) table.set(rule.chain, (chain = []));
    if (r.position === 'last') chain.push(rule);
    else {
      // Inserted as a block: the CNI's first rules keep their own order ahead of everything else.
      const key = `${r.table} ${rule.chain}`;
      const at = first.get(key) ?? 0;
      chain.splice(at, 0, rule);
      first.set(key, at + 1);
    }
  }
}

/** Membership in the CNI's `hash:net` ipsets (Calico's IPAM pool sets). */
function cniIpsets(sets: readonly CniIpset[]): IpsetLookup | undefined {
  if (sets.length === 0) return undefined;
  const byName = new Map(sets.map((s) => [s.name, s.members]));
  return {
    has(name, flow, flags) {
      const members = byName.get(name);
      const field = flags[0] === 'src' ? flow.src : flow.dst;
      return members?.some((cidr) => cidrHas(cidr, field)) ?? false;
    },
  };
}

/** Kube-proxy's ipsets (IPVS mode) and the CNI's, as one lookup; a name belongs to one or the other. */
function joinIpsets(a: IpsetLookup | undefined, b: IpsetLookup | undefined): IpsetLookup | undefined {
  if (!a || !b) return a ?? b;
  return { has: (name, flow, flags) => a.has(name, flow, flags) || b.has(name, flow, flags) };
}

/** Set membership over kube-proxy's ipsets, for `-m set --match-set NAME dst,dst…`. */
function ipsetLookup(state: IpvsState): IpsetLookup {
  return {
    has(name, flow, flags) {
      const set = state.ipsets.get(name);
      if (!set) return false;
      const field = (f: 'src' | 'dst', i: number): string => (i === 1 ? `${flow.proto}:${f === 'src' ? flow.sport : flow.dport}` : f === 'src' ? flow.src : flow.dst);
      if (set.type === 'bitmap:port') return set.entries.includes(String(flags[0] === 'src' ? flow.sport : flow.dport));
      return set.entries.some((e) => {
        const parts = e.split(',');
        return flags.every((f, i) => (set.type === 'hash:ip,port,net' && i === 2 ? cidrHas(parts[i]!, field(f, i)) : parts[i] === field(f, i)));
      });
    },
  };
}

function ipvsLookup(state: IpvsState): IpvsLookup {
  const byKey = new Map(state.virtualServers.map((v) => [`${v.protocol.toLowerCase()} ${v.ip}:${v.port}`, v]));
  return {
    find(flow) {
      const vs = byKey.get(`${flow.proto} ${flow.dst}:${flow.dport}`);
      return vs && { service: `${vs.protocol}  ${vs.ip}:${vs.port} ${vs.scheduler}`, scheduler: vs.scheduler, realServers: vs.realServers };
    },
  };
}

export function createNetfilterHook(topology: Topology): NetfilterHook {
  const cache = new Map<string, RuleSet>();
  const ipvsCache = new Map<string, { sets: IpsetLookup | undefined; ipvs?: IpvsLookup }>();
  const ipvsMode = topology.cluster.kubeProxy.mode === 'ipvs';
  const addresses = new Map(topology.nodes.map((n) => [n.name, n.address]));
  return {
    run(input: NetfilterInput): NetfilterResult {
      const nodeAddress = addresses.get(input.node);
      if (nodeAddress === undefined) return { verdict: 'ACCEPT', flow: input.flow, mark: input.mark, steps: [] };
      let rules = cache.get(input.node);
      if (!rules) cache.set(input.node, (rules = nodeRuleSet(topology, input.node)));
      let extra = ipvsCache.get(input.node);
      if (!extra) {
        const node = topology.nodes.find((n) => n.name === input.node)!;
        const cniSets = cniIpsets(cniNat(topology, node).ipsets);
        const state = ipvsMode ? buildIpvs(topology, node) : undefined;
        extra = { sets: joinIpsets(state && ipsetLookup(state), cniSets), ...(state ? { ipvs: ipvsLookup(state) } : {}) };
        ipvsCache.set(input.node, extra);
      }
      return evaluateHook(rules, input, nodeAddress, extra.sets, extra.ipvs);
    },
  };
}
