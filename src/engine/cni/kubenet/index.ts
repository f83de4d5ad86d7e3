/** kubenet: the bridge plugin's cbr0 and the cloud's route table, with no policy agent. */

import type { CniDescriptor } from '../descriptor';
import { noPolicyAgent } from '../descriptor';
import { kubenetBuilder, kubenetMasqueradeRule, KUBENET_BRIDGE } from './builder';

export const kubenetCni: CniDescriptor = {
  builder: kubenetBuilder,
  rules: () => ({ rules: [{ table: 'nat', rule: kubenetMasqueradeRule(), position: 'last' }], ipsets: [] }),
  policy: { networkPolicy: false, adminNetworkPolicy: false, warning: noPolicyAgent('kubenet') },
  devices: () => ({ bridge: KUBENET_BRIDGE }),
  podAddresses: 'node',
};
