/**
 * NetworkPolicy as Calico's Felix enforces it in iptables mode (also inside Canal): filter rules at
 * the host side of each pod's veth. FORWARD jumps to `cali-FORWARD`, which dispatches packets from
 * a workload (`-i cali+`) to its `cali-fw-<iface>` chain (egress) and packets to a workload
 * (`-o cali+`) to its `cali-tw-<iface>` chain (ingress). An endpoint chain accepts conntrack's
 * ESTABLISHED first, then runs the policy chains (`cali-pi-…` ingress, `cali-po-…` egress) of the
 * policies isolating the pod: an allowing rule sets the accept bit 0x10000 and the chain returns;
 * when none did, the packet is dropped at the end of the tier. A pod no policy isolates falls
 * through to its namespace profile, which accepts. Peers are `hash:net` ipsets of the selected pod
 * addresses (or the ipBlock, its `except` as a second, negated set).
 *
 * Everything is read from the same compiled policy index `reach` and the walk's policy step use, so
 * the rules, the reachability matrix and the verdicts cannot disagree.
 *
 * Simplified against a real Felix (docs/kernel-facts.md): chain and ipset names have Felix's shape
 * (`cali-pi-_` + 19 and `cali40s:` + 22 characters of a hash) but hash our own ID, and the rules
 * carry no `cali:` hash comments; the dispatch chains are flat rather than Felix's prefix tree; the
 * service-account profile, the host-endpoint chains, the workload-to-host INPUT chain and the
 * drop of IPIP/VXLAN sent by workloads are left out; ports are one `-m tcp --dport` rule each
 * instead of `-m multiport`, and named ports a `-d` rule per destination pod instead of a
 * named-port ipset. Nothing is rendered for a cluster without NetworkPolicy.
 */

import type { NodeInfo, NetworkPolicyPort, Pod, Topology } from '../../model/types';
import { cacheSlot, topologyCaches } from '../../model/caches';
import type { CniIpset, CniRule, PolicyOrigin } from '../descriptor';
import { caliVethName } from './veth';
import { sha1Hex } from '../../net/sha1';
import type { Bitset } from '../../policy/bitset';
import { buildPolicyIndex, type CompiledPeer, type CompiledPolicy, type CompiledRule, type Direction, type PolicyIndex } from '../../policy/policyIndex';

const ACCEPT_MARK = '0x10000/0x10000';
const PASS_CLEAR = '0x0/0x20000';
/** Felix's chain names are at most 28 characters (iptables allows 28 plus the terminating NUL). */
const MAX_CHAIN = 28;
/** A range longer than this stays one `--dport a:b` rule (see the header). */
const MAX_EXPANDED_RANGE = 256;

/** A pod of a node: its index among the policy index's endpoints. */
interface LocalEndpoint {
  readonly pod: Pod;
  readonly i: number;
}

/**
 * What every node's rules share, worked out once per topology: Felix's ipsets are cluster-wide
 * (the same members on every node), so a node touched later only renders its own pods' chains
 * instead of matching every peer selector against every pod again.
 */
interface FelixShared {
  readonly index: PolicyIndex;
  /** Each node's pods, in the index's order. */
  readonly localByNode: Map<string, LocalEndpoint[]>;
  /** A peer's sets (and the ipsets behind them) by the peer's key. */
  readonly peers: Map<string, { match: PeerMatch; ipsets: CniIpset[] }>;
  /** The pods a selector (its bitset) picks. */
  readonly selected: WeakMap<Bitset, Pod[]>;
}

const sharedSlot = cacheSlot<FelixShared>('calico/felix shared');

function felixShared(topology: Topology): FelixShared {
  return topologyCaches(topology).get(sharedSlot, () => {
    const index = buildPolicyIndex(topology);
    const localByNode = new Map<string, LocalEndpoint[]>();
    index.endpoints.forEach((ep, i) => {
      if (!ep.pod) return;
      const list = localByNode.get(ep.pod.nodeName);
      const e = { pod: ep.pod, i };
      if (list) list.push(e);
      else localByNode.set(ep.pod.nodeName, [e]);
    });
    return { index, localByNode, peers: new Map(), selected: new WeakMap() };
  });
}

const BASE64URL = 'ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_';

