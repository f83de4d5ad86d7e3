// Trace: engine time per trace and memory at 50, 500 and 5,000 nodes (30 pods a node, flannel
// vxlan, kube-proxy iptables, 2 services a node of 10 endpoints each). Each size runs in its own
// process so its memory is its own. Two figures per size:
// - a node's first touch: the first trace entering a node builds its host namespace and reads its
//   kube-proxy rules; nodes whose payloads are the same text share one, laid out without being
//   written and built service port by service port as packets meet them, so the first node pays
//   for the layout and the next ones for their own chains; timed and weighed on the full topology;
// - the trace itself: the median and p90 of 1,000 seeded flows, half pod-to-pod and half
//   pod-to-service, among the pods of 8 nodes (services keep only their endpoints there, so the
//   flows stay on those nodes), once cold and once warm. Flat means the 5,000-node medians stay
//   near the 50-node ones.
// `node scripts/bench/trace.mjs 50,500` picks sizes; `--cpu-prof` writes profiles to out/profiles.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const out = (p) => require(path.resolve('out/src/engine', p));

function ms(t) { return t < 1 ? `${(t * 1000).toFixed(0)} µs` : `${t.toFixed(t < 10 ? 2 : 0)} ms`; }
function mb(bytes) { return `${(bytes / 1e6).toFixed(0)} MB`; }
function quantile(xs, q) { const s = [...xs].sort((a, b) => a - b); return s[Math.min(s.length - 1, Math.floor(s.length * q))]; }
function heap() { globalThis.gc?.(); return process.memoryUsage().heapUsed; }

