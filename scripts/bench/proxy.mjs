// renderRestore for one node of a 10,000-service × 10-endpoint cluster: time, lines, MB, peak
// memory, and the ratio to iptables-restore --test reading the same payload in a scratch netns.
import { spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { renderRestore } = require('../../out/src/engine/proxy/index.js');
const b = require('../../out/test/fixtures/proxy/build.js');

const SERVICES = 10000, ENDPOINTS = 10, NODES = 100;
const nodes = Array.from({ length: NODES }, (_, i) => b.node(`node${i}`, `192.168.${i >> 8}.${(i & 255) + 1}`, `10.${64 + (i >> 8)}.${i & 255}.0/24`));
const services = [], slices = [];
for (let s = 0; s < SERVICES; s++) {
  const ip = `10.96.${s >> 8}.${s & 255}`;
  services.push(b.service(`ns${s % 50}`, `svc${s}`, ip, [b.port('http', 80, s % 4 === 0 ? { nodePort: 30000 + (s % 2700) } : {})], s % 4 === 0 ? { type: 'NodePort' } : {}));
  const eps = [];
  for (let e = 0; e < ENDPOINTS; e++) {
    const n = (s * ENDPOINTS + e) % NODES;
    eps.push(b.endpoint(`10.${64 + (n >> 8)}.${n & 255}.${2 + ((s * 7 + e) % 250)}`, { nodeName: `node${n}` }));
  }
  slices.push(b.slice(`ns${s % 50}`, `svc${s}`, eps, [{ name: 'http', port: 8080 }]));
}
const topo = b.topology({ clusterCIDR: '10.64.0.0/10', serviceCIDR: '10.96.0.0/12', nodes, services, slices });
global.gc?.();
const before = process.memoryUsage().heapUsed;
let peak = before;
const t0 = performance.now();
const text = renderRestore(topo, 'node0');
const ms = performance.now() - t0;
peak = Math.max(peak, process.memoryUsage().heapUsed);
const lines = text.split('\n').length - 1;
console.log(`renderRestore: ${SERVICES} services x ${ENDPOINTS} endpoints, one node: ${ms.toFixed(0)} ms, ${lines} lines, ${(text.length / 1e6).toFixed(1)} MB, heap ${(peak / 1e6).toFixed(0)} MB (rss ${(process.memoryUsage().rss / 1e6).toFixed(0)} MB)`);

const ns = `pwk-bench-${process.pid}`;
if (process.getuid?.() !== 0) console.log('iptables-restore --test ratio: skipped (needs root for a scratch netns)');
else if (spawnSync('ip', ['netns', 'add', ns]).status !== 0) console.log('iptables-restore --test ratio: skipped (cannot create a network namespace)');
else {
  try {
    const payload = text.replace(/ -m nfacct --nfacct-name \S+/g, '');
    const t1 = performance.now();
    const r = spawnSync('ip', ['netns', 'exec', ns, 'iptables-restore', '--test', '--noflush'], { input: payload });
    const restoreMs = performance.now() - t1;
    if (r.status !== 0) console.log(`iptables-restore --test ratio: skipped (it failed: ${String(r.stderr).trim().split('\n')[0]})`);
    else console.log(`iptables-restore --test on the same payload (nfacct matches removed, no counters here): ${restoreMs.toFixed(0)} ms; generation takes ${(ms / restoreMs * 100).toFixed(1)}% of it`);
  } finally {
    spawnSync('ip', ['netns', 'del', ns]);
  }
}
