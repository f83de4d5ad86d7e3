/**
 * Re-loading a topology as it is edited. Most edits touch one pod (a label, an IP, readiness); a
 * 150,000-pod file takes seconds to load whole, but such an edit changes only that pod, the
 * EndpointSlices of the Services selecting it, and the address book. So an update finds the one
 * document the edit falls in, re-reads just that document and patches the previous Topology. An
 * edit it cannot prove local (another kind, a name, a node, a line added or removed, anything
 * that reports a diagnostic or could change one elsewhere) takes a full load instead: the result
 * is always the one `loadTopology` gives for the same text.
 */

import type { Diagnostic, Result } from '../diagnostics';
import { cidrContains, lastAddress, parseCidr, parseIPv4 } from '../net/cidr';
import { podMacFor } from '../net/mac';
import { podsStayInPodCidr, selectionQuestionable } from './checks';
import { codes } from './codes';
import { deriveEndpointSlices } from './derive';
import { leadingLines, parseChunk, splitStream } from './documents';
import type { LoadHost, SourceFile } from './host';
import { rootFields } from './k8sFields';
import { loadTopology } from './load';
import { hasStopped, isUnscheduled, readPod, type PodDraft } from './pods';
import { isRecord, Reader } from './reader';
import { SelectorIndex } from './selectIndex';
import { checkText } from './textChecks';
import type { EndpointSlice, Pod, Service, Topology } from './types';

export interface IncrementalLoader {
  /** The same Result `loadTopology` gives for this text, re-using what the previous update derived. */
  update(file: SourceFile): Result<Topology | undefined>;
}

const MULTUS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
/** Diagnostics that tie two objects together: while one is present, an edit to either may change it. */
const crossObjectCodes: ReadonlySet<string> = new Set([codes.duplicateName.code, codes.duplicateIp.code]);

/** Indexes over a loaded Topology that a one-pod patch consults, built on the first patch. */
interface Indexes {
  readonly podByKey: Map<string, Pod>;
  /** Position of each pod in file order. */
  readonly order: Map<Pod, number>;
  selection: SelectorIndex<Pod>;
  /** How many nodes, externals, pods and Services hold each address. */
  readonly claims: Map<string, number>;
  /** Whether some pod's IP was derived: another pod's written IP changing could move it. */
  readonly anyDerived: boolean;
  readonly zoneOf: (node: string) => string | undefined;
}

interface State {
  readonly path: string;
  readonly text: string;
  readonly result: Result<Topology | undefined>;
  /** Whether the Cluster included other files: their contents are not tracked here. */
  readonly included: boolean;
  indexes?: Indexes;
}

export function createIncrementalLoader(host: LoadHost): IncrementalLoader {
  let state: State | undefined;
  return {
    update(file) {
      if (state && state.path === file.path && !state.included && state.result.value) {
        if (state.text === file.text) return state.result;
        const patched = patchOnePod(state, file.text);
        if (patched) {
          state = { ...state, text: file.text, result: patched.result, indexes: patched.indexes };
          return patched.result;
        }
      }
      let included = false;
      const watching: LoadHost = {
        expandInclude: (pattern, from) => ((included = true), host.expandInclude(pattern, from)),
        readFile: (path) => host.readFile(path),
      };
      const result = loadTopology(file, watching);
      state = { path: file.path, text: file.text, result, included };
      return result;
    },
  };
}

function buildIndexes(t: Topology): Indexes {
  const podByKey = new Map<string, Pod>();
  const order = new Map<Pod, number>();
  const claims = new Map<string, number>();
  const claim = (ip: string): void => {
    claims.set(ip, (claims.get(ip) ?? 0) + 1);
  };
  t.pods.forEach((p, i) => {
    podByKey.set(`${p.namespace}/${p.name}`, p);
    order.set(p, i);
    if (!p.hostNetwork) claim(p.ip);
  });
  for (const n of t.nodes) claim(n.address);
  for (const e of t.externals) claim(e.address);
  for (const s of t.services) if (s.clusterIP !== 'None') claim(s.clusterIP);
  const zones = new Map(t.nodes.map((n) => [n.name, n.labels['topology.kubernetes.io/zone']]));
  return { podByKey, order, selection: new SelectorIndex(t.pods), claims, anyDerived: t.pods.some((p) => p.ipDerived), zoneOf: (node) => zones.get(node) };
}

/** Length of the common prefix of two texts, compared a block at a time. */
function commonPrefix(a: string, b: string): number {
  const max = Math.min(a.length, b.length);
  let i = 0;
  for (let step = 65536; step >= 1; step >>= 4) {
    while (i + step <= max && a.slice(i, i + step) === b.slice(i, i + step)) i += step;
  }
  return i;
}

