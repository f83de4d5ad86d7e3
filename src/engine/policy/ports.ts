/**
 * NetworkPolicyPort matching. A rule with no ports allows every port; otherwise one entry must
 * match the protocol and the port, where a named port is looked up among the destination pod's
 * container ports of that protocol (for ingress and egress alike: the port is the server's).
 */

import type { NetworkPolicyPort, Pod, Protocol } from '../model/types';

function namedPortMatches(name: string, protocol: Protocol, port: number, dstPod: Pod | undefined): boolean {
  if (!dstPod) return false;
  return dstPod.containers.some((c) => c.ports.some((p) => p.name === name && p.protocol === protocol && p.containerPort === port));
}

export function policyPortMatches(entry: NetworkPolicyPort, protocol: Protocol, port: number, dstPod: Pod | undefined): boolean {
  if (entry.protocol !== protocol) return false;
  if (entry.port === undefined) return true;
  if (typeof entry.port === 'string') return namedPortMatches(entry.port, protocol, port, dstPod);
  return entry.endPort === undefined ? port === entry.port : port >= entry.port && port <= entry.endPort;
}

export function rulePortsMatch(ports: readonly NetworkPolicyPort[], protocol: Protocol, port: number, dstPod: Pod | undefined): boolean {
  return ports.length === 0 || ports.some((p) => policyPortMatches(p, protocol, port, dstPod));
}

/** `TCP/80`, `TCP/32000-32768`, `UDP/serve-53-udp`, `SCTP (any port)`. */
export function describePort(entry: NetworkPolicyPort): string {
  if (entry.port === undefined) return `${entry.protocol} (any port)`;
  if (entry.endPort !== undefined) return `${entry.protocol}/${entry.port}-${entry.endPort}`;
  return `${entry.protocol}/${entry.port}`;
}
