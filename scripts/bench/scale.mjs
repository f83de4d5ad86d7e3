// Scale: for 50, 500 and 5,000 nodes (30 pods a node, flannel vxlan; 10,000 services of 10
// endpoints at the top), each size in its own process so peak memory is its own: js-yaml's bare
// loadAll (the floor) and JSON.parse (the JSON floor), load + validate of the YAML and of the same
// objects as JSON (each the faster of two runs from a collected heap), engine derivation, the
// first trace, the median of 1,000 random traces (pod-to-pod and pod-to-service anywhere in the
// cluster, with how they ended, so a walk that stops at its first hop cannot pass for a fast one)
// while they first touch their nodes and again once every node is built, one node's iptables
// restore payload, and reach over a 1,000-pod subset. `node scripts/bench/scale.mjs 50,500` picks
// sizes; `--cni=calico/ipip` runs the same with Calico, whose Felix enforces the 200 policies.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { performance } from 'node:perf_hooks';

const require = createRequire(import.meta.url);
const out = (p) => require(path.resolve('out/src/engine', p));

const sizes = {
  50: { nodes: 50, podsPerNode: 30, services: 100, endpoints: 10 },
  500: { nodes: 500, podsPerNode: 30, services: 1000, endpoints: 10 },
  5000: { nodes: 5000, podsPerNode: 30, services: 10000, endpoints: 10 },
};

function ms(t) { return `${t.toFixed(t < 10 ? 3 : 0)} ms`; }
function median(xs) { const s = [...xs].sort((a, b) => a - b); return s[Math.floor(s.length / 2)]; }
function time(fn) { const t0 = performance.now(); const v = fn(); return [v, performance.now() - t0]; }

