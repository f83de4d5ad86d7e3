/** The kinds a topology file may hold: those the simulator reads, and real ones it passes over. */

export const readKinds = ['Cluster', 'Namespace', 'Node', 'Pod', 'Service', 'Endpoints', 'EndpointSlice', 'NetworkPolicy', 'Deployment', 'ReplicaSet', 'StatefulSet', 'DaemonSet', 'ConfigMap', 'IPPool', 'Installation', 'NetworkAttachmentDefinition'] as const;
export type ReadKind = (typeof readKinds)[number];

/** Real kinds (core, common add-ons, CNI manifests) that say nothing about where packets go. */
export const ignoredKinds = [
  'ServiceAccount', 'Secret', 'ClusterRole', 'ClusterRoleBinding', 'Role', 'RoleBinding', 'CustomResourceDefinition', 'PodSecurityPolicy',
  'Job', 'CronJob', 'Ingress', 'IngressClass', 'PersistentVolume', 'PersistentVolumeClaim', 'StorageClass', 'HorizontalPodAutoscaler',
  'PodDisruptionBudget', 'PriorityClass', 'LimitRange', 'ResourceQuota', 'MutatingWebhookConfiguration', 'ValidatingWebhookConfiguration',
  'APIService', 'Lease', 'Event', 'ControllerRevision', 'CSIDriver', 'CSINode', 'RuntimeClass', 'ReplicationController', 'PodTemplate',
  'VolumeAttachment', 'CertificateSigningRequest', 'FlowSchema', 'PriorityLevelConfiguration', 'ComponentStatus', 'Binding',
  'FelixConfiguration', 'BGPConfiguration', 'BGPPeer', 'ClusterInformation', 'GlobalNetworkPolicy', 'GlobalNetworkSet', 'HostEndpoint',
  'IPAMBlock', 'IPAMConfig', 'IPAMHandle', 'BlockAffinity', 'KubeControllersConfiguration', 'NetworkSet', 'IPReservation',
  'APIServer', 'Tigera', 'ENIConfig', 'PolicyEndpoint', 'AdminNetworkPolicy', 'BaselineAdminNetworkPolicy',
];

export function isReadKind(kind: string): kind is ReadKind {
  return (readKinds as readonly string[]).includes(kind);
}
