/**
 * The fields of the Cluster document, level by level: the validator rejects any other name and
 * the JSON Schema (schemas/cluster.schema.json) must list exactly these, which a test checks.
 */
export const clusterFields = {
  document: ['apiVersion', 'kind', 'metadata', 'spec'],
  metadata: ['name', 'labels', 'annotations'],
  spec: ['clusterCIDR', 'serviceCIDR', 'include', 'cni', 'kubeProxy', 'nodes', 'externals'],
  cni: ['plugin', 'backend', 'vni', 'port', 'mtu', 'directRouting', 'ipMasq', 'ipipMode', 'vxlanMode', 'natOutgoing', 'blockSize', 'mode', 'externalSnat'],
  kubeProxy: ['mode', 'masqueradeBit', 'masqueradeAll', 'localhostNodePorts', 'detectLocalMode', 'ipvsScheduler', 'nodePortAddresses'],
  node: ['name', 'address', 'prefixLength', 'podCIDR', 'interface', 'mac', 'gateway', 'labels', 'interfaces', 'routes', 'enis'],
  nodeInterface: ['name', 'address', 'mac', 'kind', 'up'],
  eni: ['name', 'mac', 'primary', 'secondary'],
  external: ['name', 'address', 'prefixLength', 'mac'],
} as const;

export const CLUSTER_API_VERSION = 'packetwalk.io/v1alpha1';
export const cniPlugins = ['flannel', 'calico', 'canal', 'weave', 'kubenet', 'aws-vpc'] as const;
export const flannelBackends = ['vxlan', 'host-gw', 'udp'] as const;
/** Backends real flannel has that the simulator does not model, so the message can say which is which. */
export const flannelUnsimulated = ['ipip', 'wireguard', 'ipsec', 'alloc', 'extension', 'tencent-vpc', 'ali-vpc', 'aws-vpc', 'gce'];
/** calico_backend values of Calico's install manifest. */
export const calicoBackends = ['bird', 'vxlan', 'none'] as const;
export const calicoEncapModes = ['Always', 'CrossSubnet', 'Never'] as const;
export const weaveModes = ['fastdp', 'sleeve'] as const;
export const proxyModes = ['iptables', 'ipvs', 'nftables'] as const;
export const detectLocalModes = ['ClusterCIDR', 'NodeCIDR', 'None'] as const;
export const ipvsSchedulers = ['rr', 'wrr', 'lc', 'wlc', 'lblc', 'lblcr', 'dh', 'sh', 'sed', 'nq', 'mh'] as const;
export const interfaceKinds = ['physical', 'bridge', 'dummy'] as const;

/** Which Cluster `cni` fields each plugin reads; the others are rejected for it. */
export const cniFieldsByPlugin: Readonly<Record<(typeof cniPlugins)[number], readonly string[]>> = {
  flannel: ['plugin', 'backend', 'vni', 'port', 'mtu', 'directRouting', 'ipMasq'],
  canal: ['plugin', 'backend', 'vni', 'port', 'mtu', 'directRouting', 'ipMasq'],
  calico: ['plugin', 'backend', 'ipipMode', 'vxlanMode', 'natOutgoing', 'blockSize', 'mtu'],
  weave: ['plugin', 'mode', 'mtu'],
  kubenet: ['plugin', 'mtu'],
  'aws-vpc': ['plugin', 'mtu', 'externalSnat'],
};
