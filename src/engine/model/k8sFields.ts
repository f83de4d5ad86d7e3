/**
 * Field names of the Kubernetes objects the simulator reads: `reads` are those it uses (a near
 * miss of one is a warning), `known` other real API fields that must not be mistaken for
 * misspellings of them. Names not close to any read field are ignored silently, as the API
 * has many more than are listed here.
 */

export interface FieldSet {
  readonly reads: readonly string[];
  readonly known: readonly string[];
}

/** The top-level fields of each kind the simulator reads (only those kinds are checked at all). */
const objectFields: FieldSet = { reads: ['apiVersion', 'kind', 'metadata', 'spec', 'status'], known: [] };
const rootFieldsByKind: Readonly<Record<string, FieldSet>> = {
  Endpoints: { reads: ['apiVersion', 'kind', 'metadata', 'subsets'], known: [] },
  EndpointSlice: { reads: ['apiVersion', 'kind', 'metadata', 'addressType', 'endpoints', 'ports'], known: [] },
  ConfigMap: { reads: ['apiVersion', 'kind', 'metadata', 'data'], known: ['binaryData', 'immutable'] },
};

export function rootFields(kind: string): FieldSet {
  return rootFieldsByKind[kind] ?? objectFields;
}
export const metadataFields: FieldSet = {
  reads: ['name', 'namespace', 'labels', 'annotations'],
  known: ['generateName', 'uid', 'resourceVersion', 'creationTimestamp', 'managedFields', 'ownerReferences', 'finalizers', 'generation', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'selfLink'],
};
export const podSpecFields: FieldSet = {
  reads: ['nodeName', 'hostNetwork', 'containers', 'nodeSelector'],
  known: ['initContainers', 'ephemeralContainers', 'volumes', 'restartPolicy', 'terminationGracePeriodSeconds', 'activeDeadlineSeconds', 'dnsPolicy', 'serviceAccountName', 'serviceAccount', 'automountServiceAccountToken', 'hostPID', 'hostIPC', 'shareProcessNamespace', 'securityContext', 'imagePullSecrets', 'hostname', 'subdomain', 'affinity', 'schedulerName', 'tolerations', 'hostAliases', 'priorityClassName', 'priority', 'dnsConfig', 'readinessGates', 'runtimeClassName', 'enableServiceLinks', 'preemptionPolicy', 'overhead', 'topologySpreadConstraints', 'setHostnameAsFQDN', 'os', 'hostUsers', 'schedulingGates', 'resourceClaims', 'resources'],
};
export const containerFields: FieldSet = {
  reads: ['name', 'ports'],
  known: ['image', 'command', 'args', 'workingDir', 'envFrom', 'env', 'resources', 'resizePolicy', 'restartPolicy', 'volumeMounts', 'volumeDevices', 'livenessProbe', 'readinessProbe', 'startupProbe', 'lifecycle', 'terminationMessagePath', 'terminationMessagePolicy', 'imagePullPolicy', 'securityContext', 'stdin', 'stdinOnce', 'tty'],
};
export const containerPortFields: FieldSet = { reads: ['name', 'containerPort', 'protocol'], known: ['hostPort', 'hostIP'] };
export const podStatusFields: FieldSet = {
  reads: ['podIP', 'conditions', 'phase'],
  known: ['podIPs', 'hostIP', 'hostIPs', 'startTime', 'containerStatuses', 'initContainerStatuses', 'qosClass', 'message', 'reason', 'nominatedNodeName', 'ephemeralContainerStatuses', 'resize', 'resourceClaimStatuses', 'observedGeneration'],
};
export const serviceSpecFields: FieldSet = {
  reads: ['type', 'clusterIP', 'ports', 'selector', 'externalIPs', 'loadBalancerIP', 'loadBalancerSourceRanges', 'externalTrafficPolicy', 'internalTrafficPolicy', 'sessionAffinity', 'sessionAffinityConfig', 'healthCheckNodePort'],
  known: ['clusterIPs', 'ipFamilies', 'ipFamilyPolicy', 'externalName', 'publishNotReadyAddresses', 'allocateLoadBalancerNodePorts', 'loadBalancerClass', 'trafficDistribution'],
};
export const servicePortFields: FieldSet = { reads: ['name', 'protocol', 'port', 'targetPort', 'nodePort'], known: ['appProtocol'] };
export const endpointFields: FieldSet = { reads: ['addresses', 'conditions', 'nodeName', 'zone', 'targetRef'], known: ['hostname', 'hints', 'deprecatedTopology'] };
export const endpointConditionFields: FieldSet = { reads: ['ready', 'serving', 'terminating'], known: [] };
export const policySpecFields: FieldSet = { reads: ['podSelector', 'policyTypes', 'ingress', 'egress'], known: [] };
export const policyPeerFields: FieldSet = { reads: ['podSelector', 'namespaceSelector', 'ipBlock'], known: [] };
export const policyPortFields: FieldSet = { reads: ['protocol', 'port', 'endPort'], known: [] };
export const workloadSpecFields: FieldSet = {
  reads: ['replicas', 'selector', 'template'],
  known: ['strategy', 'minReadySeconds', 'revisionHistoryLimit', 'paused', 'progressDeadlineSeconds', 'serviceName', 'podManagementPolicy', 'updateStrategy', 'volumeClaimTemplates', 'persistentVolumeClaimRetentionPolicy', 'ordinals'],
};
