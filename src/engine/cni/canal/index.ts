/** Canal: flanneld between nodes, pods wired as Calico wires them, and Felix's NetworkPolicy. */

import type { CniDescriptor } from '../descriptor';
import { felixPolicyRules } from '../calico/felix';
import { flannelDevices } from '../flannel/index';
import { flannelRules } from '../flannel/rules';
import { canalBuilder, canalSettings } from './builder';

export const canalCni: CniDescriptor = {
  builder: canalBuilder,
  rules: (topology, node) => {
    const policy = felixPolicyRules(topology, node);
    return { rules: [...flannelRules(topology.cluster.clusterCIDR, node.podCIDR, canalSettings(topology).ipMasq), ...policy.rules], ipsets: policy.ipsets };
  },
  policy: { networkPolicy: true, adminNetworkPolicy: false },
  devices: (cni) => (cni.plugin === 'canal' ? flannelDevices(cni.flannel.backend) : {}),
  podAddresses: 'node',
};
