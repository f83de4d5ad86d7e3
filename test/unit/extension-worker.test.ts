import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { generateTopology } from '../../src/engine/generate/topology';
import { buildGraph, deriveDataplane } from '../../src/engine/index';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import { EngineClient } from '../../src/extension/engineClient';
import { isUnavailable } from '../../src/extension/engine';
import { filterChoices } from '../../src/extension/engineService';
import { anchorsInView } from '../../src/extension/lensWindow';
import { partSize, type LensAnchors } from '../../src/extension/workerProtocol';

// The bundled worker, as the packaged extension starts it (`node esbuild.mjs` builds it).
const root = path.resolve(__dirname, '../../..');
const script = path.join(root, 'dist', 'engineWorker.js');
const file = path.join(root, 'samples', 'seed000-flannel-vxlan.yaml');
const text = readFileSync(file, 'utf8');
const doc = 'file:///seed000-flannel-vxlan.yaml';
const lineOf = (pattern: RegExp) => text.split('\n').findIndex((l) => pattern.test(l)) + 1;

let resets = 0;
const client = new EngineClient(script, () => resets++);
after(() => client.dispose());

test('the worker loads a document and answers with diagnostics, counts and packed lens anchors, not the topology', async () => {
  const summary = await client.call('load', { doc, path: file, text, onDisk: false });
  assert.equal(summary.errors, 0);
  assert.ok(summary.generation > 0);
  assert.deepEqual(summary.counts, { nodes: 3, pods: 10, services: 2 });
  assert.ok(!('value' in summary), 'no topology crosses back');
  const anchors = summary.anchors!;
  assert.ok(anchors.lines instanceof Uint32Array);
  const all = anchorsInView(anchors, [], 100, 0).anchors;
  const nginx = all.find((a) => a.name === 'nginx-worker1');
  assert.deepEqual(nginx && { kind: nginx.kind, namespace: nginx.namespace, line: nginx.line }, { kind: 'pod', namespace: 'default', line: lineOf(/^ {2}name: nginx-worker1$/) - 3 }, 'a lens sits on the first line of the document');
  const dns = all.find((a) => a.name === 'kube-dns');
  assert.equal(dns?.kind, 'service');
  assert.equal(dns?.port, 53);
  assert.match(dns?.clusterIP ?? '', /^\d+\.\d+\.\d+\.\d+$/);
  assert.equal(anchors.firstNode, 'k8s-master');
  assert.deepEqual([...anchors.lines], [...anchors.lines].sort((a, b) => a - b), 'anchors come sorted by line');
});

test('a second load of the same document patches it: a new generation, and an edit with errors keeps the last good one', async () => {
  const first = await client.call('load', { doc, path: file, text, onDisk: false });
  const renamed = await client.call('load', { doc, path: file, text: text.replace('name: seed000-flannel-vxlan', 'name: seed000-renamed'), onDisk: false });
  assert.ok(renamed.generation > first.generation);
  assert.ok(renamed.anchors, 'a new topology brings its anchors');
  // A YAML error in the Cluster document leaves no topology to show.
  const broken = await client.call('load', { doc, path: file, text: text.replace('kind: Cluster', 'kind: Cluster\n  bad: ['), onDisk: false });
  assert.ok(broken.errors > 0);
  assert.equal(broken.generation, renamed.generation, 'the last good topology stays');
  assert.equal(broken.anchors, undefined, 'the host keeps the anchors it has');
  const view = await client.call('view', { doc, expanded: [], collapseThreshold: 400 });
  assert.ok(!isUnavailable(view) && view.graph.title === 'seed000-renamed');
  await client.call('load', { doc, path: file, text, onDisk: false });
});

test('a load without text reads the file from disk, as VS Code shows a saved file; a file that is not there rejects', async () => {
  const diskDoc = 'file:///from-disk.yaml';
  const summary = await client.call('load', { doc: diskDoc, path: file, onDisk: true });
  assert.deepEqual([summary.errors, summary.counts.pods], [0, 10]);
  await assert.rejects(client.call('load', { doc: diskDoc, path: `${file}.missing`, onDisk: true }), /could not read .*\.missing/);
  await client.call('forget', { doc: diskDoc });
});

test('trace, graph with the trace view, rule texts and hovers are answered by the worker', async () => {
  const request = { from: 'pod/kube-system/coredns-7bdc4cb885-6kzwr', to: 'pod/default/nginx-worker1', proto: 'tcp' as const, port: 80 };
  const traced = await client.call('trace', { doc, request });
  assert.ok(!isUnavailable(traced));
  assert.equal(traced.trace.disposition, 'DELIVERED');
  const view = await client.call('view', { doc, expanded: [], collapseThreshold: 400, trace: { id: traced.id, title: 'coredns → nginx' } });
  assert.ok(!isUnavailable(view));
  assert.ok(view.graph.nodes.some((n) => n.id === 'pod:default/nginx-worker1'));
  assert.equal(view.trace?.title, 'coredns → nginx');
  assert.equal(view.trace?.hops.length, traced.trace.hops.length);
  // The worker keeps the trace: the host names it by id, and an id it does not hold shows none.
  const stale = await client.call('view', { doc, expanded: [], collapseThreshold: 400, trace: { id: traced.id + 1000, title: 'gone' } });
  assert.ok(!isUnavailable(stale));
  assert.equal(stale.trace, undefined);
  const unknown = await client.call('trace', { doc, request: { ...request, to: 'pod/default/nobody' } });
  assert.ok(isUnavailable(unknown));

  const rules = await client.call('rules', { doc, node: 'k8s-master', view: 'iptables' });
  assert.ok(typeof rules === 'string' && rules.includes('KUBE-SERVICES'));
  assert.deepEqual(await client.call('rules', { doc, node: 'nowhere', view: 'routes' }), { unavailable: 'no node named nowhere in this topology' });
  const hover = await client.call('hover', { doc, path: file, line: lineOf(/^ {2}name: nginx-worker1$/), word: 'nginx-worker1' });
  assert.match(hover?.join('\n') ?? '', /\*\*Pod\*\* `default\/nginx-worker1`/);
  assert.match(hover?.join('\n') ?? '', /host veth: `veth[0-9a-f]+`/);
  assert.deepEqual((await client.call('nodes', { doc })).map((n) => n.name), ['k8s-master', 'k8s-node1', 'k8s-node2']);
});

