/** Calico: routed cali* veths, BIRD or Felix routes over IPIP, VXLAN or none, and Felix's NetworkPolicy. */

import type { CniDescriptor } from '../descriptor';
import { calicoBuilder, CALICO_IPIP_DEVICE, CALICO_VXLAN_DEVICE } from './builder';
import { felixPolicyRules } from './felix';
import { calicoRules } from './rules';

export const calicoCni: CniDescriptor = {
  builder: calicoBuilder,
  rules: (topology, node) => {
    const nat = calicoRules(topology);
    const policy = felixPolicyRules(topology, node);
    return { rules: [...nat.rules, ...policy.rules], ipsets: [...nat.ipsets, ...policy.ipsets] };
  },
  policy: { networkPolicy: true, adminNetworkPolicy: false },
  // Calico routes each pod's cali* veth (no bridge); tunl0 carries IPIP, vxlan.calico VXLAN.
  devices: (cni) => {
    if (cni.plugin !== 'calico') return {};
    if (cni.vxlanMode !== 'Never') return { tunnel: CALICO_VXLAN_DEVICE };
    if (cni.ipipMode !== 'Never') return { tunnel: CALICO_IPIP_DEVICE };
    return {};
  },
  podAddresses: 'cluster',
};
