/** The AWS VPC CNI: pods on ENI secondary addresses, routed veths, and aws-node's SNAT. */

import type { CniDescriptor } from '../descriptor';
import { awsSnatRules, awsVpcBuilder } from './builder';

export const awsVpcCni: CniDescriptor = {
  builder: awsVpcBuilder,
  rules: (topology, node) => ({ rules: awsSnatRules(topology, node).map((rule) => ({ table: 'nat', rule, position: 'last' })), ipsets: [] }),
  policy: { networkPolicy: false, adminNetworkPolicy: false },
  // Pods get routed veths to the ENIs; no bridge and no tunnel.
  devices: () => ({}),
  podAddresses: 'underlay',
};
