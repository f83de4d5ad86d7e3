/**
 * kube-proxy for one node: the restore payload (`rules --format restore`), what iptables-save shows
 * once it is loaded (`--format save`), and in IPVS mode the IPVS table and ipsets.
 */

import type { NodeInfo, Topology } from '../model/types';
import { canonicalTable } from './canonical';
import { buildIptables, defaultEnvironment, type ProxyEnvironment } from './iptables';
import { buildIpvs, ipvsRestoreLines } from './ipvs';
import { jumpRules } from './jumps';
import { renderSaveTables } from './save';

export { defaultEnvironment, nodeAddresses, upstreamTestEnvironment, type ProxyEnvironment } from './iptables';

export function findNode(topology: Topology, nodeName: string): NodeInfo | undefined {
  return topology.nodes.find((n) => n.name === nodeName);
}

/** Lines or newline-joined blocks of lines per chunk of the streamed payload. */
const CHUNK_BLOCKS = 2048;

/**
 * The payload as chunks of text that concatenate to it (each ends with a newline), so the CLI can
 * write a large payload out piece by piece. iptables mode in upstream's canonical test order; ipvs
 * mode in kube-proxy's own write order, which is already deterministic.
 */
export function restoreChunks(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string[] {
  const node = findNode(topology, nodeName);
  // In nftables mode kube-proxy writes no iptables payload at all (see ./nftables).
  if (!node || topology.cluster.kubeProxy.mode === 'nftables') return [];
  const blocks: string[] = [];
  if (topology.cluster.kubeProxy.mode === 'ipvs') blocks.push(...ipvsRestoreLines(topology, node, buildIpvs(topology, node), env));
  else {
    const { filter, nat } = buildIptables(topology, node, env);
    canonicalTable(filter, blocks);
    canonicalTable(nat, blocks);
  }
  const chunks: string[] = [];
  for (let i = 0; i < blocks.length; i += CHUNK_BLOCKS) chunks.push(`${blocks.slice(i, i + CHUNK_BLOCKS).join('\n')}\n`);
  return chunks;
}

/** What kube-proxy v1.31 hands to `iptables-restore --noflush --counters` on `nodeName`. */
export function renderRestore(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string {
  return restoreChunks(topology, nodeName, env).join('');
}

/** The payload's lines. */
export function restoreLines(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string[] {
  const text = renderRestore(topology, nodeName, env);
  return text === '' ? [] : text.slice(0, -1).split('\n');
}

/**
 * What `iptables-save` prints on `nodeName` once kube-proxy has synced: the payload, the base-chain
 * jumps it installs outside it, and its KUBE-PROXY-CANARY chains (one per table, watched for flushes).
 */
export function renderSave(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string {
  const lines = restoreLines(topology, nodeName, env);
  if (lines.length === 0) return '';
  const tables = new Map<string, { name: string; chains: string[]; rules: string[] }>();
  const get = (name: string) => {
    let t = tables.get(name);
    if (!t) tables.set(name, (t = { name, chains: ['KUBE-PROXY-CANARY'], rules: [] }));
    return t;
  };
  get('mangle');
  const filter = get('filter');
  const nat = get('nat');
  let current = filter;
  for (const line of lines) {
    if (line === '*filter') current = filter;
    else if (line === '*nat') current = nat;
    else if (line.startsWith(':')) current.chains.push(line.slice(1).split(' ')[0]!);
    else if (line.startsWith('-A ')) current.rules.push(line);
  }
  const jumps = jumpRules(topology.cluster.kubeProxy.mode, filter.chains.includes('KUBE-FIREWALL'));
  for (const j of jumps) get(j.table).rules.unshift(j.rule);
  // unshift reversed the jumps; put them back in kernel order ahead of the payload's rules.
  for (const t of tables.values()) {
    const own = jumps.filter((j) => j.table === t.name).map((j) => j.rule);
    t.rules.splice(0, own.length, ...own);
  }
  return renderSaveTables([...tables.values()]);
}

export { renderNftTransaction } from './nftables';
export { buildIpvs, IPVS_DUMMY_DEVICE, ipvsDummyDevice, renderIpsetList, renderIpvsadm, type IpvsState, type VirtualServer } from './ipvs';
