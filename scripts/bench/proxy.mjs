// restoreChunks for one node of a 10,000-service × 10-endpoint cluster: time, lines, MB, peak
// memory, and the ratio to iptables-restore --test --noflush reading the same payload in a scratch
// network namespace.
//
// iptables-restore is quadratic in the number of chains it creates (measured: 22k lines 1 s, 44k
// 4 s, 88k 20 s with the nft backend; legacy about ten times faster), so the full 110,000-chain
// payload can take many minutes. Each run is therefore time-limited, and the namespace is removed
// on every way out: finally, SIGINT/SIGTERM/SIGHUP (which also stop the child), and at start for
// namespaces left by an earlier run that was killed outright.
//
// BENCH_RESTORE_TIMEOUT (seconds, default 150) limits each iptables-restore run;
// BENCH_SERVICES (default 10000) scales the cluster.
import { spawn, spawnSync } from 'node:child_process';
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { restoreChunks } = require('../../out/src/engine/proxy/index.js');
const b = require('../../out/test/fixtures/proxy/build.js');

const SERVICES = Number(process.env.BENCH_SERVICES ?? 10000), ENDPOINTS = 10, NODES = 100;
const TIMEOUT_S = Number(process.env.BENCH_RESTORE_TIMEOUT ?? 150);
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

const rssBefore = process.resourceUsage().maxRSS;
const cpu0 = process.cpuUsage();
const t0 = performance.now();
const chunks = restoreChunks(topo, 'node0');
const ms = performance.now() - t0;
const cpu = process.cpuUsage(cpu0);
const cpuMs = (cpu.user + cpu.system) / 1000;
const peakMB = process.resourceUsage().maxRSS / 1024;
let bytes = 0, lines = 0;
for (const c of chunks) {
  bytes += c.length;
  for (let i = c.indexOf('\n'); i >= 0; i = c.indexOf('\n', i + 1)) lines++;
}
console.log(`restoreChunks: ${SERVICES} services x ${ENDPOINTS} endpoints, one node: ${ms.toFixed(0)} ms wall (${cpuMs.toFixed(0)} ms CPU, all threads), ${lines} lines, ${(bytes / 1e6).toFixed(1)} MB, peak RSS ${peakMB.toFixed(0)} MB (${(rssBefore / 1024).toFixed(0)} MB before)`);

const PREFIX = 'pwk-bench-';
const alive = (pid) => { try { process.kill(pid, 0); return true; } catch { return false; } };
const run = (cmd, args) => spawnSync(cmd, args, { encoding: 'utf8' });

/** Namespaces of earlier runs whose process is gone (a SIGKILL skips every cleanup). */
function removeStale() {
  for (const line of run('ip', ['netns', 'list']).stdout?.split('\n') ?? []) {
    const name = line.split(' ')[0];
    const pid = Number(name?.startsWith(PREFIX) ? name.slice(PREFIX.length) : NaN);
    if (Number.isInteger(pid) && !alive(pid)) {
      run('ip', ['netns', 'del', name]);
      console.log(`removed ${name}, left behind by an earlier run`);
    }
  }
}

/** iptables-restore --test --noflush on `payload` in `ns`: milliseconds, or why there are none. */
function restoreTest(ns, binary, payload, children) {
  return new Promise((resolve) => {
    const t = performance.now();
    const child = spawn('ip', ['netns', 'exec', ns, binary, '--test', '--noflush'], { stdio: ['pipe', 'ignore', 'pipe'] });
    children.add(child);
    let stderr = '';
    child.stderr.on('data', (d) => { stderr += d; });
    const timer = setTimeout(() => child.kill('SIGKILL'), TIMEOUT_S * 1000);
    child.stdin.on('error', () => {});
    child.on('close', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      const elapsed = performance.now() - t;
      if (signal === 'SIGKILL') resolve({ timedOut: true, ms: elapsed });
      else if (code !== 0) resolve({ error: stderr.trim().split('\n')[0] || `exit ${code}` });
      else resolve({ ms: elapsed });
    });
    (async () => {
      for (const c of payload) {
        // kube-proxy's nfacct counters need nfnetlink_acct objects the scratch namespace does not have.
        const ok = child.stdin.write(c.replace(/ -m nfacct --nfacct-name \S+/g, ''));
        if (!ok) await new Promise((r) => child.stdin.once('drain', r));
        if (child.exitCode !== null || child.signalCode !== null) return;
      }
      child.stdin.end();
    })();
  });
}

function report(binary, r) {
  if (r.error) console.log(`${binary} --test: failed (${r.error}); no ratio`);
  else if (r.timedOut) console.log(`${binary} --test: did not finish in ${TIMEOUT_S} s; generation takes at most ${(ms / r.ms * 100).toFixed(2)}% of it`);
  else console.log(`${binary} --test --noflush on the same payload (nfacct matches removed): ${r.ms.toFixed(0)} ms; generation takes ${(ms / r.ms * 100).toFixed(2)}% of it (ratio ${(ms / r.ms).toFixed(3)})`);
}

const ns = `${PREFIX}${process.pid}`;
if (process.getuid?.() !== 0) console.log('iptables-restore --test ratio: skipped (needs root for a scratch netns)');
else {
  removeStale();
  if (run('ip', ['netns', 'add', ns]).status !== 0) console.log('iptables-restore --test ratio: skipped (cannot create a network namespace)');
  else {
    const children = new Set();
    const cleanup = () => {
      for (const c of children) c.kill('SIGKILL');
      run('ip', ['netns', 'del', ns]);
    };
    for (const sig of ['SIGINT', 'SIGTERM', 'SIGHUP']) process.once(sig, () => { cleanup(); process.exit(130); });
    try {
      for (const binary of ['iptables-legacy-restore', 'iptables-nft-restore']) {
        if (run('sh', ['-c', `command -v ${binary}`]).status !== 0) { console.log(`${binary}: not installed, skipped`); continue; }
        report(binary, await restoreTest(ns, binary, chunks, children));
      }
    } finally {
      cleanup();
    }
  }
}
