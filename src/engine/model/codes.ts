/**
 * The loader's diagnostic codes: stable identifiers that tests, users and editors key on. A code
 * never changes meaning; retire one rather than reuse it.
 */

import type { Severity } from '../diagnostics';

export const codes = {
  // Reading files (PW0xxx): reported by the face that reads them.
  unreadableFile: { code: 'PW0001', name: 'unreadable-file', severity: 'error' },
  // Text and YAML (PW1xxx).
  yamlSyntax: { code: 'PW1001', name: 'yaml-syntax', severity: 'error' },
  binaryFile: { code: 'PW1002', name: 'binary-file', severity: 'error' },
  utf16: { code: 'PW1003', name: 'utf16-file', severity: 'error' },
  invalidUtf8: { code: 'PW1004', name: 'invalid-utf8', severity: 'warning' },
  tooLarge: { code: 'PW1005', name: 'file-too-large', severity: 'error' },
  aliasBomb: { code: 'PW1006', name: 'alias-expansion', severity: 'error' },
  tooDeep: { code: 'PW1007', name: 'nesting-too-deep', severity: 'error' },
  notAMapping: { code: 'PW1008', name: 'document-not-mapping', severity: 'error' },
  includeNoMatch: { code: 'PW1009', name: 'include-no-match', severity: 'warning' },
  includeUnreadable: { code: 'PW1010', name: 'include-unreadable', severity: 'error' },
  // Kinds and fields (PW2xxx).
  ignoredKind: { code: 'PW2001', name: 'ignored-kind', severity: 'info' },
  unknownKind: { code: 'PW2002', name: 'unknown-kind', severity: 'warning' },
  unknownClusterField: { code: 'PW2003', name: 'unknown-cluster-field', severity: 'error' },
  misspelledField: { code: 'PW2004', name: 'misspelled-field', severity: 'warning' },
  missingField: { code: 'PW2005', name: 'missing-field', severity: 'error' },
  wrongType: { code: 'PW2006', name: 'wrong-type', severity: 'error' },
  noCluster: { code: 'PW2007', name: 'no-cluster', severity: 'error' },
  secondCluster: { code: 'PW2008', name: 'second-cluster', severity: 'error' },
  badEnum: { code: 'PW2009', name: 'bad-value', severity: 'error' },
  badApiVersion: { code: 'PW2010', name: 'bad-api-version', severity: 'error' },
  // Values (PW3xxx).
  badCidr: { code: 'PW3001', name: 'bad-cidr', severity: 'error' },
  badAddress: { code: 'PW3002', name: 'bad-address', severity: 'error' },
  badPort: { code: 'PW3003', name: 'bad-port', severity: 'error' },
  badProtocol: { code: 'PW3004', name: 'bad-protocol', severity: 'error' },
  badMac: { code: 'PW3005', name: 'bad-mac', severity: 'error' },
  outOfRange: { code: 'PW3006', name: 'out-of-range', severity: 'error' },
  nodePortRange: { code: 'PW3007', name: 'nodeport-range', severity: 'warning' },
  badName: { code: 'PW3008', name: 'invalid-name', severity: 'error' },
  badLabel: { code: 'PW3009', name: 'invalid-label', severity: 'error' },
  // Relations between objects (PW4xxx).
  podOutsidePodCidr: { code: 'PW4001', name: 'pod-ip-outside-podcidr', severity: 'error' },
  podCidrOverlap: { code: 'PW4002', name: 'podcidr-overlap', severity: 'error' },
  serviceCidrOverlap: { code: 'PW4003', name: 'pod-service-cidr-overlap', severity: 'error' },
  duplicateName: { code: 'PW4004', name: 'duplicate-name', severity: 'error' },
  duplicateIp: { code: 'PW4005', name: 'duplicate-ip', severity: 'error' },
  unknownNode: { code: 'PW4006', name: 'unknown-node', severity: 'error' },
  selectsNothing: { code: 'PW4007', name: 'service-selects-nothing', severity: 'warning' },
  unknownTargetPort: { code: 'PW4008', name: 'unknown-target-port', severity: 'warning' },
  clusterIpOutside: { code: 'PW4009', name: 'clusterip-outside-servicecidr', severity: 'error' },
  podCidrOutsideCluster: { code: 'PW4010', name: 'podcidr-outside-clustercidr', severity: 'error' },
  podCidrExhausted: { code: 'PW4011', name: 'podcidr-exhausted', severity: 'error' },
  duplicateNodePort: { code: 'PW4012', name: 'duplicate-nodeport', severity: 'error' },
  unknownService: { code: 'PW4013', name: 'endpoints-unknown-service', severity: 'warning' },
  unknownNetwork: { code: 'PW4014', name: 'unknown-network', severity: 'error' },
  noNodes: { code: 'PW4015', name: 'no-nodes', severity: 'error' },
  reservedPodIp: { code: 'PW4016', name: 'reserved-pod-ip', severity: 'error' },
  unschedulablePod: { code: 'PW4017', name: 'unschedulable-pod', severity: 'warning' },
  // CNI (PW5xxx).
  badBackend: { code: 'PW5001', name: 'bad-backend', severity: 'error' },
  policyNotEnforced: { code: 'PW5002', name: 'policy-not-enforced', severity: 'warning' },
  cniConflict: { code: 'PW5003', name: 'cni-config-conflict', severity: 'warning' },
  badNetConf: { code: 'PW5004', name: 'bad-net-conf', severity: 'error' },
  badNadConfig: { code: 'PW5005', name: 'bad-nad-config', severity: 'error' },
  cniFromManifest: { code: 'PW5006', name: 'cni-from-manifest', severity: 'info' },
  flannelNetworkMissesPodCidr: { code: 'PW5007', name: 'flannel-network-misses-podcidr', severity: 'error' },
  badCniSetting: { code: 'PW5008', name: 'bad-cni-setting', severity: 'error' },
  // The dataplane the CNI would build (PW6xxx): reported after a clean load, by `diagnoseDataplane`.
  // Warnings where real traffic fails; infos where the simulator shows something differently.
  calicoNoDefaultRoute: { code: 'PW6001', name: 'calico-no-default-route', severity: 'warning' },
  calicoPodOutsideBlock: { code: 'PW6002', name: 'calico-pod-outside-block', severity: 'warning' },
  hostGwOffSegment: { code: 'PW6003', name: 'host-gw-off-segment', severity: 'warning' },
  weaveDatapathAsBridge: { code: 'PW6004', name: 'weave-datapath-as-bridge', severity: 'info' },
  ipvlanNotSimulated: { code: 'PW6005', name: 'ipvlan-not-simulated', severity: 'warning' },
  macvlanMasterMissing: { code: 'PW6006', name: 'macvlan-master-missing', severity: 'warning' },
  kubenetCloudRoutes: { code: 'PW6007', name: 'kubenet-cloud-routes', severity: 'info' },
  kubenetNoGateway: { code: 'PW6008', name: 'kubenet-no-gateway', severity: 'warning' },
  awsPodWithoutEni: { code: 'PW6009', name: 'aws-pod-without-eni-ip', severity: 'warning' },
  awsEniSubnetRoute: { code: 'PW6010', name: 'aws-eni-subnet-route', severity: 'info' },
  nftablesNotWalked: { code: 'PW6011', name: 'nftables-not-walked', severity: 'warning' },
} as const satisfies Record<string, { code: string; name: string; severity: Severity }>;

export type CodeKey = keyof typeof codes;

/** The codes of the dataplane range (PW6xxx), the only ones a CNI builder's notes may carry. */
export type DataplaneCodeKey = { [K in CodeKey]: (typeof codes)[K]['code'] extends `PW6${string}` ? K : never }[CodeKey];
