import { describeAt } from './describe';
import { buildGraph, buildTraceView, createIncrementalLoader, type IncrementalLoader, noIncludes, type Topology, type Trace, withDataplaneDiagnostics } from '../engine/index';
import { dataplaneOf, hostVethOf, isUnavailable, renderNodeView, trace } from './engine';
import { fsHost } from './fsHost';
import { destinationChoices, sourceChoices, type EndpointChoice } from './pick';
import { podIpFix } from './podIpFix';
import type { CallRequest, CallResult, CallType, ChoicesResult, LensAnchors, LoadSummary, Params } from './workerProtocol';

/** One document as the worker holds it: its incremental loader and the last topology that loaded. */
interface Held {
  readonly loader: IncrementalLoader;
  topology: Topology | undefined;
  generation: number;
  choices?: { source: EndpointChoice[]; destination: EndpointChoice[] };
  /** The document's recent traces by id, newest last: views name one by id instead of sending it back. */
  traces: Map<number, Trace>;
}

/** Traces kept per document: the host shows the last one; a few more cover a view racing a new trace. */
const TRACES_KEPT = 4;

type Handlers = { [K in CallType]: (params: Params<K>) => CallResult<K> };

/**
 * The engine as the worker serves it: every topology stays here, so only answers cross to the
 * extension host. Runs in the worker thread (`engineWorker.ts`); plain functions, so it can also
 * be driven in-process.
 */
export function createEngineService(): (request: CallRequest) => unknown {
  const docs = new Map<string, Held>();
  let generations = 0;
  let traceIds = 0;

  /** The document as held, with the topology it loaded last; throws if none has loaded. */
  const holding = (doc: string): { held: Held; topology: Topology } => {
    const held = docs.get(doc);
    if (!held?.topology) throw new Error(`no topology loaded for ${doc}`);
    return { held, topology: held.topology };
  };
  const loaded = (doc: string): Topology => holding(doc).topology;

  const handlers: Handlers = {
    load({ doc, path, text, onDisk }): LoadSummary {
      const started = performance.now();
      let held = docs.get(doc);
      if (!held) docs.set(doc, (held = { loader: createIncrementalLoader(onDisk ? fsHost : noIncludes), topology: undefined, generation: 0, traces: new Map() }));
      const source = text ?? fsHost.readFile(path)?.replace(/^\uFEFF/, '');
      if (source === undefined) throw new Error(`could not read ${path}`);
      const result = withDataplaneDiagnostics(held.loader.update({ path, text: source }));
      const changed = result.value !== undefined && result.value !== held.topology;
      if (changed) {
        held.topology = result.value;
        held.generation = ++generations;
        delete held.choices;
      }
      const t = held.topology;
      return {
        diagnostics: result.diagnostics,
        errors: result.diagnostics.filter((d) => d.severity === 'error').length,
        generation: held.generation,
        counts: { nodes: t?.nodes.length ?? 0, pods: t?.pods.length ?? 0, services: t?.services.length ?? 0 },
        anchors: changed && t ? lensAnchors(t, path) : undefined,
        workMs: performance.now() - started,
      };
    },
    forget({ doc }) {
      docs.delete(doc);
      return null;
    },
    choices({ doc, side, filter, recent, limit, exclude }): ChoicesResult {
      const { held, topology } = holding(doc);
      // Both lists are made once per topology: 150,000 pods are worth keeping, not rebuilding per keystroke.
      const lists = (held.choices ??= { source: sourceChoices(topology, []), destination: destinationChoices(topology, []) });
      return filterChoices(lists[side], filter, recent, limit, exclude);
    },
    nodes({ doc }) {
      return loaded(doc).nodes.map((n) => ({ name: n.name, address: n.address }));
    },
    trace({ doc, request }) {
      const { held, topology } = holding(doc);
      const result = trace(topology, request);
      if (isUnavailable(result)) return result;
      const id = ++traceIds;
      held.traces.set(id, result);
      for (const old of held.traces.keys()) if (held.traces.size > TRACES_KEPT) held.traces.delete(old);
      return { id, trace: result, generation: held.generation };
    },
    view({ doc, expanded, collapseThreshold, trace: shownTrace }) {
      const held = docs.get(doc);
      const topology = held?.topology;
      if (!topology) return { unavailable: 'no topology loaded' };
      const kept = shownTrace && held.traces.get(shownTrace.id);
      const last = kept ? { trace: kept, title: shownTrace.title } : undefined;
      const shown = new Set(expanded);
      // A trace's nodes are always shown in full: the neighbourhood of the path comes first.
      if (last) for (const hop of last.trace.hops) shown.add(hop.node);
      const dataplane = dataplaneOf(topology);
      const graph = buildGraph(dataplane, { collapseThreshold, expanded: shown });
      const view = last ? buildTraceView(dataplane, last.trace, last.title) : undefined;
      return { graph, trace: view };
    },
    rules({ doc, node, view }) {
      const topology = docs.get(doc)?.topology;
      if (!topology) return { unavailable: 'the topology has not loaded (see the Problems panel)' };
      if (!topology.nodes.some((n) => n.name === node)) return { unavailable: `no node named ${node} in this topology` };
      return renderNodeView(topology, node, view);
    },
    hover({ doc, path, line, word }) {
      const topology = docs.get(doc)?.topology;
      if (!topology) return undefined;
      const veth = (namespace: string, name: string) => {
        const pod = topology.pods.find((p) => p.namespace === namespace && p.name === name);
        return pod ? hostVethOf(topology, pod.nodeName, namespace, name) : undefined;
      };
      return describeAt(topology, path, line, word, veth);
    },
    quickFix({ doc, code, text, line }) {
      const topology = docs.get(doc)?.topology;
      return topology ? podIpFix(code, text, line, topology) : undefined;
    },
  };

  return (request) => (handlers[request.type] as (p: Params<CallType>) => unknown)(request.params);
}

