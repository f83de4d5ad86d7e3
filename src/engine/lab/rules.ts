/**
 * kube-proxy's rules for a lab node, loaded the way kube-proxy loads them: first its own chains
 * and the jumps from the kernel's base chains (which it installs outside the payload), then the
 * payload itself with `iptables-restore --noflush --counters`. The text is the rule view's text,
 * so what the kernel holds is exactly what `packetwalk rules` prints.
 */

import type { Topology } from '../model/types';
import { renderRestore } from '../proxy';
import { jumpRules } from '../proxy/jumps';
import type { LabCommandInput } from './plan';

/** Chains the payload defines, by table, read from its `:CHAIN` lines. */
function payloadChains(payload: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let table = '';
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) out.set((table = line.slice(1)), []);
    else if (line.startsWith(':')) out.get(table)?.push(line.slice(1).split(' ')[0]!);
  }
  return out;
}

export function kubeProxyPayloads(topology: Topology, nodeName: string): LabCommandInput[] {
  const payload = renderRestore(topology, nodeName);
  if (!payload) return [];
  const chains = payloadChains(payload);
  const jumps = jumpRules(topology.cluster.kubeProxy.mode, chains.get('filter')?.includes('KUBE-FIREWALL') ?? false);
  const tables = ['mangle', 'filter', 'nat'];
  const lines: string[] = [];
  for (const table of tables) {
    const own = jumps.filter((j) => j.table === table);
    // The jump targets must exist before a rule can name them; the payload fills them afterwards.
    const targets = [...new Set(own.map((j) => j.rule.split(' -j ')[1]!))];
    lines.push(`*${table}`, ':KUBE-PROXY-CANARY - [0:0]', ...targets.map((c) => `:${c} - [0:0]`), ...own.map((j) => j.rule), 'COMMIT');
  }
  // kube-proxy creates its nfacct counters over netlink before the payload names them.
  const counters = [...new Set([...payload.matchAll(/--nfacct-name (\S+)/g)].map((m) => m[1]!))];
  return [
    ...counters.map((c) => ({ argv: ['nfacct', 'add', c] })),
    { argv: ['iptables-restore', '--noflush'], text: `${lines.join('\n')}\n` },
    { argv: ['iptables-restore', '--noflush', '--counters'], text: payload },
  ];
}
