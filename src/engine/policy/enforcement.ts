/**
 * Which CNIs enforce NetworkPolicy. Calico's Felix (also inside Canal) and weave-npc program it;
 * flannel and kubenet have no policy agent at all, and the AWS VPC CNI only does with its separate
 * network-policy agent, which the topology format does not describe.
 */

import type { CniPlugin } from '../model/types';
import { assertNever } from '../trace/types';

export function cniEnforcesPolicy(plugin: CniPlugin): boolean {
  switch (plugin) {
    case 'calico':
    case 'canal':
    case 'weave':
      return true;
    case 'flannel':
    case 'kubenet':
    case 'aws-vpc':
      return false;
    default:
      return assertNever(plugin);
  }
}
