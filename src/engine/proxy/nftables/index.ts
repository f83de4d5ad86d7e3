/** kube-proxy's nftables mode: what it writes, as one home for the mode. */

import type { Topology } from '../../model/types';
import { defaultEnvironment, type ProxyEnvironment } from '../iptables';
import { buildNftables } from './build';
import { dumpTable } from './transaction';

export { buildNftables } from './build';
export { dumpTable, NftTable, type NftChain, type NftSet } from './transaction';

/** The transaction kube-proxy's full sync sends on `nodeName`, as knftables' fake dumps it; '' for an unknown node. */
export function renderNftTransaction(topology: Topology, nodeName: string, env: ProxyEnvironment = defaultEnvironment): string {
  const node = topology.nodes.find((n) => n.name === nodeName);
  return node ? dumpTable(buildNftables(topology, node, env)) : '';
}
