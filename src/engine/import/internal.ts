/**
 * kubectl 1.11 to 1.13 listed `cluster-info dump`'s objects through its internal clientset and
 * printed the internal types (kubernetes/kubernetes#65221: "no kind is registered for the type
 * core.NodeList"): Go field names (`Items`, `Spec`, `PodIP`), ObjectMeta inline, no kind or
 * apiVersion, and every zero value written out. Such a list is read back as the API's own
 * objects: the kind from its selfLink, field names as the API spells them, zero values left out
 * (the API omits them), hostNetwork where the versioned PodSpec holds it.
 */

import { isRecord } from '../model/reader';
import type { KubeObject } from './objects';

/** Resources of a dump's selfLinks, with their kind and the apiVersion the API serves them at today. */
const resources: Readonly<Record<string, readonly [string, string]>> = {
  nodes: ['Node', 'v1'], namespaces: ['Namespace', 'v1'], pods: ['Pod', 'v1'], services: ['Service', 'v1'], endpoints: ['Endpoints', 'v1'],
  events: ['Event', 'v1'], replicationcontrollers: ['ReplicationController', 'v1'], configmaps: ['ConfigMap', 'v1'],
  daemonsets: ['DaemonSet', 'apps/v1'], deployments: ['Deployment', 'apps/v1'], replicasets: ['ReplicaSet', 'apps/v1'],
};

/** ObjectMeta's fields, inline in an internal object (they carry JSON names already). */
const metaFields = ['name', 'generateName', 'namespace', 'selfLink', 'uid', 'resourceVersion', 'generation', 'creationTimestamp', 'deletionTimestamp', 'deletionGracePeriodSeconds', 'labels', 'annotations', 'ownerReferences', 'initializers', 'finalizers', 'clusterName'];

/** Fields whose value is a map of user keys (label keys, data keys), kept as written. */
const maps = new Set(['Labels', 'Annotations', 'Selector', 'NodeSelector', 'MatchLabels', 'Data', 'BinaryData', 'Capacity', 'Allocatable', 'Limits', 'Requests']);

/** A Go field name as the API's JSON spells it: PodIP → podIP, DNSPolicy → dnsPolicy, UID → uid. */
function jsonName(go: string): string {
  const run = /^[A-Z]+/.exec(go)![0];
  if (run.length === go.length) return go.toLowerCase();
  const head = run.length > 1 && /[a-z]/.test(go[run.length]!) ? run.slice(0, -1) : run.slice(0, 1);
  return head.toLowerCase() + go.slice(head.length);
}

function isZero(v: unknown): boolean {
  return v === null || v === '' || v === 0 || v === false;
}

function versioned(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(versioned);
  if (!isRecord(v)) return v;
  const out: Record<string, unknown> = {};
  for (const [k, value] of Object.entries(v)) {
    if (isZero(value)) continue;
    if (!/^[A-Z]/.test(k)) out[k] = value;
    else out[jsonName(k)] = maps.has(k) ? value : versioned(value);
  }
  return out;
}

/** Whether a parsed value is a list kubectl printed in internal form. */
export function isInternalList(v: unknown): v is { selfLink: string; Items: unknown[] } {
  return isRecord(v) && Array.isArray(v.Items) && typeof v.selfLink === 'string';
}

export function fromInternalList(list: { selfLink: string; Items: unknown[] }): KubeObject[] {
  const known = resources[list.selfLink.split('/').pop() ?? ''];
  if (!known) return [];
  const [kind, apiVersion] = known;
  return list.Items.filter(isRecord).map((item) => {
    const metadata: Record<string, unknown> = {};
    const rest: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(item)) (metaFields.includes(k) ? metadata : rest)[k] = v;
    const obj = { apiVersion, kind, metadata, ...(versioned(rest) as Record<string, unknown>) } as KubeObject;
    // The internal PodSpec keeps hostNetwork in its security context; the API's keeps it in the spec.
    const spec = obj.spec;
    if (kind === 'Pod' && isRecord(spec) && isRecord(spec.securityContext) && spec.securityContext.hostNetwork === true) spec.hostNetwork = true;
    return obj;
  });
}