/** URL-safe base64 of SHA-1 over `text`, as many characters as asked (at most 26). */
function hashId(text: string, length: number): string {
  const hex = sha1Hex(text);
  let out = '';
  let buffer = 0;
  let bits = 0;
  for (let i = 0; i < hex.length && out.length < length; i += 2) {
    buffer = ((buffer << 8) | parseInt(hex.slice(i, i + 2), 16)) & 0xffff;
    bits += 8;
    while (bits >= 6 && out.length < length) {
      out += BASE64URL[(buffer >> (bits - 6)) & 63];
      bits -= 6;
    }
  }
  return out;
}

/** Felix's length-limited names: the ID itself when it fits, else `_` and a hash of it. */
function limitedName(prefix: string, id: string): string {
  return prefix.length + id.length <= MAX_CHAIN ? prefix + id : `${prefix}_${hashId(id, MAX_CHAIN - prefix.length - 1)}`;
}

export function policyChainName(direction: Direction, policyId: string): string {
  return `${direction === 'ingress' ? 'cali-pi-' : 'cali-po-'}_${hashId(`default/knp.default.${policyId}`, 19)}`;
}

function profileChain(direction: Direction, namespace: string): string {
  return limitedName(direction === 'ingress' ? 'cali-pri-' : 'cali-pro-', `kns.${namespace}`);
}

function endpointChain(direction: Direction, iface: string): string {
  return `${direction === 'ingress' ? 'cali-tw-' : 'cali-fw-'}${iface}`;
}

function setName(key: string): string {
  return `cali40s:${hashId(key, 22)}`;
}

const comment = (text: string): string => `-m comment --comment "${text}"`;

/** The `-p … --dport` part of a rule for one port entry; `-d` restricts a named port to the pod it names. */
function portMatches(entry: NetworkPolicyPort, dstPods: readonly Pod[]): { dst?: string; proto: string; port?: string }[] {
  const proto = entry.protocol.toLowerCase();
  if (entry.port === undefined) return [{ proto }];
  if (typeof entry.port === 'string') {
    const name = entry.port;
    const out: { dst?: string; proto: string; port?: string }[] = [];
    for (const pod of dstPods) {
      for (const c of pod.containers) for (const p of c.ports) if (p.name === name && p.protocol === entry.protocol) out.push({ dst: `${pod.ip}/32`, proto, port: String(p.containerPort) });
    }
    return out;
  }
  if (entry.endPort === undefined) return [{ proto, port: String(entry.port) }];
  if (entry.endPort - entry.port >= MAX_EXPANDED_RANGE) return [{ proto, port: `${entry.port}:${entry.endPort}` }];
  return Array.from({ length: entry.endPort - entry.port + 1 }, (_, i) => ({ proto, port: String(entry.port as number + i) }));
}

interface PeerMatch {
  readonly sets: readonly { readonly name: string; readonly negate: boolean }[];
}

interface Rendered {
  readonly shared: FelixShared;
  readonly rules: CniRule[];
  readonly ipsets: Map<string, CniIpset>;
}

/** The ipsets a peer matches by, made once per topology and added to this node's sets. */
function peerMatch(out: Rendered, key: string, peer: CompiledPeer): PeerMatch {
  let known = out.shared.peers.get(key);
  if (!known) out.shared.peers.set(key, (known = peerSets(out.shared, key, peer)));
  for (const set of known.ipsets) if (!out.ipsets.has(set.name)) out.ipsets.set(set.name, set);
  return known.match;
}

/** A peer's sets: its selected pods, or its ipBlock and the block's exceptions. */
function peerSets(shared: FelixShared, key: string, peer: CompiledPeer): { match: PeerMatch; ipsets: CniIpset[] } {
  if (peer.peer.ipBlock) {
    const block = peer.peer.ipBlock;
    // A block this model cannot read (IPv6) matches no IPv4 address: an empty set says the same.
    const name = setName(`${key} cidr`);
    const cidr: CniIpset = { name, members: peer.ipBlock && block.cidr.includes('.') ? [block.cidr] : [] };
    const except = block.except.filter((e) => e.includes('.'));
    if (except.length === 0 || !peer.ipBlock) return { match: { sets: [{ name, negate: false }] }, ipsets: [cidr] };
    const exceptName = setName(`${key} except`);
    return { match: { sets: [{ name, negate: false }, { name: exceptName, negate: true }] }, ipsets: [cidr, { name: exceptName, members: except }] };
  }
  const name = setName(`${key} pods`);
  const members = selectedPods(shared, peer.bits).map((pod) => `${pod.ip}/32`);
  return { match: { sets: [{ name, negate: false }] }, ipsets: [{ name, members }] };
}

