/** A small flannel-vxlan topology as the loader hands it over, with source lines, for the extension's pure logic. */
import type { Pod, Topology } from '../../src/engine/model/types';

const file = 'cluster.yaml';
const at = (line: number) => ({ file, line, col: 1 });

function pod(name: string, nodeName: string, ip: string, line: number, labels: Record<string, string>): Pod {
  const mac = ['0a', '58', ...ip.split('.').map((o) => Number(o).toString(16).padStart(2, '0'))].join(':');
  return { source: at(line), name, namespace: 'default', labels, nodeName, ip, ipDerived: false, mac, hostNetwork: false, ready: true, containers: [{ name: 'c', ports: [{ containerPort: 80, protocol: 'TCP' }] }], secondaryInterfaces: [] };
}

export function flannelTopology(podsPerNode = 1): Topology {
  const nodes = [
    { source: at(10), name: 'master', address: '192.168.205.4', prefixLength: 24, interface: 'enp0s1', mac: '52:54:00:00:00:04', podCIDR: '10.42.0.0/24', extraInterfaces: [], extraRoutes: [], labels: {}, enis: [] },
    { source: at(11), name: 'node1', address: '192.168.205.3', prefixLength: 24, interface: 'enp0s1', mac: '52:54:00:00:00:03', podCIDR: '10.42.1.0/24', extraInterfaces: [], extraRoutes: [], labels: {}, enis: [] },
  ];
  const pods: Pod[] = [];
  for (let i = 0; i < podsPerNode; i++) {
    pods.push(pod(`client-${i}`, 'master', `10.42.0.${65 + i}`, 20 + i * 10, { app: 'client' }));
    pods.push(pod(`nginx-${i}`, 'node1', `10.42.1.${9 + i}`, 25 + i * 10, { app: 'nginx' }));
  }
  return {
    cluster: {
      source: at(1),
      name: 'flannel-vxlan',
      clusterCIDR: '10.42.0.0/16',
      serviceCIDR: '10.43.0.0/16',
      cni: { plugin: 'flannel', backend: 'vxlan', vni: 1, port: 8472, mtu: 1450, directRouting: false, ipMasq: true },
      kubeProxy: { mode: 'iptables', masqueradeBit: 14, masqueradeAll: false, localhostNodePorts: true, detectLocalMode: 'ClusterCIDR', ipvsScheduler: 'rr', nodePortAddresses: [] },
      networks: [],
    },
    nodes,
    externals: [{ source: at(14), name: 'client', address: '192.168.205.100', prefixLength: 24, mac: '52:54:00:00:00:64' }],
    namespaces: [],
    pods,
    services: [
      {
        source: at(100), name: 'nginx', namespace: 'default', type: 'NodePort', clusterIP: '10.43.6.58', selector: { app: 'nginx' },
        ports: [{ name: 'http', protocol: 'TCP', port: 80, targetPort: 80, nodePort: 32506 }],
        externalIPs: [], loadBalancerIPs: [], loadBalancerSourceRanges: [], externalTrafficPolicy: 'Cluster', internalTrafficPolicy: 'Cluster', sessionAffinity: 'None', sessionAffinityTimeoutSeconds: 10800,
      },
    ],
    endpointSlices: [
      {
        source: at(100), name: 'nginx-abc', namespace: 'default', serviceName: 'nginx', addressType: 'IPv4', derived: true,
        ports: [{ name: 'http', port: 80, protocol: 'TCP' }],
        endpoints: pods.filter((p) => p.labels.app === 'nginx').map((p) => ({ addresses: [p.ip], conditions: { ready: true, serving: true, terminating: false }, nodeName: p.nodeName, targetPod: { namespace: p.namespace, name: p.name } })),
      },
    ],
    policies: [],
  };
}
