/**
 * kube-proxy rules built on demand over the payload's layout are the payload's own: every chain,
 * read whole, gives the rules, texts and line numbers `parseRestore` gives on `renderRestore`'s
 * text (over every sample, upstream's overall case and topologies that use each way a service
 * port writes rules), and a walk to a Service in the middle of a large generated cluster quotes
 * the lines of the full text while building only that service's chains.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { generateTopology } from '../../src/engine/generate/topology';
import { loadTopology } from '../../src/engine/model/load';
import { noIncludes } from '../../src/engine/model/host';
import type { Topology } from '../../src/engine/model/types';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { ProxyRules } from '../../src/engine/netfilter/proxyRules';
import { parseRestore } from '../../src/engine/netfilter/rules';
import { defaultEnvironment, renderRestore, upstreamTestEnvironment, type ProxyEnvironment } from '../../src/engine/proxy';
import { iptablesLayout } from '../../src/engine/proxy/layout';
import { endpoint, kubeProxy, node, port, service, slice, topology, upstreamOverallCluster } from '../fixtures/proxy/build';

/** Asserts that every chain built on demand equals the full text's, rule for rule and line for line. */
function checkWhole(t: Topology, label: string, env: ProxyEnvironment = defaultEnvironment): void {
  for (const n of t.nodes) {
    const layout = iptablesLayout(t, n, env);
    assert.ok(layout, `${label} ${n.name}: laid out`);
    const lazy = new ProxyRules(layout);
    const text = renderRestore(t, n.name, env);
    for (const [table, chains] of parseRestore(text)) {
      for (const [chain, rules] of chains) {
        assert.ok(lazy.get(table)?.has(chain), `${label} ${n.name} ${table} declares ${chain}`);
        assert.deepEqual(lazy.get(table)?.get(chain), rules, `${label} ${n.name} ${table} ${chain}`);
      }
    }
    assert.equal(lazy.get('nat')?.get('KUBE-SVC-AAAAAAAAAAAAAAAA'), undefined);
    assert.equal(lazy.get('nat')?.has('KUBE-SEP-AAAAAAAAAAAAAAAA'), false);
  }
}

function loadSample(name: string): Topology | undefined {
  const path = join(__dirname, '..', '..', '..', 'samples', name);
  return loadTopology({ path, text: readFileSync(path, 'utf8') }, nodeHost).value;
}

test('every chain of every iptables-mode sample, built on demand, is the full text\'s', () => {
  const dir = join(__dirname, '..', '..', '..', 'samples');
  let checked = 0;
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const t = loadSample(name);
    if (!t || t.cluster.kubeProxy.mode !== 'iptables') continue;
    checkWhole(t, name);
    checked++;
  }
  assert.ok(checked > 5, 'the samples hold iptables-mode clusters');
});

test('upstream\'s overall case, built on demand, is its payload line for line', () => {
  const t = upstreamOverallCluster();
  checkWhole(t, 'overall', upstreamTestEnvironment);
});