/** Pods (not made by a controller) and Services defined in `file`, sorted by line, packed. */
export function lensAnchors(topology: Topology, file: string): LensAnchors {
  const rows: { kind: number; line: number; port: number; name: string }[] = [];
  for (const pod of topology.pods) if (pod.source.file === file && !pod.ownerKind) rows.push({ kind: 0, line: pod.source.line, port: 0, name: `${pod.namespace}\t${pod.name}\t` });
  for (const svc of topology.services) if (svc.source.file === file) rows.push({ kind: 1, line: svc.source.line, port: svc.ports[0]?.port ?? 0, name: `${svc.namespace}\t${svc.name}\t${svc.clusterIP}` });
  rows.sort((a, b) => a.line - b.line);
  return {
    kinds: Uint8Array.from(rows, (r) => r.kind),
    lines: Uint32Array.from(rows, (r) => r.line),
    ports: Uint32Array.from(rows, (r) => r.port),
    names: rows.map((r) => r.name).join('\n'),
    firstNode: topology.nodes[0]?.name,
  };
}

/**
 * The head of a choice list for a quick pick: recent specs first (in recency order), then every
 * choice whose spec, label or description holds each word of the filter, case-insensitively.
 */
export function filterChoices(all: readonly EndpointChoice[], filter: string, recent: readonly string[], limit: number, exclude?: string): ChoicesResult {
  const words = filter.toLowerCase().split(/\s+/).filter((w) => w !== '');
  const fits = (c: EndpointChoice) => c.spec !== exclude && words.every((w) => c.spec.toLowerCase().includes(w) || c.description.toLowerCase().includes(w));
  const rank = new Map(recent.map((spec, i) => [spec, i] as const));
  const head: EndpointChoice[] = [];
  const rest: EndpointChoice[] = [];
  let matched = 0;
  for (const c of all) {
    if (!fits(c)) continue;
    matched++;
    if (rank.has(c.spec)) head.push(c);
    else if (rest.length < limit) rest.push(c);
  }
  head.sort((a, b) => (rank.get(a.spec) ?? 0) - (rank.get(b.spec) ?? 0));
  return { items: [...head, ...rest].slice(0, limit), matched, total: all.length };
}
