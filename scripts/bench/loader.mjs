// Loader benchmark: load + validate time and peak memory, against js-yaml's own loadAll of the
// same text, for the largest sample and for generated topologies (10 MB; with --big also 38 MB
// and the 5,000-node scale topology of `packetwalk generate`); for files over 1 MB also the same
// objects as a JSON List (and how much faster than the YAML it loads), and the median time of
// the incremental loader's update after a one-pod edit (a label or an IP).
// Each measurement runs in a fresh process so its peak RSS is its own.
import { spawnSync } from 'node:child_process';
import { existsSync, readFileSync, readdirSync, statSync, writeFileSync, mkdtempSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as os from 'node:os';
import * as path from 'node:path';

const require = createRequire(import.meta.url);
const root = path.resolve(path.dirname(new URL(import.meta.url).pathname), '../..');

if (process.argv[2] === '--measure') {
  const [, , , mode, file] = process.argv;
  const text = readFileSync(file, 'utf8');
  // Modules are loaded before the clock starts: the figure is the work, not the start-up.
  const yaml = require(path.join(root, 'node_modules/js-yaml'));
  const { loadTopology } = require(path.join(root, 'out/src/engine/model/load.js'));
  const start = performance.now();
  const cpuStart = process.cpuUsage();
  let summary;
  if (mode === 'incremental') {
    // An editor's keystrokes inside one pod: its app label, then its IP, alternately, each a new text.
    const { createIncrementalLoader } = require(path.join(root, 'out/src/engine/model/incremental.js'));
    const loader = createIncrementalLoader({ expandInclude: () => [], readFile: () => undefined });
    const first = loader.update({ path: file, text });
    let current = text;
    const times = [];
    for (let k = 0; k < 21; k++) {
      const pod = nthIndex(current, 'kind: Pod', 1 + k * 7919);
      if (k % 2 === 0) {
        const at = current.indexOf('labels: {app: ', pod) + 14;
        current = `${current.slice(0, at)}edited-${k}${current.slice(current.indexOf(/[,}]/.exec(current.slice(at))[0], at))}`;
      } else {
        const at = current.indexOf('podIP: ', pod) + 7;
        const end = at + /^[0-9.]+/.exec(current.slice(at, at + 20))[0].length;
        const ip = current.slice(at, end).split('.');
        // The last two bytes, to an address no generated pod has: the flannel file fills every last byte of each
        // node's low /24s, the Calico one every /24 up to about .31, and a clash would be a real diagnostic.
        ip[2] = String(200 + k);
        ip[3] = String(200 + k);
        current = current.slice(0, at) + ip.join('.') + current.slice(end);
      }
      const t0 = performance.now();
      const r = loader.update({ path: file, text: current });
      times.push(performance.now() - t0);
      if (r.diagnostics.length !== first.diagnostics.length) throw new Error(`edit ${k} changed the diagnostics`);
    }
    const sorted = [...times].sort((a, b) => a - b);
    process.stdout.write(JSON.stringify({ median: sorted[10], firstMs: times[0], max: sorted[20] }));
    process.exit(0);
  }
  if (mode === 'js-yaml') {
    summary = `${yaml.loadAll(text).length} documents`;
  } else if (mode === 'json-parse') {
    summary = `${JSON.parse(text).items.length} items`;
  } else {
    const r = loadTopology({ path: file, text }, { expandInclude: () => [], readFile: () => undefined });
    summary = `${r.value?.pods.length ?? 0} pods, ${r.value?.services.length ?? 0} services, ${r.diagnostics.length} diagnostics`;
  }
  let ms = performance.now() - start;
  const used = process.cpuUsage(cpuStart);
  let cpuMs = (used.user + used.system) / 1000;
  if (text.length < 1e6) {
    // Small files: also the warm figure an editor sees on every re-check, averaged over 50 loads.
    const load = mode === 'js-yaml' ? () => yaml.loadAll(text) : () => loadTopology({ path: file, text }, { expandInclude: () => [], readFile: () => undefined });
    for (let i = 0; i < 20; i++) load();
    const warm = performance.now();
    const warmCpu = process.cpuUsage();
    for (let i = 0; i < 50; i++) load();
    ms = (performance.now() - warm) / 50;
    const w = process.cpuUsage(warmCpu);
    cpuMs = (w.user + w.system) / 1000 / 50;
    summary += ' (warm, mean of 50)';
  }
  process.stdout.write(JSON.stringify({ ms, cpuMs, maxRssMb: process.resourceUsage().maxRSS / 1024, summary }));
  process.exit(0);
}

function nthIndex(text, needle, n) {
  let at = -1;
  for (let i = 0; i < n; i++) at = text.indexOf(needle, at + 1);
  return at;
}

/** A flannel cluster of 50 nodes with pods and a Service for every nine pods, as kubectl would print them, to about `targetBytes`. */
function generate(targetBytes) {
  const nodes = 50;
  const out = [`apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: bench}
spec:
  clusterCIDR: 10.0.0.0/8
  serviceCIDR: 172.20.0.0/16
  cni: {plugin: flannel, backend: vxlan}
  nodes:
${Array.from({ length: nodes }, (_, i) => `  - {name: node-${i}, address: 192.168.${i >> 8}.${(i & 255) + 1}, podCIDR: 10.${i}.0.0/16}`).join('\n')}
`];
  let size = out[0].length;
  for (let i = 0; size < targetBytes; i++) {
    const node = i % nodes;
    const doc = i % 10 === 9
      ? `apiVersion: v1
kind: Service
metadata:
  name: svc-${i}
  namespace: default
  labels: {app: app-${i - 9}}
spec:
  type: ClusterIP
  selector: {app: app-${i - 9}}
  ports:
  - {name: http, port: 80, targetPort: http, protocol: TCP}
`
      : `apiVersion: v1
kind: Pod
metadata:
  name: pod-${i}
  namespace: default
  labels: {app: app-${i - (i % 10)}, tier: web}
  annotations: {note: "generated pod ${i}"}
spec:
  nodeName: node-${node}
  containers:
  - name: web
    image: nginx:1.25
    ports:
    - {name: http, containerPort: 8080, protocol: TCP}
status:
  phase: Running
  podIP: 10.${node}.${(Math.floor(i / nodes) + 2) >> 8}.${(Math.floor(i / nodes) + 2) & 255}
  conditions:
  - {type: Ready, status: "True"}
`;
    out.push(doc);
    size += doc.length + 4;
  }
  return out.join('---\n');
}

function measure(mode, file) {
  const r = spawnSync(process.execPath, [new URL(import.meta.url).pathname, '--measure', mode, file], { encoding: 'utf8', maxBuffer: 1 << 20 });
  if (r.status !== 0) throw new Error(r.stderr);
  return JSON.parse(r.stdout);
}

/**
 * Each side runs twice and keeps its best. Wall time on a shared machine swings with other
 * work, so CPU time (which GC threads add to) is printed beside it and the ratio is taken on it.
 */
function report(label, file) {
  const size = statSync(file).size;
  const { yamlCpu, bareCpu } = reportOne(label, file);
  if (size > 1e6) {
    // The same objects as one JSON List (what `kubectl get -o json` prints), which takes the JSON.parse fast path.
    const json = file.replace(/\.ya?ml$/, '.json');
    const yaml = require(path.join(root, 'node_modules/js-yaml'));
    writeFileSync(json, JSON.stringify({ apiVersion: 'v1', kind: 'List', items: yaml.loadAll(readFileSync(file, 'utf8')).filter((d) => d) }));
    const ours = [measure('loader', json), measure('loader', json)].sort((a, b) => a.cpuMs - b.cpuMs)[0];
    const f = (x) => x.toFixed(x < 10 ? 2 : 0);
    console.log(`${' '.repeat(label.length)}   as JSON (${(statSync(json).size / 1e6).toFixed(1)} MB): load + validate ${f(ours.cpuMs)} ms CPU (${f(ours.ms)} ms wall), ${(yamlCpu / ours.cpuMs).toFixed(1)}x faster than the YAML, peak RSS ${ours.maxRssMb.toFixed(0)} MB; ${ours.summary}`);
    // The most that ratio could be: JSON.parse against js-yaml's loadAll, neither validating anything.
    const parse = [measure('json-parse', json), measure('json-parse', json)].sort((a, b) => a.cpuMs - b.cpuMs)[0];
    console.log(`${' '.repeat(label.length)}   JSON.parse alone ${f(parse.cpuMs)} ms CPU: ${(bareCpu / parse.cpuMs).toFixed(1)}x faster than js-yaml's loadAll, the ceiling of the ratio above`);
  }
}

/** Prints js-yaml's and our load of one file; answers our CPU time and js-yaml's. */
function reportOne(label, file) {
  const size = statSync(file).size;
  const shown = size < 1e6 ? `${(size / 1e3).toFixed(1)} kB` : `${(size / 1e6).toFixed(1)} MB`;
  const best = (mode) => [measure(mode, file), measure(mode, file)].sort((a, b) => a.cpuMs - b.cpuMs)[0];
  const bare = best('js-yaml');
  const ours = best('loader');
  const f = (x) => x.toFixed(x < 10 ? 2 : 0);
  console.log(`${label} (${shown}): js-yaml loadAll ${f(bare.cpuMs)} ms CPU (${f(bare.ms)} ms wall), peak RSS ${bare.maxRssMb.toFixed(0)} MB`);
  console.log(`${' '.repeat(label.length)}   load + validate ${f(ours.cpuMs)} ms CPU (${f(ours.ms)} ms wall), ${(ours.cpuMs / bare.cpuMs).toFixed(2)}x js-yaml, peak RSS ${ours.maxRssMb.toFixed(0)} MB; ${ours.summary}`);
  if (size > 1e6) {
    const inc = measure('incremental', file);
    console.log(`${' '.repeat(label.length)}   one-pod edit (label or IP), incremental: median ${f(inc.median)} ms, max ${f(inc.max)} ms over 21 edits (the first, which builds its indexes, ${f(inc.firstMs)} ms)`);
  }
  return { yamlCpu: ours.cpuMs, bareCpu: bare.cpuMs };
}

const samples = path.join(root, 'samples');
let largest;
try {
  for (const f of readdirSync(samples).filter((x) => /\.ya?ml$/.test(x))) {
    const p = path.join(samples, f);
    if (!largest || statSync(p).size > statSync(largest).size) largest = p;
  }
} catch { /* no samples yet */ }
if (largest) report(`largest sample ${path.basename(largest)}`, largest);

const dir = mkdtempSync(path.join(os.tmpdir(), 'pw-bench-loader-'));
try {
  const sizes = process.argv.includes('--big') ? [10e6, 38e6] : [10e6];
  for (const s of sizes) {
    const file = path.join(dir, `generated-${s / 1e6}mb.yaml`);
    writeFileSync(file, generate(s));
    report(`generated ${s / 1e6} MB`, file);
  }
  // The scale topology of DESIGN.md §6 (5,000 nodes, 150,000 pods, 10,000 services), as `packetwalk generate` writes it.
  const cli = path.join(root, 'dist/cli.js');
  if (process.argv.includes('--big') && existsSync(cli)) {
    const file = path.join(dir, 'scale.yaml');
    const g = spawnSync(process.execPath, [cli, 'generate', '--nodes', '5000', '--pods-per-node', '30', '--services', '10000', '--endpoints-per-service', '10', '--cni', 'calico/ipip', '--policies', '200'], { encoding: 'utf8', maxBuffer: 1 << 30 });
    if (g.status === 0) {
      writeFileSync(file, g.stdout);
      report('packetwalk generate 5000x30, 10000 services, calico/ipip, 200 policies', file);
    }
  }
} finally {
  rmSync(dir, { recursive: true, force: true });
}
