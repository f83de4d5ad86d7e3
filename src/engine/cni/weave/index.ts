/** Weave Net: the weave bridge, fastdp's kernel VXLAN or sleeve's UDP, and weave-npc's NetworkPolicy. */

import type { CniDescriptor } from '../descriptor';
import { weaveBuilder, WEAVE_BRIDGE, WEAVE_FASTDP_PORT } from './builder';

export const weaveCni: CniDescriptor = {
  builder: weaveBuilder,
  // weave-npc's rules are not rendered: the walk's policy step stands for them.
  rules: () => ({ rules: [], ipsets: [] }),
  policy: { networkPolicy: true, adminNetworkPolicy: false },
  devices: (cni) => (cni.plugin === 'weave' && cni.mode === 'fastdp' ? { bridge: WEAVE_BRIDGE, tunnel: `vxlan-${WEAVE_FASTDP_PORT}` } : { bridge: WEAVE_BRIDGE }),
  podAddresses: 'cluster',
};
