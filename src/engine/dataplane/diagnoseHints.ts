/** Remedies the dataplane notes share, worded as edits to the Cluster document. */

import type { NodeInfo } from '../model/types';
import { broadcastOf, formatCidr, ipToNum, nthAddress, prefixOf } from '../net/ipv4';

/**
 * How to give a node a default route: `gateway:` with its underlay's router, guessed as the
 * subnet's first address (its last when the node itself holds the first), as DHCP networks and
 * clouds usually place it.
 */
export function addGatewayHint(node: NodeInfo): string {
  const where = `node ${node.name} in the Cluster document`;
  if (node.prefixLength >= 31) return `add \`gateway: <its router's address>\` to ${where}`;
  const subnet = prefixOf(ipToNum(node.address), node.prefixLength);
  const first = nthAddress(subnet, 1);
  const router = first === node.address ? nthAddress(subnet, broadcastOf(subnet) - subnet.base - 1) : first;
  return `add \`gateway: ${router}\` (or wherever the router of ${formatCidr(subnet)} is) to ${where}`;
}
