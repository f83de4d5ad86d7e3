/**
 * Which nodes get the same kube-proxy payload. In iptables mode kube-proxy writes the same rules
 * on every node except where a rule reads something of the node itself; at 5,000 nodes that makes
 * one payload to build and parse instead of one per node walked. The key below names everything
 * of a node that syncProxyRules reads (see `buildIptables` and `servicePorts` in ../proxy): two
 * nodes with one key get byte-identical payloads, which the tests check over topologies that use
 * each of these.
 */

import type { NodeInfo, Topology } from '../model/types';
import { nodeAddresses } from '../proxy/iptables';

/** A function giving each node's payload key; nodes with equal keys share one payload. */
export function payloadKeys(topology: Topology): (node: NodeInfo) => string {
  const proxy = topology.cluster.kubeProxy;
  // IPVS mode fills its ipsets with the node's own addresses and local endpoints: one per node.
  if (proxy.mode === 'ipvs') return (node) => `node ${node.name}`;
  const localEndpoints = nodeSensitiveEndpoints(topology);
  const firewalled = topology.services.some((s) => s.loadBalancerSourceRanges.length > 0);
  return (node) => {
    const parts: string[] = [];
    // The local-traffic detector is the node's pod CIDR.
    if (proxy.detectLocalMode === 'NodeCIDR') parts.push(`cidr ${node.podCIDR}`);
    // NodePorts are matched on the node's addresses within --nodeport-addresses.
    if (proxy.nodePortAddresses.length > 0) parts.push(`addresses ${nodeAddresses(node).join(',')}`);
    // A load balancer's firewall chain lets the node's own address through when a source range holds it.
    if (firewalled) parts.push(`address ${node.address}`);
    const local = localEndpoints.get(node.name);
    if (local) parts.push(`local ${local.join(',')}`);
    return parts.join(' ');
  };
}

/**
 * Endpoints whose being on the node changes the rules, by node: those of services with a `Local`
 * traffic policy (their local-endpoint chains), and those listed twice for one service (where
 * overlapping slices disagree, kube-proxy keeps the node's own copy).
 */
function nodeSensitiveEndpoints(topology: Topology): Map<string, string[]> {
  const localPolicy = new Set(topology.services.filter((s) => s.externalTrafficPolicy === 'Local' || s.internalTrafficPolicy === 'Local').map((s) => `${s.namespace}/${s.name}`));
  const seen = new Map<string, Set<string>>();
  const twice = new Set<string>();
  for (const slice of topology.endpointSlices) {
    const service = `${slice.namespace}/${slice.serviceName}`;
    let addresses = seen.get(service);
    if (!addresses) seen.set(service, (addresses = new Set()));
    for (const ep of slice.endpoints) {
      const a = ep.addresses[0];
      if (a === undefined) continue;
      if (addresses.has(a)) twice.add(`${service} ${a}`);
      addresses.add(a);
    }
  }
  const out = new Map<string, string[]>();
  if (localPolicy.size === 0 && twice.size === 0) return out;
  for (const slice of topology.endpointSlices) {
    const service = `${slice.namespace}/${slice.serviceName}`;
    for (const ep of slice.endpoints) {
      const a = ep.addresses[0];
      if (ep.nodeName === undefined || a === undefined) continue;
      if (!localPolicy.has(service) && !twice.has(`${service} ${a}`)) continue;
      const list = out.get(ep.nodeName);
      if (list) list.push(`${service} ${a}`);
      else out.set(ep.nodeName, [`${service} ${a}`]);
    }
  }
  return out;
}