/** Length of the common suffix, not reaching into the first `floor` characters of either text. */
function commonSuffix(a: string, b: string, floor: number): number {
  const max = Math.min(a.length, b.length) - floor;
  let n = 0;
  for (let step = 65536; step >= 1; step >>= 4) {
    while (n + step <= max && a.slice(a.length - n - step, a.length - n) === b.slice(b.length - n - step, b.length - n)) n += step;
  }
  return n;
}

/** Whether a `---` document marker starts at `at` (itself a line start). */
function markerAt(text: string, at: number): boolean {
  if (!text.startsWith('---', at)) return false;
  const c = text[at + 3];
  return c === undefined || c === ' ' || c === '\t' || c === '\r' || c === '\n';
}

/** The start of the last `---` line strictly before `limit`, or -1. */
function markerBefore(text: string, limit: number): number {
  for (let i = text.lastIndexOf('\n---', limit - 2); i >= 0; i = text.lastIndexOf('\n---', i - 1)) {
    if (markerAt(text, i + 1)) return i + 1;
  }
  return -1;
}

/** The start of the first `---` line at or after `from`, or the text's end. */
function markerFrom(text: string, from: number): number {
  for (let i = text.indexOf('\n---', Math.max(0, from - 1)); i >= 0; i = text.indexOf('\n---', i + 1)) {
    if (markerAt(text, i + 1)) return i + 1;
  }
  return text.length;
}

function lineCount(text: string): number {
  let n = 0;
  for (let i = text.indexOf('\n'); i >= 0; i = text.indexOf('\n', i + 1)) n++;
  return n;
}

function matches(selector: Readonly<Record<string, string>>, labels: Readonly<Record<string, string>>): boolean {
  for (const k in selector) if (labels[k] !== selector[k]) return false;
  return true;
}

/** The key of a Pod document's object as the loader names pods, when its metadata reads plainly. */
function podKey(value: unknown): string | undefined {
  if (!isRecord(value) || value.kind !== 'Pod' || !isRecord(value.metadata)) return undefined;
  const { name, namespace = 'default' } = value.metadata;
  return typeof name === 'string' && typeof namespace === 'string' ? `${namespace}/${name}` : undefined;
}

/**
 * The Topology after an edit inside one Pod document, when every effect of the edit is local and
 * known; undefined sends the caller to a full load.
 */
function patchOnePod(prev: State, text: string): { result: Result<Topology>; indexes: Indexes } | undefined {
  const before = prev.text;
  const topology = prev.result.value!;
  if (prev.result.diagnostics.some((d) => crossObjectCodes.has(d.code))) return undefined;
  const prefix = commonPrefix(before, text);
  const suffix = commonSuffix(before, text, prefix);
  const start = markerBefore(before, prefix + 1);
  if (start < 0) return undefined;
  const endBefore = markerFrom(before, Math.max(start + 1, before.length - suffix - 3));
  if (endBefore < before.length - suffix) return undefined;
  const endAfter = endBefore + text.length - before.length;
  if (endAfter < text.length && text[endAfter - 1] !== '\n') return undefined;
  const oldText = before.slice(start, endBefore);
  const newText = text.slice(start, endAfter);
  if (lineCount(oldText) !== lineCount(newText)) return undefined;
  if (splitStream(oldText).length !== 1 || splitStream(newText).length !== 1) return undefined;

  // The pod as the previous load has it, and where its document sits in the file.
  const old = parseChunk(prev.path, { text: oldText, line: 0 });
  const key = old.documents.length === 1 ? podKey(old.documents[0]!.value) : undefined;
  const indexes = prev.indexes ?? buildIndexes(topology);
  const was = key === undefined ? undefined : indexes.podByKey.get(key);
  if (!was || was.ownerKind !== undefined || was.hostNetwork || was.secondaryInterfaces.length) return undefined;
  const line = was.source.line - 1 - leadingLines(oldText);
  const lastLine = line + lineCount(oldText) + 1;
  if (prev.result.diagnostics.some((d) => d.file === prev.path && d.line > line && d.line <= lastLine)) return undefined;

  // The edited document, read as the full load reads a Pod; any diagnostic at all means a full load.
  const verdict = checkText(prev.path, newText);
  if (!verdict.parse || verdict.diagnostics.length) return undefined;
  const parsed = parseChunk(prev.path, { text: newText, line });
  if (parsed.documents.length !== 1 || parsed.diagnostics.length || podKey(parsed.documents[0]!.value) !== key || hasStopped(parsed.documents[0]!.value) || isUnscheduled(parsed.documents[0]!.value)) return undefined;
  const local: Diagnostic[] = [];
  const r = new Reader(parsed.documents[0]!, local);
  const root = rootFields('Pod');
  r.fields([], root.reads, 'lenient', root.known);
  const draft = readPod(r);
  // The pod's position must stay put too: a namespace first used by this pod takes it as its source.
  if (!draft || local.length || draft.source.line !== was.source.line || draft.source.col !== was.source.col) return undefined;
  const address = podAddress(draft, was, topology, indexes);
  if (!address) return undefined;

  const pod: { -readonly [K in keyof Pod]: Pod[K] } = {
    source: draft.source, name: draft.name, namespace: draft.namespace, labels: draft.labels, nodeName: was.nodeName, ip: address.ip, ipDerived: was.ipDerived,
    mac: address.mac, hostNetwork: false, ready: draft.ready, containers: draft.containers, secondaryInterfaces: was.secondaryInterfaces,
  };
  const rank = indexes.order.get(was)!;
  const selection = indexes.selection.replaced(was, pod, (p) => (p === pod ? rank : indexes.order.get(p)!));
  const endpointSlices = reselect(topology, was, pod, indexes.selection, selection, indexes.zoneOf);
  if (!endpointSlices) return undefined;

  // Committed: the indexes follow the new pod.
  indexes.order.delete(was);
  indexes.order.set(pod, rank);
  indexes.podByKey.set(key!, pod);
  indexes.selection = selection;
  if (pod.ip !== was.ip) {
    indexes.claims.delete(was.ip);
    indexes.claims.set(pod.ip, 1);
  }
  const pods = topology.pods.slice();
  pods[rank] = pod;
  return { result: { value: { ...topology, pods, endpointSlices }, diagnostics: prev.result.diagnostics.slice() }, indexes };
}

