/**
 * Where the importer looks inside Kubernetes objects: a container's flags and environment, a
 * ConfigMap's embedded YAML, a pod's address. Each reader answers the value with the words that
 * say where it was found, for the comment beside it in the written Cluster document.
 */

import * as yaml from 'js-yaml';
import { isRecord } from '../model/reader';
import type { KubeObject } from './objects';

/** A value and where it came from, as the comment beside it will say. */
export interface Found<T> {
  readonly value: T;
  readonly from: string;
}

export type Json = Record<string, unknown>;

function rec(v: unknown): Json {
  return isRecord(v) ? v : {};
}

function arr(v: unknown): unknown[] {
  return Array.isArray(v) ? v : [];
}

export function str(v: unknown): string | undefined {
  return typeof v === 'string' ? v : undefined;
}

export function nameOf(o: KubeObject): string {
  return str(o.metadata.name) ?? '';
}

export function namespaceOf(o: KubeObject): string {
  return str(o.metadata.namespace) ?? 'default';
}

/** `Kind ns/name` (or `Kind name` for cluster-scoped kinds), as comments and messages name an object. */
export function refOf(o: KubeObject): string {
  return o.metadata.namespace === undefined ? `${o.kind} ${nameOf(o)}` : `${o.kind} ${namespaceOf(o)}/${nameOf(o)}`;
}

/** The pod spec of a Pod, or of a workload's pod template. */
export function podSpecOf(o: KubeObject): Json {
  return o.kind === 'Pod' ? rec(o.spec) : rec(rec(rec(o.spec).template).spec);
}

export interface Container {
  readonly name: string;
  readonly image: string;
  readonly argv: readonly string[];
  readonly env: readonly Json[];
}

export function containersOf(o: KubeObject): Container[] {
  const spec = podSpecOf(o);
  return [...arr(spec.containers), ...arr(spec.initContainers)].filter(isRecord).map((c) => ({
    name: str(c.name) ?? '',
    image: str(c.image) ?? '',
    argv: [...arr(c.command), ...arr(c.args)].filter((a): a is string => typeof a === 'string'),
    env: arr(c.env).filter(isRecord),
  }));
}

/** `--flag=value` or `--flag value` in a container's command and args. */
export function flagOf(c: Container, flag: string): string | undefined {
  for (let i = 0; i < c.argv.length; i++) {
    const a = c.argv[i]!;
    if (a.startsWith(`--${flag}=`)) return a.slice(flag.length + 3);
    if (a === `--${flag}`) {
      const next = c.argv[i + 1];
      return next === undefined || next.startsWith('--') ? 'true' : next;
    }
  }
  return undefined;
}

/** The first of `objects` whose containers hold the flag, with the flag's value. */
export function findFlag(objects: readonly KubeObject[], flag: string): Found<string> | undefined {
  for (const o of objects) {
    for (const c of containersOf(o)) {
      const v = flagOf(c, flag);
      if (v !== undefined) return { value: v, from: `${refOf(o)}, container ${c.name} flag --${flag}` };
    }
  }
  return undefined;
}

/** An environment variable of a container: its value, or the ConfigMap key it names. */
export function envOf(o: KubeObject, c: Container, name: string, configMaps: readonly KubeObject[]): Found<string> | undefined {
  const e = c.env.find((x) => x.name === name);
  if (!e) return undefined;
  if (typeof e.value === 'string') return { value: e.value, from: `${refOf(o)}, container ${c.name} env ${name}` };
  const ref = rec(rec(e.valueFrom).configMapKeyRef);
  const cm = configMaps.find((m) => nameOf(m) === ref.name && namespaceOf(m) === namespaceOf(o));
  const v = cm ? str(rec(cm.data)[str(ref.key) ?? '']) : undefined;
  return v === undefined ? undefined : { value: v, from: `${refOf(cm!)}, data.${String(ref.key)} (env ${name} of ${refOf(o)})` };
}

/** A ConfigMap's data key, parsed as the YAML (or JSON) its component reads; undefined when absent or unreadable. */
export function embedded(cm: KubeObject, key: string): Json | undefined {
  const text = str(rec(cm.data)[key]);
  if (text === undefined) return undefined;
  try {
    const v = yaml.load(text, { json: true });
    return isRecord(v) ? v : undefined;
  } catch {
    return undefined;
  }
}

export function get(v: unknown, ...path: string[]): unknown {
  let cur = v;
  for (const p of path) cur = rec(cur)[p];
  return cur;
}

/** The pod's IPv4 address as the API holds it, unless the pod is finished and holds none. */
export function podIpOf(o: KubeObject): string | undefined {
  const status = rec(o.status);
  if (status.phase === 'Succeeded' || status.phase === 'Failed') return undefined;
  const ip = str(status.podIP) ?? str(rec(arr(status.podIPs)[0]).ip);
  return ip !== undefined && /^\d+\.\d+\.\d+\.\d+$/.test(ip) ? ip : undefined;
}

export function isHostNetwork(o: KubeObject): boolean {
  return podSpecOf(o).hostNetwork === true;
}

export { arr, rec };
