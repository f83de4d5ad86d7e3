/**
 * The upstream NetworkPolicy conformance model (test/e2e/network/netpol): namespaces x, y, z, each
 * with pods a, b, c labelled `pod: <name>`, every pod serving 80 and 81 over TCP, UDP and SCTP in
 * containers `cont-<port>-<proto>` with ports named `serve-<port>-<proto>`. Built in code so the
 * policy tests do not depend on the loader; `samples/netpol-xyz.yaml` describes the same cluster.
 * Also the small policy builders the tests share, mirroring upstream's helpers.
 */

import type {
  ClusterConfig,
  Container,
  LabelSelector,
  LabelSelectorRequirement,
  Namespace,
  NetworkPolicy,
  NetworkPolicyPeer,
  NetworkPolicyPort,
  NetworkPolicyRule,
  NodeInfo,
  Pod,
  Protocol,
  Topology,
} from '../../src/engine/model/types';

const src = { file: 'xyz.yaml', line: 1, col: 1 };

export const NAMESPACES = ['x', 'y', 'z'] as const;
export const POD_NAMES = ['a', 'b', 'c'] as const;
export const PROTOCOLS: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

function containers(): Container[] {
  const out: Container[] = [];
  for (const port of [80, 81]) {
    for (const protocol of PROTOCOLS) {
      const p = protocol.toLowerCase();
      out.push({ name: `cont-${port}-${p}`, ports: [{ name: `serve-${port}-${p}`, containerPort: port, protocol }] });
    }
  }
  return out;
}

function node(name: string, i: number): NodeInfo {
  return {
    source: src,
    name,
    address: `192.168.205.${10 + i}`,
    prefixLength: 24,
    interface: 'eth0',
    mac: `52:54:00:00:00:${(10 + i).toString(16).padStart(2, '0')}`,
    podCIDR: `10.42.${i}.0/24`,
    extraInterfaces: [],
    extraRoutes: [],
    labels: {},
    enis: [],
  };
}

export function cluster(plugin: 'calico' | 'flannel' = 'calico'): ClusterConfig {
  const cni: ClusterConfig['cni'] =
    plugin === 'calico'
      ? { plugin, backend: 'bird', ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, blockSize: 26, mtu: 1440 }
      : { plugin, backend: 'vxlan', vni: 1, port: 8472, mtu: 1450, directRouting: false, ipMasq: true };
  return {
    source: src,
    name: 'netpol-xyz',
    clusterCIDR: '10.42.0.0/16',
    serviceCIDR: '10.43.0.0/16',
    cni,
    kubeProxy: { mode: 'iptables', masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, detectLocalMode: 'ClusterCIDR', ipvsScheduler: 'rr', nodePortAddresses: [] },
    networks: [],
  };
}

export function namespace(name: string, extra: Record<string, string> = {}): Namespace {
  return { source: src, name, labels: { 'kubernetes.io/metadata.name': name, ...extra } };
}

/** Pods spread over two nodes, addresses host-local style from each node's podCIDR. */
export function xyzTopology(plugin: 'calico' | 'flannel' = 'calico'): Topology {
  const nodes = [node('node-0', 0), node('node-1', 1)];
  const next = [2, 2];
  const pods: Pod[] = [];
  let k = 0;
  for (const ns of NAMESPACES) {
    for (const name of POD_NAMES) {
      const n = k++ % 2;
      const ip = `10.42.${n}.${next[n]!++}`;
      const bytes = ip.split('.').map((b) => Number(b).toString(16).padStart(2, '0'));
      pods.push({
        source: src,
        name,
        namespace: ns,
        labels: { pod: name },
        nodeName: nodes[n]!.name,
        ip,
        ipDerived: true,
        mac: `0a:58:${bytes.join(':')}`,
        hostNetwork: false,
        ready: true,
        containers: containers(),
        secondaryInterfaces: [],
      });
    }
  }
  return {
    cluster: cluster(plugin),
    nodes,
    externals: [],
    namespaces: NAMESPACES.map((n) => namespace(n)),
    pods,
    services: [],
    endpointSlices: [],
    policies: [],
  };
}

export function withPolicies(t: Topology, policies: readonly NetworkPolicy[]): Topology {
  return { ...t, policies };
}

export function podIp(t: Topology, ns: string, name: string): string {
  return t.pods.find((p) => p.namespace === ns && p.name === name)!.ip;
}

// ---------------------------------------------------------------------------------------------
// Builders shaped like upstream's GenNetworkPolicy / SetSpecIngressRules / SetSpecEgressRules.

export function sel(matchLabels: Record<string, string> = {}, matchExpressions: LabelSelectorRequirement[] = []): LabelSelector {
  return { matchLabels, matchExpressions };
}

export function expr(key: string, operator: LabelSelectorRequirement['operator'], values: string[] = []): LabelSelectorRequirement {
  return { key, operator, values };
}

export function rule(peers: NetworkPolicyPeer[] = [], ports: NetworkPolicyPort[] = []): NetworkPolicyRule {
  return { peers, ports, source: src };
}

export function port(p?: number | string, protocol: Protocol = 'TCP', endPort?: number): NetworkPolicyPort {
  return { protocol, ...(p === undefined ? {} : { port: p }), ...(endPort === undefined ? {} : { endPort }) };
}

export interface PolicySpec {
  readonly ingress?: NetworkPolicyRule[];
  readonly egress?: NetworkPolicyRule[];
  /** Overrides what the rules given imply. */
  readonly policyTypes?: ('Ingress' | 'Egress')[];
}

/** As upstream's helpers do, giving `ingress` (even empty) adds Ingress to policyTypes, and `egress` Egress. */
export function policy(name: string, namespace: string, podSelector: LabelSelector, spec: PolicySpec): NetworkPolicy {
  const types: ('Ingress' | 'Egress')[] = spec.policyTypes ?? [...(spec.ingress ? ['Ingress' as const] : []), ...(spec.egress ? ['Egress' as const] : [])];
  return { source: src, name, namespace, podSelector, policyTypes: types, ingress: spec.ingress ?? [], egress: spec.egress ?? [] };
}