/** One policy's chain for one direction: every rule × peer × port as an allow that sets the accept bit. */
function policyChain(out: Rendered, policy: CompiledPolicy, direction: Direction, selected: readonly Pod[]): void {
  const chain = policyChainName(direction, policy.id);
  const rules = (direction === 'ingress' ? policy.ingress : policy.egress) ?? [];
  const side = direction === 'ingress' ? 'src' : 'dst';
  for (const rule of rules) {
    const origin: PolicyOrigin = { kind: 'policy', direction, policies: [policy.id], ruleIndex: rule.index };
    const peers: (PeerMatch | undefined)[] = rule.peers.length ? rule.peers.map((p, i) => peerMatch(out, `${policy.id} ${direction} ${rule.index} ${i}`, p)) : [undefined];
    for (let pi = 0; pi < peers.length; pi++) {
      const peer = peers[pi];
      // A named port is the destination pod's: the isolated pod itself for ingress, the peer's pods for egress.
      const dstPods = direction === 'ingress' ? selected : podsOf(out.shared, rule, pi);
      const ports = rule.rule.ports.length ? rule.rule.ports.flatMap((p) => portMatches(p, dstPods)) : [undefined];
      for (const port of ports) {
        const parts = [`-A ${chain}`];
        if (port?.dst) parts.push(`-d ${port.dst}`);
        if (port) parts.push(`-p ${port.proto}`);
        for (const s of peer?.sets ?? []) parts.push(`-m set ${s.negate ? '! ' : ''}--match-set ${s.name} ${side}`);
        if (port?.port) parts.push(`-m ${port.proto} --dport ${port.port}`);
        parts.push(`-j MARK --set-xmark ${ACCEPT_MARK}`);
        out.rules.push(filter(parts.join(' '), 'last', origin));
        out.rules.push(filter(`-A ${chain} -m mark --mark ${ACCEPT_MARK} -j RETURN`, 'last', origin));
      }
    }
  }
}

/** Pods a rule's peer selects (every pod for a rule without peers), for its named ports. */
function podsOf(shared: FelixShared, rule: CompiledRule, peerIndex: number): Pod[] {
  return selectedPods(shared, rule.peers.length ? rule.peers[peerIndex]!.bits : rule.bits);
}

function selectedPods(shared: FelixShared, bits: Bitset): Pod[] {
  let pods = shared.selected.get(bits);
  if (!pods) {
    const found: Pod[] = [];
    bits.forEach((i) => {
      const pod = shared.index.endpoints[i]!.pod;
      if (pod) found.push(pod);
    });
    shared.selected.set(bits, (pods = found));
  }
  return pods;
}

function filter(rule: string, position: 'first' | 'last' = 'last', origin?: PolicyOrigin): CniRule {
  return { table: 'filter', rule, position, ...(origin ? { origin } : {}) };
}

/** One endpoint chain: conntrack first, the isolating policies' tier, then the namespace profile. */
function endpointRules(chain: string, policies: readonly CompiledPolicy[], direction: Direction, namespace: string): CniRule[] {
  const rules = [
    filter(`-A ${chain} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`),
    filter(`-A ${chain} -m conntrack --ctstate INVALID -j DROP`),
    filter(`-A ${chain} -j MARK --set-xmark 0x0/0x30000`),
  ];
  if (policies.length) {
    rules.push(filter(`-A ${chain} ${comment('Start of tier default')} -j MARK --set-xmark ${PASS_CLEAR}`));
    for (const p of policies) {
      rules.push(filter(`-A ${chain} -m mark --mark ${PASS_CLEAR} -j ${policyChainName(direction, p.id)}`));
      rules.push(filter(`-A ${chain} ${comment('Return if policy accepted')} -m mark --mark ${ACCEPT_MARK} -j RETURN`));
    }
    const tier: PolicyOrigin = { kind: 'policy', direction, policies: policies.map((p) => p.id) };
    rules.push(filter(`-A ${chain} ${comment(DROP_AT_END_OF_TIER)} -m mark --mark ${PASS_CLEAR} -j DROP`, 'last', tier));
  }
  rules.push(filter(`-A ${chain} -j ${profileChain(direction, namespace)}`));
  rules.push(filter(`-A ${chain} ${comment('Return if profile accepted')} -m mark --mark ${ACCEPT_MARK} -j RETURN`));
  rules.push(filter(`-A ${chain} ${comment('Drop if no profiles matched')} -j DROP`, 'last', { kind: 'policy', direction, policies: [] }));
  return rules;
}

