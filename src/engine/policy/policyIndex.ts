/**
 * Everything about a topology's NetworkPolicies that does not depend on one packet, computed once:
 * the endpoints policy can name (pods on the pod network and external hosts), which policies
 * isolate each pod in each direction, and for every rule the set of endpoints its peers match.
 * A verdict is then a few bit tests, and a reachability row a word-wise OR of rule sets.
 */

import type { CniPlugin, LabelSelector, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyRule, Pod, Topology } from '../model/types';
import { assertNever } from '../trace/types';
import { Bitset } from './bitset';
import { ipToNum, nthAddress, parsePrefix } from '../net/ipv4';
import { compileIpBlock, ipBlockMatches, type CompiledIpBlock } from './ipBlock';
import { describeSelector, selectorMatches } from './selector';

export type Direction = 'ingress' | 'egress';

type Labels = Readonly<Record<string, string>>;

export interface PolicyEndpoint {
  /** `ns/name` for a pod, `ext/name` for an external host: the labels of `reach`. */
  readonly id: string;
  readonly ip: string;
  readonly ipNum: number;
  readonly pod?: Pod;
}

export interface CompiledPeer {
  readonly peer: NetworkPolicyPeer;
  readonly ipBlock?: CompiledIpBlock;
  /** Endpoints this peer selects. */
  readonly bits: Bitset;
  readonly description: string;
}

export interface CompiledRule {
  readonly policy: CompiledPolicy;
  readonly direction: Direction;
  readonly index: number;
  readonly rule: NetworkPolicyRule;
  readonly peers: readonly CompiledPeer[];
  /** Union of the peers' sets; every endpoint when the rule has no peers. */
  readonly bits: Bitset;
}

export interface CompiledPolicy {
  readonly policy: NetworkPolicy;
  /** `ns/name` */
  readonly id: string;
  /** Present only when policyTypes has the direction: only then does the policy isolate for it. */
  readonly ingress?: readonly CompiledRule[];
  readonly egress?: readonly CompiledRule[];
}

export interface PolicyIndex {
  readonly topology: Topology;
  readonly endpoints: readonly PolicyEndpoint[];
  readonly byIp: ReadonlyMap<string, number>;
  /** The endpoint of a pod by namespace and name. */
  podEndpoint(namespace: string, name: string): number | undefined;
  /** Per endpoint, the policies isolating it, in file order (empty for externals). */
  readonly ingressPolicies: readonly (readonly CompiledPolicy[])[];
  readonly egressPolicies: readonly (readonly CompiledPolicy[])[];
  /** Addresses of each node's host namespace: traffic between a pod and its own node is always allowed. */
  readonly nodeAddresses: ReadonlyMap<string, ReadonlySet<string>>;
}

const NAMESPACE_NAME_LABEL = 'kubernetes.io/metadata.name';

function namespaceLabels(topology: Topology): (ns: string) => Labels {
  const byName = new Map(topology.namespaces.map((n) => [n.name, n.labels]));
  // A namespace the file never declares still carries its automatic name label.
  return (ns) => byName.get(ns) ?? { [NAMESPACE_NAME_LABEL]: ns };
}

function describePeer(peer: NetworkPolicyPeer, policyNamespace: string, ipBlock: CompiledIpBlock | undefined): string {
  if (peer.ipBlock) return ipBlock?.text ?? `ipBlock ${peer.ipBlock.cidr} (not IPv4: matches nothing here)`;
  const pods = peer.podSelector ? `pods ${describeSelector(peer.podSelector)}` : 'all pods';
  const where = peer.namespaceSelector ? `in namespaces ${describeSelector(peer.namespaceSelector)}` : `in namespace ${policyNamespace}`;
  return `${pods} ${where}`;
}

