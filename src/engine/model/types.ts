/**
 * The validated model: what the loader hands to every later stage (DESIGN.md §3).
 * Everything here is already checked and normalised: addresses are canonical strings, defaults
 * are filled in, derived facts (pod IPs, MACs, EndpointSlices) are present and marked as derived.
 * Later stages never re-read YAML.
 */

import type { SourcePos } from '../diagnostics';

/** Where an object came from; the document's first line, where CodeLenses sit. */
export interface Sourced {
  readonly source: SourcePos;
}

export type Protocol = 'TCP' | 'UDP' | 'SCTP';

export interface LabelSelectorRequirement {
  readonly key: string;
  readonly operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';
  readonly values: readonly string[];
}

/** metav1.LabelSelector: an empty selector selects everything. */
export interface LabelSelector {
  readonly matchLabels: Readonly<Record<string, string>>;
  readonly matchExpressions: readonly LabelSelectorRequirement[];
}

// ---------------------------------------------------------------------------------------------
// Cluster document (packetwalk.io/v1alpha1): what Kubernetes objects do not say.

export interface FlannelConfig {
  readonly plugin: 'flannel';
  readonly backend: 'vxlan' | 'host-gw' | 'udp';
  /** VXLAN network identifier; flannel's default is 1. */
  readonly vni: number;
  /** UDP port: 8472 for vxlan (the Linux default flannel picks), 8285 for udp. */
  readonly port: number;
  readonly mtu: number;
  /** vxlan only: use host-gw style routes between nodes on one L2 segment. */
  readonly directRouting: boolean;
  /** flanneld --ip-masq: MASQUERADE pod traffic leaving the cluster network. */
  readonly ipMasq: boolean;
}

export type CalicoEncapMode = 'Never' | 'Always' | 'CrossSubnet';

export interface CalicoConfig {
  readonly plugin: 'calico';
  /** calico_backend: BIRD runs only with "bird"; "vxlan" and "none" leave routing to Felix. */
  readonly backend: 'bird' | 'vxlan' | 'none';
  readonly ipipMode: CalicoEncapMode;
  readonly vxlanMode: CalicoEncapMode;
  readonly natOutgoing: boolean;
  /** IPAM block size; nodes own blocks of this prefix length. */
  readonly blockSize: number;
  readonly mtu: number;
}

/** Canal: flannel moves the packets, Calico's Felix enforces policy. */
export interface CanalConfig {
  readonly plugin: 'canal';
  readonly flannel: Omit<FlannelConfig, 'plugin'>;
}

export interface WeaveConfig {
  readonly plugin: 'weave';
  /** fastdp: kernel VXLAN (ODP) on UDP 6784; sleeve: weaver's userspace UDP encapsulation on 6783. */
  readonly mode: 'fastdp' | 'sleeve';
  readonly mtu: number;
}

export interface KubenetConfig {
  readonly plugin: 'kubenet';
  readonly mtu: number;
}

export interface AwsVpcConfig {
  readonly plugin: 'aws-vpc';
  readonly mtu: number;
  /** AWS_VPC_K8S_CNI_EXTERNALSNAT=false: the node SNATs pod traffic leaving the VPC. */
  readonly externalSnat: boolean;
  /** AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS: destinations pod traffic reaches unSNATed, like the VPC's own. */
  readonly excludeSnatCidrs: readonly string[];
}

export type CniConfig = FlannelConfig | CalicoConfig | CanalConfig | WeaveConfig | KubenetConfig | AwsVpcConfig;
export type CniPlugin = CniConfig['plugin'];

export interface KubeProxyConfig {
  readonly mode: 'iptables' | 'ipvs' | 'nftables';
  /** Bit of the fwmark used for KUBE-MARK-MASQ; kube-proxy's default is 14 (0x4000). */
  readonly masqueradeBit: number;
  readonly masqueradeAll: boolean;
  readonly localhostNodePorts: boolean;
  readonly detectLocalMode: 'ClusterCIDR' | 'NodeCIDR' | 'None';
  /** IPVS scheduler; kube-proxy's default is rr. */
  readonly ipvsScheduler: string;
  /** --nodeport-addresses as CIDRs; empty means every local address. */
  readonly nodePortAddresses: readonly string[];
}

