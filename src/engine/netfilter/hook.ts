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
  return set;
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
  const ipvsCache = new Map<string, { sets: IpsetLookup; ipvs: IpvsLookup }>();
  const ipvsMode = topology.cluster.kubeProxy.mode === 'ipvs';
  const addresses = new Map(topology.nodes.map((n) => [n.name, n.address]));
  return {
    run(input: NetfilterInput): NetfilterResult {
      const nodeAddress = addresses.get(input.node);
      if (nodeAddress === undefined) return { verdict: 'ACCEPT', flow: input.flow, mark: input.mark, steps: [] };
      let rules = cache.get(input.node);
      if (!rules) cache.set(input.node, (rules = nodeRuleSet(topology, input.node)));
      if (!ipvsMode) return evaluateHook(rules, input, nodeAddress);
      let extra = ipvsCache.get(input.node);
      if (!extra) {
        const state = buildIpvs(topology, topology.nodes.find((n) => n.name === input.node)!);
        ipvsCache.set(input.node, (extra = { sets: ipsetLookup(state), ipvs: ipvsLookup(state) }));
      }
      return evaluateHook(rules, input, nodeAddress, extra.sets, extra.ipvs);
    },
  };
}
