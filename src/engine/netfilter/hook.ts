/**
 * The netfilter stage of the walk: each node's kube-proxy rules, parsed from the same text
 * `rules --format restore` prints (so a step's line points into that view), plus the base-chain
 * jumps kube-proxy installs outside the payload.
 */

import type { Topology } from '../model/types';
import { renderRestore } from '../proxy';
import { jumpRules } from '../proxy/jumps';
import type { NetfilterHook, NetfilterInput, NetfilterResult } from '../trace/hooks';
import { evaluateHook } from './evaluate';
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

export function createNetfilterHook(topology: Topology): NetfilterHook {
  const cache = new Map<string, RuleSet>();
  const addresses = new Map(topology.nodes.map((n) => [n.name, n.address]));
  return {
    run(input: NetfilterInput): NetfilterResult {
      const nodeAddress = addresses.get(input.node);
      if (nodeAddress === undefined) return { verdict: 'ACCEPT', flow: input.flow, mark: input.mark, steps: [] };
      let rules = cache.get(input.node);
      if (!rules) cache.set(input.node, (rules = nodeRuleSet(topology, input.node)));
      return evaluateHook(rules, input, nodeAddress);
    },
  };
}