/** The edited pod's address and MAC, when the change leaves every other pod's and every check as they were. */
function podAddress(draft: PodDraft, was: Pod, topology: Topology, indexes: Indexes): { ip: string; mac: string } | undefined {
  if (draft.nodeName !== was.nodeName || draft.hostNetwork || MULTUS_ANNOTATION in draft.annotations) return undefined;
  if (was.ipDerived) return draft.ip === undefined ? { ip: was.ip, mac: was.mac } : undefined;
  if (draft.ip === undefined) return undefined;
  if (draft.ip === was.ip) return { ip: was.ip, mac: was.mac };
  const { cni } = topology.cluster;
  if (cni.plugin === 'aws-vpc' || indexes.claims.get(was.ip) !== 1 || indexes.claims.has(draft.ip) || indexes.anyDerived) return undefined;
  const ip = parseIPv4(draft.ip)!;
  if (podsStayInPodCidr(cni)) {
    const node = topology.nodes.find((n) => n.name === was.nodeName);
    const range = node ? parseCidr(node.podCIDR) : undefined;
    if (typeof range !== 'object' || !cidrContains(range, ip) || ip === range.base || ip === range.base + 1 || ip === lastAddress(range)) return undefined;
    return { ip: draft.ip, mac: podMacFor(ip) };
  }
  const cluster = parseCidr(topology.cluster.clusterCIDR);
  if (typeof cluster !== 'object' || !cidrContains(cluster, ip)) return undefined;
  return { ip: draft.ip, mac: was.mac };
}

/**
 * The EndpointSlices with those of every Service selecting the pod (before or after the edit)
 * derived again; undefined when such a Service's selection check could report differently.
 */
function reselect(topology: Topology, was: Pod, pod: Pod, before: SelectorIndex<Pod>, after: SelectorIndex<Pod>, zoneOf: (node: string) => string | undefined): EndpointSlice[] | undefined {
  const affected: (Service & { selector: Readonly<Record<string, string>> })[] = [];
  for (const s of topology.services) {
    if (!s.selector || s.type === 'ExternalName' || s.namespace !== pod.namespace) continue;
    if (!matches(s.selector, was.labels) && !matches(s.selector, pod.labels)) continue;
    if (selectionQuestionable(s, before.select(s.namespace, s.selector)) || selectionQuestionable(s, after.select(s.namespace, s.selector))) return undefined;
    affected.push({ ...s, selector: s.selector });
  }
  if (affected.length === 0) return topology.endpointSlices as EndpointSlice[];
  // A Service's derived slices sit together, in Service order: its new ones take the place of the first old one.
  const fresh = new Map(affected.map((s) => [`${s.namespace}/${s.name}`, deriveEndpointSlices(s, after, zoneOf)]));
  const placed = new Set<string>();
  const out: EndpointSlice[] = [];
  for (const e of topology.endpointSlices) {
    const k = `${e.namespace}/${e.serviceName}`;
    const replacement = e.derived ? fresh.get(k) : undefined;
    if (!replacement) out.push(e);
    else if (!placed.has(k)) {
      placed.add(k);
      out.push(...replacement);
    }
  }
  return out;
}