function peerSelects(peer: NetworkPolicyPeer, ipBlock: CompiledIpBlock | undefined, policyNamespace: string, ep: PolicyEndpoint, nsLabels: (ns: string) => Labels): boolean {
  if (peer.ipBlock) return ipBlock !== undefined && ipBlockMatches(ipBlock, ep.ipNum);
  const pod = ep.pod;
  if (!pod) return false;
  if (peer.namespaceSelector) {
    if (!selectorMatches(peer.namespaceSelector, nsLabels(pod.namespace))) return false;
  } else if (pod.namespace !== policyNamespace) {
    return false;
  }
  return !peer.podSelector || selectorMatches(peer.podSelector, pod.labels);
}

function addressAt(cidr: string, offset: number): string | undefined {
  const prefix = parsePrefix(cidr);
  return prefix && nthAddress(prefix, offset);
}

/**
 * Offsets in the node's pod CIDR of the addresses the CNI gives the host itself, which the host
 * may use as the source towards its pods: cni0/cbr0 at `.1`, flannel.1 at `.0`, Calico's tunl0 or
 * vxlan.calico at the block's first address.
 */
function cniHostOffsets(plugin: CniPlugin): readonly number[] {
  switch (plugin) {
    case 'flannel':
      return [0, 1];
    case 'canal':
    case 'calico':
      return [0];
    case 'kubenet':
      return [1];
    case 'weave':
    case 'aws-vpc':
      return [];
    default:
      return assertNever(plugin);
  }
}

function nodeAddressSets(topology: Topology): Map<string, Set<string>> {
  const offsets = cniHostOffsets(topology.cluster.cni.plugin);
  const cniAddresses = topology.nodes.map((node) => offsets.map((offset) => addressAt(node.podCIDR, offset)).filter((ip) => ip !== undefined));
  // An address a pod holds is the pod's, whatever the CNI's convention: the few CNI addresses are
  // looked up among the pods, rather than every pod address put in a set.
  const wanted = new Set(cniAddresses.flat());
  const heldByPods = new Set<string>();
  for (const p of topology.pods) if (!p.hostNetwork && wanted.has(p.ip)) heldByPods.add(p.ip);
  const out = new Map<string, Set<string>>();
  topology.nodes.forEach((node, n) => {
    const set = new Set<string>([node.address]);
    for (const i of node.extraInterfaces) if (i.address) set.add(i.address.split('/')[0]!);
    for (const ip of cniAddresses[n]!) if (!heldByPods.has(ip)) set.add(ip);
    out.set(node.name, set);
  });
  return out;
}

/**
 * The endpoints a selector could match, without testing every pod: a selector with matchLabels
 * only matches pods carrying each of its pairs, so the pods of its rarest pair are the candidates
 * (in index order). Each candidate is still tested in full; this only skips pods that cannot match,
 * which on a 150,000-pod cluster with hundreds of policies is nearly all of them.
 */
class Candidates {
  private readonly byLabel = new Map<string, Map<string, number[]>>();

  /** Every endpoint, for what no label narrows (an ipBlock, a selector without matchLabels). */
  readonly all: readonly number[];

  constructor(endpoints: readonly PolicyEndpoint[]) {
    this.all = endpoints.map((_, i) => i);
    endpoints.forEach((ep, i) => {
      if (!ep.pod) return;
      for (const k in ep.pod.labels) {
        let values = this.byLabel.get(k);
        if (!values) this.byLabel.set(k, (values = new Map()));
        const v = ep.pod.labels[k]!;
        const list = values.get(v);
        if (list) list.push(i);
        else values.set(v, [i]);
      }
    });
  }

  of(selector: LabelSelector): readonly number[] {
    let best: readonly number[] | undefined;
    for (const k of Object.keys(selector.matchLabels)) {
      const list = this.byLabel.get(k)?.get(selector.matchLabels[k]!) ?? [];
      if (!best || list.length < best.length) best = list;
    }
    return best ?? this.all;
  }
}