export interface ExtraInterface {
  readonly name: string;
  /** CIDR form, as `ip addr` shows it: 172.17.0.1/16. */
  readonly address?: string;
  readonly mac?: string;
  readonly kind: 'physical' | 'bridge' | 'dummy';
  readonly up: boolean;
}

export interface NodeInfo extends Sourced {
  readonly name: string;
  /** Underlay address (InternalIP). */
  readonly address: string;
  /** Underlay prefix length: nodes in one prefix share an L2 segment. */
  readonly prefixLength: number;
  readonly interface: string;
  readonly mac: string;
  readonly podCIDR: string;
  /** Default gateway on the underlay, when the node has one. */
  readonly gateway?: string;
  readonly extraInterfaces: readonly ExtraInterface[];
  /** Routes the node has besides those the CNI writes, as `ip route` prints them. */
  readonly extraRoutes: readonly string[];
  readonly labels: Readonly<Record<string, string>>;
  /** AWS VPC CNI: the node's ENIs with their secondary addresses. */
  readonly enis: readonly { readonly name: string; readonly mac: string; readonly primary: string; readonly secondary: readonly string[] }[];
}

export interface ExternalHost extends Sourced {
  readonly name: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
}

export interface ClusterConfig extends Sourced {
  readonly name: string;
  readonly clusterCIDR: string;
  readonly serviceCIDR: string;
  readonly cni: CniConfig;
  readonly kubeProxy: KubeProxyConfig;
  /** Multus secondary networks, from NetworkAttachmentDefinitions. */
  readonly networks: readonly SecondaryNetwork[];
}

export type MacvlanMode = 'bridge' | 'private' | 'vepa' | 'passthru';

export interface SecondaryNetwork extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly type: 'macvlan' | 'bridge' | 'ipvlan';
  /** macvlan/ipvlan master device on the node; bridge name for `bridge`. */
  readonly master: string;
  /** macvlan's mode; the plugin's default is bridge (plugins/main/macvlan/macvlan.go, modeFromString). */
  readonly mode?: MacvlanMode;
  /** host-local's range; a static IPAM has none, its addresses carry their own prefix. */
  readonly subnet?: string;
  /** static IPAM's `addresses`, each `a.b.c.d/len`, used when the pod's request gives none. */
  readonly staticAddresses?: readonly string[];
  /** `"capabilities": {"ips": true}`: libcni hands the plugin the `ips` of the pod's request only then. */
  readonly ipsCapability?: boolean;
  readonly gateway?: string;
  readonly rangeStart?: string;
}

// ---------------------------------------------------------------------------------------------
// Kubernetes objects, reduced to what the simulator reads.

export interface Namespace extends Sourced {
  readonly name: string;
  /** Includes the automatic `kubernetes.io/metadata.name` label. */
  readonly labels: Readonly<Record<string, string>>;
}

export interface ContainerPort {
  readonly name?: string;
  readonly containerPort: number;
  readonly protocol: Protocol;
}

export interface Container {
  readonly name: string;
  readonly ports: readonly ContainerPort[];
}

export interface PodSecondaryInterface {
  /** net1, net2… as Multus names them. */
  readonly name: string;
  readonly network: string;
  readonly address: string;
  /** The address's prefix when the network has no subnet (static IPAM). */
  readonly prefixLength?: number;
  /** The request's `gateway`: Multus moves the pod's default route to this interface. */
  readonly defaultGateway?: string;
  readonly mac: string;
}

