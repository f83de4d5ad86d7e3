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

/**
 * The API groups each read kind is read from. A document of the same kind name from another
 * group is another API's object (Calico's projectcalico.org/v3 NetworkPolicy is not Kubernetes'
 * networking.k8s.io one) and is passed over; `extensions` and the `apps` betas are the groups old
 * clusters served the same objects from.
 */
const workloadGroups = ['apps', 'extensions'];
const groupsOf: Readonly<Record<ReadKind, readonly string[]>> = {
  Cluster: ['packetwalk.io'], Namespace: [''], Node: [''], Pod: [''], Service: [''], Endpoints: [''], ConfigMap: [''],
  EndpointSlice: ['discovery.k8s.io'], NetworkPolicy: ['networking.k8s.io', 'extensions'],
  Deployment: workloadGroups, ReplicaSet: workloadGroups, StatefulSet: workloadGroups, DaemonSet: workloadGroups,
  IPPool: ['crd.projectcalico.org', 'projectcalico.org'], Installation: ['operator.tigera.io'], NetworkAttachmentDefinition: ['k8s.cni.cncf.io'],
};
/**
 * Kubernetes' built-in groups the simulator reads from (and its own): each serves a fixed set of
 * kinds, so an unknown kind there is a mistake. A custom resource group (Calico's, Multus') holds
 * more kinds than the simulator knows (a Calico Tier), so its other kinds load silently.
 */
const builtinGroups = new Set(['', 'apps', 'extensions', 'networking.k8s.io', 'discovery.k8s.io', 'packetwalk.io']);

/** The apiVersion to write for a read kind: its first group's v1. */
export function apiVersionOf(kind: ReadKind): string {
  const group = groupsOf[kind][0]!;
  return group === '' ? 'v1' : `${group}/v1`;
}

/** The API group of an apiVersion (`apps/v1` → `apps`; the core group's `v1` → ''). */
export function groupOf(apiVersion: string): string {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? '' : apiVersion.slice(0, slash);
}

export function isReadKind(kind: string): kind is ReadKind {
  return (readKinds as readonly string[]).includes(kind);
}

/**
 * Whether the document is one the simulator reads: a read kind from its own group. With no
 * apiVersion written, the kind alone decides (the loader reports the missing field where it matters).
 */
export function isRead(kind: string, apiVersion: string | undefined): kind is ReadKind {
  // The Cluster is read whatever its apiVersion: readCluster says when it is not packetwalk.io's.
  return isReadKind(kind) && (apiVersion === undefined || kind === 'Cluster' || groupsOf[kind].includes(groupOf(apiVersion)));
}

/**
 * Whether an unread kind of this apiVersion may be a mistake (a misspelt kind, or a read kind
 * under the wrong group): only in a built-in group. Any other group's kinds (an operator's
 * custom resources) are simply not the simulator's business.
 */
export function mayBeMisspelled(apiVersion: string | undefined): boolean {
  return apiVersion === undefined || builtinGroups.has(groupOf(apiVersion));
}