test('a graph of more elements than a part holds crosses in parts and arrives whole, in order', async () => {
  const big = [...generateTopology({ nodes: 4, podsPerNode: 2, services: partSize + 500, endpointsPerService: 1, policies: 0, cni: 'flannel/vxlan', proxy: 'iptables', seed: 1 })].join('');
  const bigDoc = 'file:///big.yaml';
  await client.call('load', { doc: bigDoc, path: '/big.yaml', text: big, onDisk: false });
  const view = await client.call('view', { doc: bigDoc, expanded: [], collapseThreshold: 400 });
  assert.ok(!isUnavailable(view));
  assert.ok(view.graph.nodes.length > partSize, `${view.graph.nodes.length} elements`);
  const expected = buildGraph(deriveDataplane(loadTopology({ path: '/big.yaml', text: big }, noIncludes).value!), { collapseThreshold: 400, expanded: new Set() });
  assert.deepEqual(view.graph, expected);
  await client.call('forget', { doc: bigDoc });
});

test('quick-pick choices are filtered in the worker, recent first, the excluded spec left out', async () => {
  const r = await client.call('choices', { doc, side: 'destination', filter: 'KUBE-DNS udp', recent: [], limit: 10 });
  assert.deepEqual(r.items.map((c) => c.spec), ['svc/kube-system/kube-dns:53'], 'the UDP port of kube-dns, by its description');
  const all = await client.call('choices', { doc, side: 'source', filter: '', recent: ['node/k8s-node2'], limit: 3, exclude: 'pod/default/nginx-worker1' });
  assert.equal(all.items[0]?.spec, 'node/k8s-node2');
  assert.equal(all.items.length, 3);
  assert.ok(all.matched > 3 && all.total > all.matched - 1);
});

test('a request for a document the worker does not hold rejects with the reason, and the worker lives on', async () => {
  await assert.rejects(client.call('trace', { doc: 'file:///none.yaml', request: { from: 'a', to: 'b', proto: 'tcp', port: 1 } }), /no topology loaded for file:\/\/\/none\.yaml/);
  await client.call('forget', { doc });
  await assert.rejects(client.call('nodes', { doc }), /no topology loaded/);
  assert.equal(resets, 0);
});

test('a worker that dies rejects the calls in flight, reports the reset, and the next call starts a new one', async () => {
  let reset = 0;
  const dying = new EngineClient(path.join(root, 'out', 'test', 'unit', 'no-such-worker.js'), () => reset++);
  await assert.rejects(dying.call('nodes', { doc }), /engine worker stopped/);
  assert.equal(reset, 1);
  await assert.rejects(dying.call('nodes', { doc }), /engine worker stopped/);
  assert.equal(reset, 2);
  dying.dispose();
});

test('filterChoices: every word must match the spec or the description; the head is capped, the count is not', () => {
  const choices = Array.from({ length: 50 }, (_, i) => ({ spec: `pod/ns/p-${i}`, label: `p-${i}`, description: `pod 10.0.0.${i} on node-${i % 5}` }));
  const r = filterChoices(choices, 'NODE-3 p-', ['pod/ns/p-48', 'pod/ns/p-1'], 4);
  assert.equal(r.matched, 10);
  assert.equal(r.total, 50);
  assert.deepEqual(r.items.map((c) => c.spec), ['pod/ns/p-48', 'pod/ns/p-3', 'pod/ns/p-8', 'pod/ns/p-13']);
});

test('lens anchors over the limit are windowed to the visible lines and their margin', () => {
  const n = 10_000;
  const anchors: LensAnchors = {
    kinds: new Uint8Array(n),
    lines: Uint32Array.from({ length: n }, (_, i) => 10 * i + 1),
    ports: new Uint32Array(n),
    names: Array.from({ length: n }, (_, i) => `ns\tp${i}\t`).join('\n'),
    firstNode: 'n0',
  };
  const small = anchorsInView(anchors, [[1, 50]], n, 0);
  assert.equal(small.windowed, false);
  assert.equal(small.anchors.length, n);
  const view = anchorsInView(anchors, [[50_001, 50_100]], 100, 20);
  assert.equal(view.windowed, true);
  assert.deepEqual(view.anchors.map((a) => a.line), Array.from({ length: 14 }, (_, i) => 49_981 + 10 * i));
  assert.equal(view.anchors[0]?.name, 'p4998');
  // Two editors on overlapping lines do not repeat a lens; the limit holds.
  const two = anchorsInView(anchors, [[1, 200], [100, 300]], 100, 0);
  assert.deepEqual(two.anchors.map((a) => a.name), Array.from({ length: 30 }, (_, i) => `p${i}`));
  assert.equal(anchorsInView(anchors, [[1, 100_000]], 100, 0).anchors.length, 100);
  assert.deepEqual(anchorsInView(anchors, [], 100, 0).anchors, [], 'no editor shows it: no lenses');
});
