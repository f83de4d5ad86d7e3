/** Reads NetworkPolicies (networking.k8s.io/v1) with Kubernetes' defaulting of policyTypes. */

import type { LabelSelector, LabelSelectorRequirement, NetworkPolicy, NetworkPolicyPeer, NetworkPolicyPort, NetworkPolicyRule } from './types';
import { policyPeerFields, policyPortFields, policySpecFields } from './k8sFields';
import { readMeta } from './meta';
import type { Path } from './path';
import type { Reader } from './reader';
import { readCidr, readPort, readProtocol } from './values';

const operators = ['In', 'NotIn', 'Exists', 'DoesNotExist'] as const;

export function readSelector(r: Reader, path: Path): LabelSelector {
  r.obj(path);
  r.fields(path, ['matchLabels', 'matchExpressions'], 'lenient');
  const matchExpressions: LabelSelectorRequirement[] = [];
  r.arr([...path, 'matchExpressions']).forEach((_, i) => {
    const e = [...path, 'matchExpressions', i];
    const key = r.str([...e, 'key'], true);
    const operator = r.oneOf([...e, 'operator'], operators, 'In');
    const values = r.arr([...e, 'values']).map((__, j) => r.scalarText([...e, 'values', j]) ?? '');
    if (key !== undefined) matchExpressions.push({ key, operator, values });
  });
  return { matchLabels: r.strMap([...path, 'matchLabels']), matchExpressions };
}

function readPeer(r: Reader, path: Path): NetworkPolicyPeer {
  r.fields(path, policyPeerFields.reads, 'lenient');
  const peer: { -readonly [K in keyof NetworkPolicyPeer]: NetworkPolicyPeer[K] } = {};
  if (r.get([...path, 'podSelector']) !== undefined) peer.podSelector = readSelector(r, [...path, 'podSelector']);
  if (r.get([...path, 'namespaceSelector']) !== undefined) peer.namespaceSelector = readSelector(r, [...path, 'namespaceSelector']);
  if (r.get([...path, 'ipBlock']) !== undefined) {
    const c = readCidr(r, [...path, 'ipBlock', 'cidr'], { hostBits: 'network' });
    const except = r.arr([...path, 'ipBlock', 'except']).map((_, i) => readCidr(r, [...path, 'ipBlock', 'except', i], { hostBits: 'network' })?.text).filter((x): x is string => x !== undefined);
    if (c) peer.ipBlock = { cidr: c.text, except };
  }
  return peer;
}

function readPolicyPort(r: Reader, path: Path): NetworkPolicyPort {
  r.fields(path, policyPortFields.reads, 'lenient');
  const protocol = readProtocol(r, [...path, 'protocol']);
  const raw = r.get([...path, 'port']);
  const port = typeof raw === 'string' && !/^[0-9]+$/.test(raw) ? raw : raw === undefined || raw === null ? undefined : readPort(r, [...path, 'port']);
  const endPort = r.get([...path, 'endPort']) === undefined ? undefined : readPort(r, [...path, 'endPort']);
  return { protocol, ...(port !== undefined ? { port } : {}), ...(endPort !== undefined ? { endPort } : {}) };
}

function readRules(r: Reader, key: 'ingress' | 'egress'): NetworkPolicyRule[] {
  const peersKey = key === 'ingress' ? 'from' : 'to';
  return r.arr(['spec', key]).map((_, i) => {
    const p = ['spec', key, i];
    r.fields(p, [peersKey, 'ports'], 'lenient');
    const source = r.lazyPos(p);
    return {
      peers: r.arr([...p, peersKey]).map((__, j) => readPeer(r, [...p, peersKey, j])),
      ports: r.arr([...p, 'ports']).map((__, j) => readPolicyPort(r, [...p, 'ports', j])),
      get source() { return source(); },
    };
  });
}

export function readPolicy(r: Reader): NetworkPolicy | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  r.obj(['spec'], true);
  r.fields(['spec'], policySpecFields.reads, 'lenient', policySpecFields.known);
  const ingress = readRules(r, 'ingress');
  const egress = readRules(r, 'egress');
  const written = r.arr(['spec', 'policyTypes']).map((_, i) => r.oneOf(['spec', 'policyTypes', i], ['Ingress', 'Egress'] as const, 'Ingress'));
  const policyTypes = written.length ? [...new Set(written)] : r.get(['spec', 'egress']) !== undefined ? (['Ingress', 'Egress'] as const) : (['Ingress'] as const);
  return { source: r.doc.pos, name: meta.name, namespace: meta.namespace, podSelector: readSelector(r, ['spec', 'podSelector']), policyTypes, ingress, egress };
}
