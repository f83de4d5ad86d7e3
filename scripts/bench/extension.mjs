// Extension host: how long the host's main thread is blocked while a 5,000-node topology (150,000
// pods, 10,000 services, calico/ipip, 200 policies; 37 MB) is opened, traced, drawn and its rules
// shown. Drives the extension's own engine client (`out/src/extension/engineClient.js`) against the
// bundled worker (`dist/engineWorker.js`) outside VS Code, and does on the main thread what the
// extension does there with each answer (lens anchors windowed to a screen of lines, the graph
// serialised as VS Code serialises a webview message). A 1 ms timer measures the main thread: the
// longest gap between its ticks is the longest task. What VS Code itself then does with the
// answers (its renderer drawing 15,000 graph elements, a 420,000-line rules document) is not here.
// `node scripts/bench/extension.mjs [nodes]` (default 5000); `npm run build && npx tsc -b` first.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const { EngineClient } = require(path.resolve('out/src/extension/engineClient.js'));
const { anchorsInView } = require(path.resolve('out/src/extension/lensWindow.js'));
const worker = path.resolve('dist/engineWorker.js');

const nodes = Number(process.argv[2] ?? 5000);
const args = ['generate', '--nodes', String(nodes), '--pods-per-node', '30', '--services', String(2 * nodes), '--endpoints-per-service', '10', '--cni', 'calico/ipip', '--policies', '200'];
const generated = spawnSync('node', ['dist/cli.js', ...args], { encoding: 'utf8', maxBuffer: 1 << 30 });
if (generated.status !== 0) throw new Error(generated.stderr);
const text = generated.stdout;
const file = path.resolve(`bench-extension-${nodes}.yaml`);
const doc = `file://${file}`;

function ms(t) { return `${t.toFixed(t < 10 ? 1 : 0)} ms`; }

/** Runs `work` while a 1 ms timer watches the main thread; the longest gap between ticks is the longest task. */
async function watched(label, work) {
  const histogram = monitorEventLoopDelay({ resolution: 1 });
  let last = performance.now();
  let longest = 0;
  const timer = setInterval(() => {
    const now = performance.now();
    longest = Math.max(longest, now - last);
    last = now;
  }, 1);
  histogram.enable();
  const started = performance.now();
  const result = await work();
  const wall = performance.now() - started;
  // One more tick, so a task that ended the work is counted.
  await new Promise((r) => setTimeout(r, 5));
  clearInterval(timer);
  histogram.disable();
  longest = Math.max(longest, performance.now() - last);
  console.log(`  ${label.padEnd(44)} wall ${ms(wall).padStart(8)}   longest main-thread task ${ms(longest).padStart(7)}   (event-loop delay max ${ms(histogram.max / 1e6)})`);
  return result;
}

console.log(`extension host, ${nodes} nodes: ${(text.length / 1e6).toFixed(0)} MB topology, engine in the worker`);
const client = new EngineClient(worker);
await watched('worker start-up (first answer)', () => client.call('forget', { doc: 'none' }));

const visible = [[1, 60]];
const summary = await watched('open: load, diagnostics, lens anchors', async () => {
  const s = await client.call('load', { doc, path: file, text, onDisk: false });
  const lenses = anchorsInView(s.anchors, visible, 2000, 400);
  return { ...s, shown: lenses.anchors.length, windowed: lenses.windowed };
});
console.log(`    ${summary.counts.pods} pods, ${summary.errors} errors, ${summary.anchors.lines.length} lens anchors (${summary.shown} near the first screen), worker ${ms(summary.workMs)}`);

const choices = await watched('trace quick pick: filter "pod-4999" of all', () => client.call('choices', { doc, side: 'source', filter: 'pod-4999', recent: [], limit: 2000 }));
console.log(`    ${choices.matched} of ${choices.total} match`);
const [from, to] = [choices.items[0]?.spec, 'svc/default/svc-1:80'];
const request = { from, to, proto: 'tcp', port: 80 };
const first = await watched(`first trace ${from} → ${to}`, () => client.call('trace', { doc, request }));
await watched('second trace (same request)', () => client.call('trace', { doc, request }));
const trace = 'trace' in first ? first.trace : undefined;
console.log(`    ${trace ? `${trace.disposition} in ${trace.hops.length} hops` : first.unavailable}`);

const graph = await watched('graph with the trace (answer received)', () => client.call('view', { doc, expanded: [], collapseThreshold: 400, ...(trace ? { trace: { trace, title: 't' } } : {}) }));
console.log(`    ${graph.graph.nodes.length} elements, ${graph.graph.edges.length} edges`);
// VS Code's webview.postMessage serialises the message on the host's thread with a JSON replacer (to pull out buffers).
await watched('graph: VS Code serialising it for the webview', async () => JSON.stringify({ type: 'graph', graph: graph.graph }, (_k, v) => v).length);

const hop = trace?.hops.find((h) => !h.netns.startsWith('pod/'))?.node ?? 'node-0';
const rules = await watched(`iptables-restore view of ${hop}`, () => client.call('rules', { doc, node: hop, view: 'iptables' }));
console.log(`    ${typeof rules === 'string' ? `${(rules.length / 1e6).toFixed(1)} MB` : rules.unavailable}`);
await watched('hover on a pod', () => client.call('hover', { doc, path: file, line: summary.anchors.lines[100], word: undefined }));
// A keystroke inside one pod: its container port.
const at = text.indexOf('containerPort: 8080', text.indexOf('{name: pod-21,'));
const edited = `${text.slice(0, at)}containerPort: 8081${text.slice(at + 'containerPort: 8080'.length)}`;
const again = await watched('edit one pod: incremental re-load', () => client.call('load', { doc, path: file, text: edited, onDisk: false }));
console.log(`    worker ${ms(again.workMs)}, ${again.errors} errors`);

// A keystroke in a seed sample with a trace open (the e2e suite's live-update step): after the
// debounce (packetwalk.diagnostics.debounceMs, 300 ms by default) the host has the file re-loaded,
// the same walk done again over it and the graph with the trace built, then posts it to the panel.
const seedFile = path.resolve('samples/seed000-flannel-vxlan.yaml');
const seedText = readFileSync(seedFile, 'utf8');
const seed = { doc: `file://${seedFile}`, path: seedFile, onDisk: false };
const seedRequest = { from: 'pod/default/nginx-worker2', to: 'svc/kube-system/kube-dns:53', proto: 'udp', port: 53 };
await client.call('load', { ...seed, text: seedText });
await client.call('trace', { doc: seed.doc, request: seedRequest });
const renamed = seedText.replace(/^ {2}name: seed000-flannel-vxlan$/m, '  name: seed000-flannel-vxlanx');
const seedGraph = await watched('seed000, one keystroke: re-load, walk, graph', async () => {
  await client.call('load', { ...seed, text: renamed });
  const walked = await client.call('trace', { doc: seed.doc, request: seedRequest });
  return client.call('view', { doc: seed.doc, expanded: [], collapseThreshold: 400, ...('trace' in walked ? { trace: { trace: walked.trace, title: 't' } } : {}) });
});
console.log(`    ${seedGraph.graph.title}: ${seedGraph.graph.nodes.length} elements, trace ${seedGraph.trace ? seedGraph.trace.disposition : 'none'} (plus the debounce before it)`);
client.dispose();