export function buildPolicyIndex(topology: Topology): PolicyIndex {
  const endpoints: PolicyEndpoint[] = [];
  // hostNetwork pods share the node's address: policies neither select them nor match them by podSelector.
  for (const pod of topology.pods) {
    if (!pod.hostNetwork) endpoints.push({ id: `${pod.namespace}/${pod.name}`, ip: pod.ip, ipNum: ipToNum(pod.ip), pod });
  }
  for (const ext of topology.externals) endpoints.push({ id: `ext/${ext.name}`, ip: ext.address, ipNum: ipToNum(ext.address) });
  const byIp = new Map<string, number>();
  // By namespace, then name: no "namespace/name" string to build and hash for each of 150,000 pods.
  const byPod = new Map<string, Map<string, number>>();
  endpoints.forEach((ep, i) => {
    if (!byIp.has(ep.ip)) byIp.set(ep.ip, i);
    if (!ep.pod) return;
    let names = byPod.get(ep.pod.namespace);
    if (!names) byPod.set(ep.pod.namespace, (names = new Map()));
    names.set(ep.pod.name, i);
  });
  const nsLabels = namespaceLabels(topology);
  const size = endpoints.length;
  const candidates = new Candidates(endpoints);

  const compileRules = (compiled: CompiledPolicy, direction: Direction, rules: readonly NetworkPolicyRule[]): CompiledRule[] =>
    rules.map((rule, index) => {
      const peers = rule.peers.map((peer): CompiledPeer => {
        const ipBlock = peer.ipBlock ? compileIpBlock(peer.ipBlock) : undefined;
        const bits = new Bitset(size);
        for (const i of peer.podSelector && !peer.ipBlock ? candidates.of(peer.podSelector) : candidates.all) {
          if (peerSelects(peer, ipBlock, compiled.policy.namespace, endpoints[i]!, nsLabels)) bits.add(i);
        }
        return { peer, ...(ipBlock ? { ipBlock } : {}), bits, description: describePeer(peer, compiled.policy.namespace, ipBlock) };
      });
      let bits: Bitset;
      if (peers.length === 0) bits = Bitset.full(size);
      else {
        bits = new Bitset(size);
        for (const p of peers) bits.or(p.bits);
      }
      return { policy: compiled, direction, index, rule, peers, bits };
    });

  const ingressPolicies: CompiledPolicy[][] = endpoints.map(() => []);
  const egressPolicies: CompiledPolicy[][] = endpoints.map(() => []);
  const podsByNamespace = new Map<string, number[]>();
  endpoints.forEach((ep, i) => {
    if (!ep.pod) return;
    const list = podsByNamespace.get(ep.pod.namespace) ?? [];
    list.push(i);
    podsByNamespace.set(ep.pod.namespace, list);
  });
  const inNamespace = (ns: string, selector: LabelSelector): readonly number[] => {
    const all = podsByNamespace.get(ns) ?? [];
    const labelled = candidates.of(selector);
    return labelled.length < all.length ? labelled : all;
  };

  for (const policy of topology.policies) {
    const compiled: { -readonly [K in keyof CompiledPolicy]: CompiledPolicy[K] } = { policy, id: `${policy.namespace}/${policy.name}` };
    if (policy.policyTypes.includes('Ingress')) compiled.ingress = compileRules(compiled, 'ingress', policy.ingress);
    if (policy.policyTypes.includes('Egress')) compiled.egress = compileRules(compiled, 'egress', policy.egress);
    // A policy selects pods of its own namespace only.
    for (const i of inNamespace(policy.namespace, policy.podSelector)) {
      const pod = endpoints[i]!.pod!;
      if (pod.namespace !== policy.namespace || !selectorMatches(policy.podSelector, pod.labels)) continue;
      if (compiled.ingress) ingressPolicies[i]!.push(compiled);
      if (compiled.egress) egressPolicies[i]!.push(compiled);
    }
  }

  return {
    topology,
    endpoints,
    byIp,
    podEndpoint: (namespace, name) => byPod.get(namespace)?.get(name),
    ingressPolicies,
    egressPolicies,
    nodeAddresses: nodeAddressSets(topology),
  };
}
