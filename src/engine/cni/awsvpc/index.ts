/** The AWS VPC CNI: pods on ENI secondary addresses, routed veths, and aws-node's SNAT. */

import type { CniDescriptor } from '../descriptor';
import { awsSnatRules, awsVpcBuilder } from './builder';

export const awsVpcCni: CniDescriptor = {
  builder: awsVpcBuilder,
  rules: (topology, node) => ({ rules: awsSnatRules(topology, node).map((rule) => ({ table: 'nat', rule, position: 'last' })), ipsets: [] }),
  // The plugin enforces NetworkPolicy (v1.14 and later) only with its separate network policy agent,
  // enabled by `enable-network-policy-controller` (aws/amazon-vpc-cni-k8s README.md, "Network
  // Policies", at b52188387f2e2f10bf289ace929d6a63b176a4fa),
  // which the topology format does not describe.
  policy: {
    networkPolicy: false,
    adminNetworkPolicy: false,
    warning:
      'aws-vpc does not enforce NetworkPolicy here, so the simulator lets this traffic through: the AWS VPC CNI enforces it (v1.14 and later) only with its network policy agent, turned on by enable-network-policy-controller, which the topology cannot describe. Use canal or calico to see it enforced',
  },
  // Pods get routed veths to the ENIs; no bridge and no tunnel.
  devices: () => ({}),
  podAddresses: 'underlay',
};
