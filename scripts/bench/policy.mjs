// `reach` on 1,000 pods × 200 NetworkPolicies: index build, the full matrix for one port, and the
// allowed-pair lines, with the heap they need. The topology is built in code (50 namespaces of 20
// pods on 10 nodes; policies mixing podSelector, namespaceSelector, both, ipBlock, ports, named
// ports and endPort) so the figure measures the policy engine, not the loader.
import { createRequire } from 'node:module';
const require = createRequire(import.meta.url);
const { buildPolicyIndex } = require('../../out/src/engine/policy/policyIndex.js');
const { computeReach } = require('../../out/src/engine/policy/reach.js');
const { formatReachLines } = require('../../out/src/engine/policy/reachText.js');
const { createPolicyHook } = require('../../out/src/engine/policy/hook.js');
const { analyseConnectivity } = require('../../out/src/engine/policy/connectivity.js');

const PODS = 1000, POLICIES = 200, NAMESPACES = 50, NODES = 10;
const src = { file: 'bench', line: 1, col: 1 };
const sel = (matchLabels = {}, matchExpressions = []) => ({ matchLabels, matchExpressions });
const ns = (i) => `ns-${i}`;

const nodes = Array.from({ length: NODES }, (_, i) => ({
  source: src, name: `node-${i}`, address: `192.168.0.${10 + i}`, prefixLength: 24, interface: 'eth0', mac: '52:54:00:00:00:01',
  podCIDR: `10.42.${i}.0/24`, extraInterfaces: [], extraRoutes: [], labels: {}, enis: [],
}));
const pods = Array.from({ length: PODS }, (_, i) => ({
  source: src, name: `pod-${i}`, namespace: ns(i % NAMESPACES),
  labels: { app: `app-${i % 25}`, tier: ['web', 'api', 'db'][i % 3] },
  nodeName: `node-${i % NODES}`, ip: `10.42.${i % NODES}.${2 + Math.floor(i / NODES)}`, ipDerived: true, mac: '0a:58:00:00:00:00',
  hostNetwork: false, ready: true,
  containers: [{ name: 'main', ports: [{ name: 'http', containerPort: 80, protocol: 'TCP' }, { name: 'metrics', containerPort: 9090, protocol: 'TCP' }] }],
  secondaryInterfaces: [],
}));
const namespaces = Array.from({ length: NAMESPACES }, (_, i) => ({ source: src, name: ns(i), labels: { 'kubernetes.io/metadata.name': ns(i), team: `team-${i % 7}` } }));
const rule = (peers, ports = []) => ({ peers, ports, source: src });
const policies = Array.from({ length: POLICIES }, (_, i) => {
  const shape = i % 6;
  const podSelector = shape === 0 ? sel() : sel({ app: `app-${i % 25}` });
  const ingress = [
    rule([{ podSelector: sel({ tier: 'web' }) }], [{ protocol: 'TCP', port: 80 }]),
    rule([{ namespaceSelector: sel({ team: `team-${i % 7}` }), podSelector: sel({}, [{ key: 'tier', operator: 'In', values: ['api', 'web'] }]) }], [{ protocol: 'TCP', port: 'http' }]),
    rule([{ namespaceSelector: sel({}, [{ key: 'kubernetes.io/metadata.name', operator: 'NotIn', values: [ns(i % NAMESPACES)] }]) }, { ipBlock: { cidr: '10.42.0.0/16', except: [`10.42.${i % NODES}.0/24`] } }], [{ protocol: 'TCP', port: 8000, endPort: 9000 }]),
  ].slice(0, 1 + (i % 3));
  const egress = shape >= 4 ? [rule([{ namespaceSelector: sel() }], [{ protocol: 'TCP', port: 80 }, { protocol: 'UDP', port: 53 }])] : [];
  return { source: src, name: `policy-${i}`, namespace: ns(i % NAMESPACES), podSelector, policyTypes: shape >= 4 ? ['Ingress', 'Egress'] : ['Ingress'], ingress, egress };
});
const topology = {
  cluster: { source: src, name: 'bench', clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', cni: { plugin: 'calico', ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, blockSize: 26, mtu: 1440 }, kubeProxy: {}, networks: [] },
  nodes, externals: [], namespaces, pods, services: [], endpointSlices: [], policies,
};

const ms = (t0) => (Number(process.hrtime.bigint() - t0) / 1e6).toFixed(0);
globalThis.gc?.();
const heap0 = process.memoryUsage().heapUsed;
let t0 = process.hrtime.bigint();
const index = buildPolicyIndex(topology);
console.log(`index ${PODS} pods x ${POLICIES} policies: ${ms(t0)} ms`);
t0 = process.hrtime.bigint();
const m = computeReach(index, { protocol: 'TCP', port: 80 });
console.log(`matrix ${PODS * PODS} pairs, TCP 80: ${ms(t0)} ms`);
t0 = process.hrtime.bigint();
const lines = formatReachLines(m);
console.log(`lines: ${lines.length} allowed pairs in ${ms(t0)} ms`);
const heap = process.memoryUsage().heapUsed;
console.log(`heap for index + matrix + lines: ${((heap - heap0) / 1048576).toFixed(1)} MiB`);
// The explained per-packet path the walk uses, for scale against the matrix.
const hook = createPolicyHook(topology);
t0 = process.hrtime.bigint();
let n = 0;
let disagree = 0;
for (let s = 0; s < PODS; s += 10) for (let d = 0; d < PODS; d += 10, n++) {
  const a = pods[s], b = pods[d];
  const q = { src: { ip: a.ip, pod: { namespace: a.namespace, name: a.name } }, dst: { ip: b.ip, pod: { namespace: b.namespace, name: b.name } }, protocol: 'TCP', port: 80 };
  const allowed = s === d || (hook.evaluate('egress', q).verdict === 'allow' && hook.evaluate('ingress', q).verdict === 'allow');
  if (allowed !== m.rows[s].has(d)) disagree++;
}
console.log(`explained verdicts: ${n} pairs (egress + ingress) in ${ms(t0)} ms; ${disagree} disagree with the matrix`);
if (disagree) process.exitCode = 1;
t0 = process.hrtime.bigint();
const c = analyseConnectivity(index, { pods: true });
console.log(`connection sets, every pair of ${c.endpoints.length} endpoints (pods and ipBlock ranges): ${c.connections.length} allowed, ${ms(t0)} ms`);