function measure(n) {
  const { generateTopology } = out('generate/topology.js');
  const { loadTopology } = out('model/load.js');
  const { noIncludes } = out('model/host.js');
  const { createEngine, tryTraceFlow } = out('index.js');
  const row = (label, value) => console.log(`  ${label.padEnd(30)} ${value}`);

  const options = { nodes: n, podsPerNode: 30, services: 2 * n, endpointsPerService: 10, policies: 0, cni: 'flannel/vxlan', proxy: 'iptables', seed: 1 };
  const text = [...generateTopology(options)].join('');
  const base = heap();
  const loaded = loadTopology({ path: `trace-${n}.yaml`, text }, noIncludes);
  const topology = loaded.value;
  if (!topology) { console.log(`${n} nodes: no topology`); return; }
  const loadedHeap = heap();
  const t0 = performance.now();
  const engine = createEngine(topology);
  const deriveMs = performance.now() - t0;
  const derivedHeap = heap();
  console.log(`${n} nodes: ${topology.pods.length} pods, ${topology.services.length} services`);
  row('derive (createEngine)', `${ms(deriveMs)}, heap +${mb(derivedHeap - loadedHeap)} (the topology itself ${mb(loadedHeap - base)})`);

  // A node's first touch, on the full topology: its host namespace and a first packet through its
  // rules. The first node lays out the payload the nodes share; the next ones only their own chains.
  // Each touch in two parts: the host namespace (devices, routes, neighbours and FDB entries, the
  // peers' answered on demand) and the first packet through the node's rules.
  const touch = [];
  const beforeTouch = heap();
  const kept = [];
  const probe = (node) => ({ node: node.name, hook: 'PREROUTING', flow: { src: '10.42.0.5', dst: topology.services[0].clusterIP, proto: 'tcp', sport: 40000, dport: 80 }, mark: 0, newConnection: true, isLocalAddress: () => false });
  for (const node of topology.nodes.slice(0, 4)) {
    const s = performance.now();
    kept.push(engine.dataplane.namespace(`node/${node.name}`));
    const m = performance.now();
    kept.push(engine.netfilter.run(probe(node)));
    touch.push({ total: performance.now() - s, namespace: m - s, rules: performance.now() - m });
  }
  const touchedHeap = heap() - beforeTouch;
  const split = (t) => `${ms(t.total)} (namespace ${ms(t.namespace)}, rules ${ms(t.rules)})`;
  const middle = (key) => quantile(touch.slice(1).map((t) => t[key]), 0.5);
  row('first node touched', split(touch[0]));
  row('next nodes touched', `median ${split({ total: middle('total'), namespace: middle('namespace'), rules: middle('rules') })}, heap +${mb(touchedHeap / 4)} a node on average`);
  kept.length = 0;

  // The busy nodes, spread over the cluster, and services cut down to their endpoints there.
  const busy = new Set(Array.from({ length: Math.min(8, n) }, (_, i) => topology.nodes[Math.floor((i * n) / Math.min(8, n))].name));
  const slices = topology.endpointSlices
    .map((sl) => ({ ...sl, endpoints: sl.endpoints.filter((e) => e.nodeName && busy.has(e.nodeName)) }))
    .filter((sl) => sl.endpoints.length > 0);
  const served = new Set(slices.map((sl) => `${sl.namespace}/${sl.serviceName}`));
  const local = { ...topology, endpointSlices: slices };
  const flowEngine = createEngine(local);
  const pods = topology.pods.filter((p) => busy.has(p.nodeName));
  const services = topology.services.filter((sv) => served.has(`${sv.namespace}/${sv.name}`));

  // Seeded flows: even ones pod-to-pod, odd ones pod-to-service.
  let a = 2024;
  const rand = (k) => { a = (a * 1103515245 + 12345) >>> 0; return a % k; };
  const podRef = (p) => `pod/${p.namespace}/${p.name}`;
  const flows = Array.from({ length: 1000 }, (_, i) => {
    const from = podRef(pods[rand(pods.length)]);
    if (i % 2 === 0 || services.length === 0) return { kind: 'pod', request: { from, to: podRef(pods[rand(pods.length)]), port: 8080 } };
    const svc = services[rand(services.length)];
    return { kind: 'svc', request: { from, to: `svc/${svc.namespace}/${svc.name}:http` } };
  });
  const flowHeap = heap();

  const run = () => {
    const times = { pod: [], svc: [] };
    const dispositions = new Map();
    for (const f of flows) {
      const s = performance.now();
      const r = tryTraceFlow(flowEngine, f.request);
      times[f.kind].push(performance.now() - s);
      const d = r.ok ? r.value.trace.disposition : 'refused';
      dispositions.set(d, (dispositions.get(d) ?? 0) + 1);
    }
    return { times, dispositions };
  };
  const cold = run();
  const afterHeap = heap();
  const warm = run();
  for (const [label, r] of [['cold', cold], ['warm', warm]]) {
    for (const kind of ['pod', 'svc']) {
      const xs = r.times[kind];
      row(`trace ${kind === 'pod' ? 'pod → pod' : 'pod → svc'} (${label})`, `median ${ms(quantile(xs, 0.5))}, p90 ${ms(quantile(xs, 0.9))}`);
    }
  }
  row('dispositions', [...warm.dispositions].map(([d, k]) => `${d} ${k}`).join(', '));
  row('heap after 1,000 traces', `${mb(afterHeap)} (+${mb(afterHeap - flowHeap)} for the ${busy.size} nodes' namespaces and rules)`);
  row('peak memory (max RSS)', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

const arg = process.argv.find((x) => /^--size=\d+$/.test(x));
if (arg) {
  measure(Number(arg.slice('--size='.length)));
} else {
  const profile = process.argv.includes('--cpu-prof') ? ['--cpu-prof', '--cpu-prof-dir=out/profiles'] : [];
  const wanted = (process.argv.slice(2).find((x) => /^[\d,]+$/.test(x)) ?? '50,500,5000').split(',');
  for (const n of wanted) {
    const r = spawnSync('node', ['--expose-gc', '--max-old-space-size=8192', ...profile, process.argv[1], `--size=${n}`], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
