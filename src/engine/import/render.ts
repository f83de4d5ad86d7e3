/**
 * The imported topology as text: a Cluster document whose every inferred value carries a comment
 * saying where it came from, then the objects the simulator reads, as the input held them.
 */

import * as yaml from 'js-yaml';
import { CLUSTER_API_VERSION } from '../model/clusterFields';
import type { Found } from './evidence';
import type { InferredCluster } from './infer';
import type { KubeObject } from './objects';

/** A scalar as YAML writes it: plain where that reads back as the same string, quoted otherwise. */
function scalar(v: unknown): string {
  return yaml.dump(v, { flowLevel: 0, lineWidth: -1 }).trimEnd();
}

/** Comments name an object as "from Kind ns/name"; a stated default speaks for itself. */
function comment(from: string): string {
  const text = /^(Node|Pod|Service|ConfigMap|DaemonSet|IPPool|Installation) /.test(from) ? `from ${from}` : from;
  return `  # ${text.replace(/\s*\n\s*/g, ' ')}`;
}

function line(indent: string, key: string, f: Found<unknown>): string {
  return `${indent}${key}: ${scalar(f.value)}${comment(f.from)}`;
}

export interface RenderInput {
  readonly name: string;
  /** What was read (files, a folder, a kube context), for the header. */
  readonly sources: readonly string[];
  readonly cluster: InferredCluster;
  readonly objects: readonly KubeObject[];
  /** "12 Events", … : what the input held that the topology leaves out, and why, for the header. */
  readonly leftOut: readonly string[];
}

/** The annotation `import --json` puts on the Cluster: JSON has no comments to say where each value came from. */
export const SOURCES_ANNOTATION = 'packetwalk.io/sources';

/**
 * Where each inferred value came from, keyed by its path in the Cluster document (`spec.cni.type`,
 * `spec.nodes.node-1.address`): the comments the YAML carries, as data a script can read.
 */
export function sourcesOf(c: InferredCluster): Record<string, string> {
  const out: Record<string, string> = { 'spec.clusterCIDR': c.clusterCIDR.from, 'spec.serviceCIDR': c.serviceCIDR.from };
  for (const [k, f] of c.cni) out[`spec.cni.${k}`] = f.from;
  for (const [k, f] of c.kubeProxy) out[`spec.kubeProxy.${k}`] = f.from;
  for (const n of c.nodes) {
    const at = `spec.nodes.${n.name}`;
    out[`${at}.address`] = n.address.from;
    if (n.podCIDR) out[`${at}.podCIDR`] = n.podCIDR.from;
    out[`${at}.prefixLength`] = n.prefixLength.from;
    out[`${at}.interface`] = n.interface.from;
    if (n.gateway) out[`${at}.gateway`] = n.gateway.from;
    if (n.eni) out[`${at}.enis`] = n.eni.from;
  }
  return out;
}

export function renderTopology(input: RenderInput): string {
  const c = input.cluster;
  const out: string[] = [
    `# Imported by \`packetwalk import\` from ${input.sources.join(', ')}.`,
    '# Each inferred value says where it came from; "not in the API" marks a default to check against the cluster.',
    ...input.leftOut.map((l) => `# Left out: ${l}.`),
    ...c.notes.map((n) => `# Note: ${n}.`),
    `apiVersion: ${CLUSTER_API_VERSION}`,
    'kind: Cluster',
    'metadata:',
    `  name: ${scalar(input.name)}`,
    'spec:',
    line('  ', 'clusterCIDR', c.clusterCIDR),
    line('  ', 'serviceCIDR', c.serviceCIDR),
    '  cni:',
    ...c.cni.map(([k, f]) => line('    ', k, f)),
    '  kubeProxy:',
    ...c.kubeProxy.map(([k, f]) => line('    ', k, f)),
    '  nodes:',
  ];
  for (const n of c.nodes) {
    out.push(`  - name: ${scalar(n.name)}`, line('    ', 'address', n.address));
    if (n.podCIDR) out.push(line('    ', 'podCIDR', n.podCIDR));
    out.push(line('    ', 'prefixLength', n.prefixLength), line('    ', 'interface', n.interface));
    if (n.gateway) out.push(line('    ', 'gateway', n.gateway));
    if (n.eni) out.push(`    enis:${comment(n.eni.from)}`, `    - name: ${n.eni.name}`, `      mac: ${scalar(n.eni.mac)}`, `      primary: ${n.eni.primary}`, `      secondary: [${n.eni.secondary.join(', ')}]`);
  }
  const parts = [`${out.join('\n')}\n`];
  for (const o of input.objects) parts.push(`---\n${yaml.dump(o, { lineWidth: -1, noRefs: true })}`);
  return parts.join('');
}