test('every way a service port writes rules, built on demand, is the full text\'s', () => {
  const nodes = ['n0', 'n1', 'n2'].map((name, i) => node(name, `192.168.205.${10 + i}`, `10.42.${i}.0/24`));
  const services = [
    service('a', 'affinity', '10.43.0.10', [port('http', 80, { nodePort: 30080 }), port('dns', 53, { protocol: 'UDP' })], { type: 'NodePort', sessionAffinity: 'ClientIP' }),
    service('a', 'empty', '10.43.0.11', [port('http', 80, { nodePort: 30081 })], { type: 'NodePort', externalIPs: ['198.51.100.1'] }),
    service('b', 'etp', '10.43.0.12', [port('http', 80, { nodePort: 30082 })], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIPs: ['203.0.113.9'], healthCheckNodePort: 32000 }),
    service('b', 'fw', '10.43.0.13', [port('http', 80, { nodePort: 30083 })], { type: 'LoadBalancer', loadBalancerIPs: ['203.0.113.7'], loadBalancerSourceRanges: ['192.168.205.10/31'] }),
    service('c', 'itp', '10.43.0.14', [port('', 80)], { internalTrafficPolicy: 'Local' }),
    service('c', 'terminating', '10.43.0.15', [port('http', 80)]),
  ];
  const slices = [
    slice('a', 'affinity', [endpoint('10.42.1.5', { nodeName: 'n1' }), endpoint('10.42.2.5', { nodeName: 'n2' })], [{ name: 'http', port: 8080 }, { name: 'dns', port: 5353, protocol: 'UDP' }]),
    slice('b', 'etp', [endpoint('10.42.1.6', { nodeName: 'n1' }), endpoint('10.42.0.6', { nodeName: 'n0', ready: false, serving: true, terminating: true })], [{ name: 'http', port: 8080 }]),
    slice('b', 'fw', [endpoint('10.42.2.7', { nodeName: 'n2' })], [{ name: 'http', port: 8080 }]),
    slice('c', 'itp', [endpoint('10.42.0.8', { nodeName: 'n0' })], [{ name: '', port: 8080 }]),
    slice('c', 'terminating', [endpoint('10.42.2.9', { nodeName: 'n2', ready: false, serving: true, terminating: true })], [{ name: 'http', port: 8080 }]),
  ];
  for (const kp of [kubeProxy(), kubeProxy({ detectLocalMode: 'NodeCIDR', masqueradeAll: true }), kubeProxy({ nodePortAddresses: ['192.168.205.8/29', '127.0.0.0/8'], detectLocalMode: 'None' }), kubeProxy({ localhostNodePorts: false })]) {
    const t = topology({ clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', nodes, services, slices, kubeProxy: kp });
    checkWhole(t, JSON.stringify(kp));
  }
});

/** A generated cluster of 40 nodes and 80 services of 10 endpoints: past kube-proxy's large-cluster threshold. */
function generated(): Topology {
  const options = { nodes: 40, podsPerNode: 12, services: 80, endpointsPerService: 10, policies: 0, cni: 'flannel/vxlan', proxy: 'iptables', seed: 3 } as const;
  const t = loadTopology({ path: 'generated.yaml', text: [...generateTopology(options)].join('') }, noIncludes).value;
  assert.ok(t);
  return t;
}

test('a large generated cluster, built on demand, is the full text\'s', () => {
  const t = generated();
  checkWhole({ ...t, nodes: t.nodes.slice(0, 2) }, 'generated');
});

test('a walk to a Service in the middle of a large cluster quotes the full text\'s lines, building only its chains', () => {
  const t = generated();
  const at = t.nodes[0]!;
  const middle = t.services[Math.floor(t.services.length / 2)]!;
  const lines = renderRestore(t, at.name).split('\n');
  const result = createNetfilterHook(t).run({
    node: at.name, hook: 'PREROUTING', mark: 0, newConnection: true, isLocalAddress: () => false,
    flow: { src: '10.42.0.5', dst: middle.clusterIP, proto: 'tcp', sport: 40000, dport: middle.ports[0]!.port },
  });
  const steps = result.steps.flatMap((s) => (s.kind === 'netfilter' && s.line !== undefined ? [s] : []));
  assert.deepEqual(steps.map((s) => s.chain.replace(/-[A-Z2-7]{16}$/, '-…')), ['KUBE-SERVICES', 'KUBE-SVC-…', 'KUBE-SEP-…'], 'the walk enters the service and one endpoint');
  for (const s of steps) assert.equal(lines[s.line! - 1], s.rule, `${s.chain}: line ${s.line} is the rule`);
  assert.ok(steps[0]!.line! > 100 && steps[2]!.line! < lines.length - 100, 'the rules sit deep in the payload');

  // The same packet over rules built on demand: only the middle service's port was written.
  const lazy = new ProxyRules(iptablesLayout(t, at)!);
  const flow = { src: '10.42.0.5', dst: middle.clusterIP, proto: 'tcp' as const, sport: 40000, dport: middle.ports[0]!.port };
  const candidates = lazy.get('nat')!.candidates('KUBE-SERVICES', flow)!;
  assert.deepEqual(candidates.map((r) => r.line), candidates.map((r) => lines.indexOf(r.text) + 1));
  assert.ok(candidates.length <= 2, 'the middle service\'s rule and the rule that must stay last');
  assert.equal(lazy.builtPorts(), 1);
});