const DROP_AT_END_OF_TIER = 'End of tier default. Drop if no policies passed packet';

/** Felix's filter rules and ipsets on `node`; empty where the CNI does not run Felix or no policy exists. */
export function felixPolicyRules(topology: Topology, node: NodeInfo): { rules: CniRule[]; ipsets: CniIpset[] } {
  const plugin = topology.cluster.cni.plugin;
  if ((plugin !== 'calico' && plugin !== 'canal') || topology.policies.length === 0) return { rules: [], ipsets: [] };
  const s = felixShared(topology);
  const index = s.index;
  // Interfaces are named for this node's pods only: each name is a SHA-1 of its pod.
  const local = (s.localByNode.get(node.name) ?? []).map((e) => ({ ...e, iface: caliVethName(e.pod) }));
  const out: Rendered = { shared: s, rules: [], ipsets: new Map() };
  out.rules.push(
    filter('-A FORWARD -j cali-FORWARD', 'first'),
    filter('-A cali-FORWARD -j MARK --set-xmark 0x0/0xe0000'),
    filter('-A cali-FORWARD -i cali+ -j cali-from-wl-dispatch'),
    filter('-A cali-FORWARD -o cali+ -j cali-to-wl-dispatch'),
    filter(`-A FORWARD ${comment('Policy explicitly accepted packet.')} -m mark --mark ${ACCEPT_MARK} -j ACCEPT`),
  );
  for (const e of local) out.rules.push(filter(`-A cali-from-wl-dispatch -i ${e.iface} -g ${endpointChain('egress', e.iface)}`));
  out.rules.push(filter(`-A cali-from-wl-dispatch ${comment('Unknown interface')} -j DROP`));
  for (const e of local) out.rules.push(filter(`-A cali-to-wl-dispatch -o ${e.iface} -g ${endpointChain('ingress', e.iface)}`));
  out.rules.push(filter(`-A cali-to-wl-dispatch ${comment('Unknown interface')} -j DROP`));
  const namespaces = new Set<string>();
  const used = new Map<string, { policy: CompiledPolicy; direction: Direction }>();
  for (const e of local) {
    namespaces.add(e.pod.namespace);
    for (const direction of ['egress', 'ingress'] as const) {
      const policies = (direction === 'ingress' ? index.ingressPolicies : index.egressPolicies)[e.i]!;
      for (const p of policies) used.set(`${direction} ${p.id}`, { policy: p, direction });
      out.rules.push(...endpointRules(endpointChain(direction, e.iface), policies, direction, e.pod.namespace));
    }
  }
  for (const { policy, direction } of used.values()) {
    const selected = local.filter((e) => (direction === 'ingress' ? index.ingressPolicies : index.egressPolicies)[e.i]!.includes(policy)).map((e) => e.pod);
    policyChain(out, policy, direction, selected);
  }
  for (const ns of [...namespaces].sort()) {
    for (const direction of ['ingress', 'egress'] as const) {
      const chain = profileChain(direction, ns);
      out.rules.push(filter(`-A ${chain} -j MARK --set-xmark ${ACCEPT_MARK}`), filter(`-A ${chain} -m mark --mark ${ACCEPT_MARK} -j RETURN`));
    }
  }
  return { rules: out.rules, ipsets: [...out.ipsets.values()] };
}

/**
 * The direction of a Felix policy drop read back from a rule's text: an endpoint chain's end of
 * tier (or of profiles). Undefined for any other rule, which is a plain DROP. The walk never parses
 * text (it reads each rule's `origin`); this reads printed rules, as the tests check them.
 */
export function felixDropDirection(rule: string): Direction | undefined {
  const m = /^-A cali-(tw|fw)-\S+ .*-j DROP$/.exec(rule);
  if (!m || rule.includes('--ctstate INVALID')) return undefined;
  return m[1] === 'tw' ? 'ingress' : 'egress';
}
