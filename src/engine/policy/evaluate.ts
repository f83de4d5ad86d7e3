/**
 * One direction's verdict for one packet, with its explanation: the pod isolated in that direction
 * (the destination for ingress, the source for egress) is allowed the packet when any rule of any
 * policy isolating it matches both the other side and the destination port. Policies only add
 * allowances; their order never matters, but the first allowing rule in file order is the one named.
 */

import type { Protocol } from '../model/types';
import type { PolicyPeer } from '../trace/hooks';
import { ipToNum } from '../net/ipv4';
import { ipBlockMatches } from './ipBlock';
import type { CompiledPolicy, CompiledRule, Direction, PolicyIndex } from './policyIndex';
import { describePort, rulePortsMatch } from './ports';

/** A side of the connection, with its endpoint index when policy can name it. */
export interface Party {
  readonly ip: string;
  readonly endpoint?: number;
}

export interface DirectionVerdict {
  readonly allowed: boolean;
  /** The policies isolating the pod in this direction; empty when it is not isolated. */
  readonly isolatedBy: readonly CompiledPolicy[];
  /** The rule that allowed the packet under isolation. */
  readonly rule?: CompiledRule;
  readonly reason: string;
}

export function resolveParty(index: PolicyIndex, peer: PolicyPeer): Party {
  const endpoint = peer.pod ? index.podEndpoint(peer.pod.namespace, peer.pod.name) : undefined;
  const byIp = endpoint ?? index.byIp.get(peer.ip);
  return byIp === undefined ? { ip: peer.ip } : { ip: peer.ip, endpoint: byIp };
}

function nameOf(index: PolicyIndex, party: Party): string {
  return party.endpoint === undefined ? party.ip : index.endpoints[party.endpoint]!.id;
}

/** Index of the first peer of the rule that selects `other`; -1 for none; `any` for a rule without peers. */
function matchingPeer(rule: CompiledRule, other: Party): number | 'any' {
  if (rule.peers.length === 0) return 'any';
  if (other.endpoint !== undefined) return rule.peers.findIndex((p) => p.bits.has(other.endpoint!));
  const ip = ipToNum(other.ip);
  return rule.peers.findIndex((p) => p.ipBlock !== undefined && ipBlockMatches(p.ipBlock, ip));
}

function portsText(rule: CompiledRule): string {
  return rule.rule.ports.length ? rule.rule.ports.map(describePort).join(', ') : 'any port';
}

export function evaluateDirection(index: PolicyIndex, direction: Direction, src: Party, dst: Party, protocol: Protocol, port: number): DirectionVerdict {
  const subject = direction === 'ingress' ? dst : src;
  const other = direction === 'ingress' ? src : dst;
  const subjectEp = subject.endpoint === undefined ? undefined : index.endpoints[subject.endpoint];
  const subjectName = nameOf(index, subject);
  const otherName = nameOf(index, other);
  const pod = subjectEp?.pod;
  if (!pod) {
    return { allowed: true, isolatedBy: [], reason: `${subjectName} is not a pod on the pod network: no NetworkPolicy selects it` };
  }
  const policies = (direction === 'ingress' ? index.ingressPolicies : index.egressPolicies)[subject.endpoint!]!;
  const typeName = direction === 'ingress' ? 'Ingress' : 'Egress';
  if (policies.length === 0) {
    return { allowed: true, isolatedBy: [], reason: `${subjectName} is not isolated for ${direction}: no policy in namespace ${pod.namespace} with policyTypes ${typeName} selects it` };
  }
  if (index.nodeAddresses.get(pod.nodeName)?.has(other.ip)) {
    const way = direction === 'ingress' ? 'from' : 'to';
    return { allowed: true, isolatedBy: policies, reason: `traffic ${way} ${subjectName}'s own node ${pod.nodeName} (${other.ip}) is always allowed, as kubelet probes need` };
  }
  const dstPod = dst.endpoint === undefined ? undefined : index.endpoints[dst.endpoint]!.pod;
  const misses: string[] = [];
  const peerWord = direction === 'ingress' ? 'from' : 'to';
  for (const policy of policies) {
    const rules = (direction === 'ingress' ? policy.ingress : policy.egress)!;
    if (rules.length === 0) {
      misses.push(`${policy.id} has no ${direction} rules (denies all)`);
      continue;
    }
    for (const rule of rules) {
      const peer = matchingPeer(rule, other);
      const portOk = rulePortsMatch(rule.rule.ports, protocol, port, dstPod);
      if (peer !== -1 && portOk) {
        const peerText = peer === 'any' ? `any ${direction === 'ingress' ? 'source' : 'destination'}` : `${peerWord} ${rule.peers[peer]!.description}`;
        return {
          allowed: true,
          isolatedBy: policies,
          rule,
          reason: `${policy.id} ${direction} rule ${rule.index} allows ${protocol} ${port} ${peerWord} ${otherName} (${peerText}; ports ${portsText(rule)})`,
        };
      }
      if (peer === -1) {
        misses.push(`${policy.id} rule ${rule.index}: ${otherName} matches none of its ${peerWord} peers (${rule.peers.map((p) => p.description).join(' | ')})`);
      } else {
        misses.push(`${policy.id} rule ${rule.index}: ${protocol} ${port} is not among its ports (${portsText(rule)})`);
      }
    }
  }
  return {
    allowed: false,
    isolatedBy: policies,
    reason: `${subjectName} is isolated for ${direction} by ${policies.map((p) => p.id).join(', ')} and no rule allows ${protocol} ${port} ${peerWord} ${otherName}: ${misses.join('; ')}`,
  };
}