function measure(n) {
  const s = sizes[n];
  const { generateTopology } = out('generate/topology.js');
  const { loadTopology } = out('model/load.js');
  const { noIncludes } = out('model/host.js');
  const { createEngine, tryTraceFlow } = out('index.js');
  const { renderRestore } = out('proxy/index.js');
  const { buildPolicyIndex } = out('policy/policyIndex.js');
  const { computeReach } = out('policy/reach.js');
  const yaml = require('js-yaml');

  const dir = path.join(tmpdir(), 'packetwalk-bench'); mkdirSync(dir, { recursive: true });
  const file = path.join(dir, `scale-${n}.yaml`);
  const cni = (process.argv.find((x) => x.startsWith('--cni=')) ?? '--cni=flannel/vxlan').slice('--cni='.length);
  const opts = { nodes: s.nodes, podsPerNode: s.podsPerNode, services: s.services, endpointsPerService: s.endpoints, policies: 200, cni, proxy: 'iptables', seed: 1 };
  writeFileSync(file, [...generateTopology(opts)].join(''));
  const text = readFileSync(file, 'utf8');
  const row = (label, value) => console.log(`  ${label.padEnd(34)} ${value}`);
  console.log(`${n} nodes (${cni}): ${s.nodes * s.podsPerNode} pods, ${s.services} services × ${s.endpoints} endpoints, 200 policies; ${(text.length / 1e6).toFixed(1)} MB YAML`);

  // Every parse below runs twice and keeps its faster run, each from a collected heap holding only
  // the two texts: the same conditions for the floors and for us, code compiled on both sides.
  const jsonText = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: yaml.loadAll(text) });
  const best = (fn) => {
    let result;
    let fastest = Infinity;
    for (let i = 0; i < 2; i++) {
      // Drops the last run's result so gc() can collect it before the next run.
      // eslint-disable-next-line no-useless-assignment
      result = undefined;
      globalThis.gc?.();
      const [value, t] = time(fn);
      result = value;
      fastest = Math.min(fastest, t);
    }
    return [result, fastest];
  };
  const [, floor] = best(() => yaml.loadAll(text).length);
  row('js-yaml loadAll (floor)', ms(floor));
  // The most the YAML/JSON ratio could be: parsing alone, with no validation on either side.
  const [, parseMs] = best(() => JSON.parse(jsonText).items.length);
  row('JSON.parse alone (its floor)', `${ms(parseMs)}  (loadAll/JSON.parse ${(floor / parseMs).toFixed(1)}×: the ceiling of the YAML/JSON ratio)`);
  const [, jsonMs] = best(() => loadTopology({ path: file.replace(/yaml$/, 'json'), text: jsonText }, noIncludes).diagnostics.length);
  const [loaded, loadMs] = best(() => loadTopology({ path: file, text }, noIncludes));
  const errors = loaded.diagnostics.filter((d) => d.severity === 'error').length;
  row('load + validate (YAML)', `${ms(loadMs)}  (${(loadMs / floor).toFixed(2)}× the floor; ${loaded.diagnostics.length} diagnostics, ${errors} errors)`);
  row('load + validate (JSON fast path)', `${ms(jsonMs)}  (YAML/JSON ${(loadMs / jsonMs).toFixed(1)}×)`);
  const topology = loaded.value;
  if (!topology) { console.log('  (no topology: stopping)'); return; }
  const [engine, deriveMs] = time(() => createEngine(topology));
  row('derive (dataplane + hooks)', ms(deriveMs));
  row('load + validate + derive', `${ms(loadMs + deriveMs)}  (${((loadMs + deriveMs) / floor).toFixed(2)}× the floor)`);

  // Random flows, seeded, half pod-to-pod and half pod-to-service.
  let a = 12345;
  const rand = (k) => { a = (a * 1103515245 + 12345) >>> 0; return a % k; };
  const pods = topology.pods, services = topology.services;
  const requests = Array.from({ length: 1000 }, (_, i) => {
    const from = pods[rand(pods.length)];
    const peer = pods[rand(pods.length)];
    const to = i % 2 ? `pod/${peer.namespace}/${peer.name}` : `svc/default/${services[rand(services.length)].name}:80`;
    return { from: `pod/${from.namespace}/${from.name}`, to, port: 8080 };
  });
  // The first pass mostly enters nodes no trace has touched (each builds its namespaces and reads
  // its rules once); the second repeats the same traces over nodes already built.
  const [firstTrace, firstMs] = time(() => tryTraceFlow(engine, requests[0]));
  row('first trace (builds what all share)', `${ms(firstMs)}  (${firstTrace.ok ? firstTrace.value.trace.disposition : 'refused'})`);
  for (const pass of ['trace, median of 1,000 (cold)', 'the same 1,000 again (warm)']) {
    const times = [];
    const dispositions = new Map();
    for (const r of requests) {
      const t0 = performance.now();
      const res = tryTraceFlow(engine, r);
      times.push(performance.now() - t0);
      const d = res.ok ? res.value.trace.disposition : 'refused';
      dispositions.set(d, (dispositions.get(d) ?? 0) + 1);
    }
    row(pass, `${ms(median(times))}  (p90 ${ms([...times].sort((x, y) => x - y)[900])}; ${[...dispositions].map(([d, k]) => `${d} ${k}`).join(', ')})`);
  }

  const [rules, rulesMs] = time(() => renderRestore(topology, topology.nodes[0].name));
  const lines = rules.split('\n').length;
  row('rules, one node (restore payload)', `${ms(rulesMs)}  (${lines} lines, ${(rules.length / 1e6).toFixed(1)} MB)`);

  const subset = { ...topology, pods: topology.pods.slice(0, 1000) };
  const [, reachMs] = time(() => computeReach(buildPolicyIndex(subset), { protocol: 'TCP', port: 8080 }));
  row('reach, 1,000-pod subset', ms(reachMs));
  row('peak memory (max RSS)', `${(process.resourceUsage().maxRSS / 1024).toFixed(0)} MB`);
}

const arg = process.argv.find((x) => /^--size=\d+$/.test(x));
if (arg) {
  measure(Number(arg.slice('--size='.length)));
} else {
  const wanted = (process.argv.slice(2).find((x) => !x.startsWith('--')) ?? '50,500,5000').split(',');
  for (const n of wanted) {
    const r = spawnSync('node', ['--expose-gc', '--max-old-space-size=8192', process.argv[1], `--size=${n}`, ...process.argv.filter((x) => x.startsWith('--cni='))], { stdio: 'inherit' });
    if (r.status !== 0) process.exitCode = r.status ?? 1;
  }
}
