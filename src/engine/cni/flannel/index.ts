/** flannel: flanneld's overlay (vxlan, host-gw or udp) and the bridge CNI plugin's cni0, with no policy agent. */

import type { CniDescriptor } from '../descriptor';
import { noPolicyAgent } from '../descriptor';
import type { FlannelConfig, Topology } from '../../model/types';
import { flannelBuilder, FLANNEL_BRIDGE, type FlannelSettings } from './builder';
import { flannelRules } from './rules';

function settings(t: Topology): FlannelConfig {
  if (t.cluster.cni.plugin !== 'flannel') throw new Error('flannel builder used for another plugin');
  return t.cluster.cni;
}

/** The devices flanneld and the bridge plugin create for a backend (Canal has flanneld's, without the bridge's use). */
export function flannelDevices(backend: FlannelSettings['backend']): { bridge: string; tunnel?: string } {
  switch (backend) {
    case 'vxlan':
      return { bridge: FLANNEL_BRIDGE, tunnel: 'flannel.1' };
    case 'udp':
      return { bridge: FLANNEL_BRIDGE, tunnel: 'flannel0' };
    case 'host-gw':
      return { bridge: FLANNEL_BRIDGE };
  }
}

export const flannelCni: CniDescriptor = {
  builder: flannelBuilder(settings),
  rules: (topology, node) => ({ rules: flannelRules(topology.cluster.clusterCIDR, node.podCIDR, settings(topology).ipMasq), ipsets: [] }),
  policy: { networkPolicy: false, adminNetworkPolicy: false, warning: noPolicyAgent('flannel') },
  devices: (cni) => (cni.plugin === 'flannel' ? flannelDevices(cni.backend) : {}),
  podAddresses: 'node',
};