export interface Pod extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
  readonly nodeName: string;
  /** For hostNetwork pods this is the node's address. */
  readonly ip: string;
  readonly ipDerived: boolean;
  readonly mac: string;
  readonly hostNetwork: boolean;
  readonly ready: boolean;
  readonly containers: readonly Container[];
  readonly secondaryInterfaces: readonly PodSecondaryInterface[];
  /** Set when the pod was expanded from a workload (Deployment, DaemonSet…). */
  readonly ownerKind?: string;
  /** The workload's name, set with ownerKind. */
  readonly ownerName?: string;
}

export interface ServicePort {
  readonly name: string;
  readonly protocol: Protocol;
  readonly port: number;
  readonly targetPort: number | string;
  readonly nodePort?: number;
}

export type ServiceType = 'ClusterIP' | 'NodePort' | 'LoadBalancer' | 'ExternalName';

export interface Service extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly type: ServiceType;
  /** `None` for headless services. */
  readonly clusterIP: string;
  readonly ports: readonly ServicePort[];
  /** Absent: endpoints are managed by hand (EndpointSlices given in the file). */
  readonly selector?: Readonly<Record<string, string>>;
  readonly externalIPs: readonly string[];
  readonly loadBalancerIPs: readonly string[];
  readonly loadBalancerSourceRanges: readonly string[];
  readonly externalTrafficPolicy: 'Cluster' | 'Local';
  readonly internalTrafficPolicy: 'Cluster' | 'Local';
  readonly sessionAffinity: 'None' | 'ClientIP';
  readonly sessionAffinityTimeoutSeconds: number;
  readonly healthCheckNodePort?: number;
}

export interface EndpointConditions {
  readonly ready: boolean;
  readonly serving: boolean;
  readonly terminating: boolean;
}

export interface Endpoint {
  readonly addresses: readonly string[];
  readonly conditions: EndpointConditions;
  readonly nodeName?: string;
  readonly zone?: string;
  /** The pod behind the endpoint, when known. */
  readonly targetPod?: { readonly namespace: string; readonly name: string };
}

export interface EndpointSlice extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly serviceName: string;
  readonly addressType: 'IPv4' | 'IPv6' | 'FQDN';
  readonly ports: readonly { readonly name: string; readonly port: number; readonly protocol: Protocol }[];
  readonly endpoints: readonly Endpoint[];
  /** True when derived from the Service's selector rather than given in the file. */
  readonly derived: boolean;
}

export interface NetworkPolicyPort {
  readonly protocol: Protocol;
  /** Absent: all ports. A string is a named port, resolved against the destination pod. */
  readonly port?: number | string;
  readonly endPort?: number;
}

export interface NetworkPolicyPeer {
  readonly podSelector?: LabelSelector;
  readonly namespaceSelector?: LabelSelector;
  readonly ipBlock?: { readonly cidr: string; readonly except: readonly string[] };
}

export interface NetworkPolicyRule {
  /** `from` for ingress, `to` for egress. Empty: every peer. */
  readonly peers: readonly NetworkPolicyPeer[];
  /** Empty: every port. */
  readonly ports: readonly NetworkPolicyPort[];
  readonly source: SourcePos;
}

export interface NetworkPolicy extends Sourced {
  readonly name: string;
  readonly namespace: string;
  readonly podSelector: LabelSelector;
  /** After Kubernetes' defaulting: Ingress always, Egress when egress rules exist. */
  readonly policyTypes: readonly ('Ingress' | 'Egress')[];
  readonly ingress: readonly NetworkPolicyRule[];
  readonly egress: readonly NetworkPolicyRule[];
}

/** The whole validated topology. Arrays keep file order, which fixes every derived ordering. */
export interface Topology {
  readonly cluster: ClusterConfig;
  readonly nodes: readonly NodeInfo[];
  readonly externals: readonly ExternalHost[];
  readonly namespaces: readonly Namespace[];
  readonly pods: readonly Pod[];
  readonly services: readonly Service[];
  readonly endpointSlices: readonly EndpointSlice[];
  readonly policies: readonly NetworkPolicy[];
}
