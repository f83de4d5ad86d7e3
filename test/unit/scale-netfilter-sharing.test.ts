/**
 * Nodes share one kube-proxy payload only when their payloads are the same text: over topologies
 * that use every way a payload reads its node (NodeCIDR local detection, --nodeport-addresses, a
 * load balancer firewall holding a node's address, Local traffic policies, overlapping slices) and
 * over every sample, two nodes with one key always render byte-identical payloads. And a payload
 * read on demand gives the rules, texts and line numbers `parseRestore` gives.
 */
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { LazyPayload } from '../../src/engine/netfilter/payload';
import { parseRestore } from '../../src/engine/netfilter/rules';
import { payloadKeys } from '../../src/engine/netfilter/sharing';
import { renderRestore } from '../../src/engine/proxy';
import { endpoint, node, port, service, slice, topology, kubeProxy } from '../fixtures/proxy/build';

const nodes = ['n0', 'n1', 'n2', 'n3', 'n4', 'n5'].map((name, i) => node(name, `192.168.205.${10 + i}`, `10.42.${i}.0/24`));

function cluster(extra: { services?: Parameters<typeof topology>[0]['services']; slices?: Parameters<typeof topology>[0]['slices']; kp?: Parameters<typeof kubeProxy>[0] } = {}): Topology {
  return topology({
    clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', nodes,
    services: [service('default', 'web', '10.43.0.10', [port('http', 80, { nodePort: 30080 })], { type: 'NodePort' }), ...(extra.services ?? [])],
    slices: [slice('default', 'web', [endpoint('10.42.1.5', { nodeName: 'n1' }), endpoint('10.42.2.5', { nodeName: 'n2' })], [{ name: 'http', port: 8080 }]), ...(extra.slices ?? [])],
    kubeProxy: kubeProxy(extra.kp),
  });
}

const variants: Record<string, Topology> = {
  'NodeCIDR local detection': cluster({ kp: { detectLocalMode: 'NodeCIDR' } }),
  '--nodeport-addresses': cluster({ kp: { nodePortAddresses: ['192.168.205.8/30'] } }),
  'load balancer firewall': cluster({
    services: [service('default', 'lb', '10.43.0.20', [port('http', 80, { nodePort: 30081 })], { type: 'LoadBalancer', loadBalancerIPs: ['203.0.113.7'], loadBalancerSourceRanges: ['192.168.205.12/31'] })],
    slices: [slice('default', 'lb', [endpoint('10.42.3.5', { nodeName: 'n3' })], [{ name: 'http', port: 8080 }])],
  }),
  'Local traffic policies': cluster({
    services: [
      service('default', 'etp', '10.43.0.30', [port('http', 80, { nodePort: 30082 })], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
      service('default', 'itp', '10.43.0.31', [port('http', 80)], { internalTrafficPolicy: 'Local' }),
    ],
    slices: [
      slice('default', 'etp', [endpoint('10.42.1.6', { nodeName: 'n1' }), endpoint('10.42.4.6', { nodeName: 'n4' })], [{ name: 'http', port: 8080 }]),
      slice('default', 'itp', [endpoint('10.42.5.6', { nodeName: 'n5' })], [{ name: 'http', port: 8080 }]),
    ],
  }),
  'overlapping slices': cluster({
    services: [service('default', 'dup', '10.43.0.40', [port('http', 80)])],
    slices: [
      slice('default', 'dup', [endpoint('10.42.3.7', { ready: false, nodeName: 'n3' })], [{ name: 'http', port: 8080 }], 'dup-a'),
      slice('default', 'dup', [endpoint('10.42.3.7', { nodeName: 'n3' }), endpoint('10.42.0.7', { nodeName: 'n0' })], [{ name: 'http', port: 8080 }], 'dup-b'),
    ],
  }),
};

function loadSample(name: string): Topology | undefined {
  const path = join(__dirname, '..', '..', '..', 'samples', name);
  return loadTopology({ path, text: readFileSync(path, 'utf8') }, nodeHost).value;
}

/** Asserts that equal keys mean equal payloads; returns how many distinct payloads and keys there are. */
function checkKeys(t: Topology, label: string): { payloads: number; keys: number } {
  const keyOf = payloadKeys(t);
  const byKey = new Map<string, string>();
  const payloads = new Set<string>();
  for (const n of t.nodes) {
    const text = renderRestore(t, n.name);
    payloads.add(text);
    const key = keyOf(n);
    const seen = byKey.get(key);
    if (seen === undefined) byKey.set(key, text);
    else assert.equal(text, seen, `${label}: ${n.name} shares key "${key}" with a node whose payload differs`);
  }
  return { payloads: payloads.size, keys: byKey.size };
}

test('a plain cluster is one payload for every node', () => {
  assert.deepEqual(checkKeys(cluster(), 'plain'), { payloads: 1, keys: 1 });
});

for (const [label, t] of Object.entries(variants)) {
  test(`nodes share a payload only when it is the same text: ${label}`, () => {
    const { payloads, keys } = checkKeys(t, label);
    assert.ok(payloads > 1, `${label} makes the payload depend on the node`);
    // Endpoints only set their own nodes apart; the others still share one payload.
    if (label === 'Local traffic policies' || label === 'overlapping slices') assert.ok(keys < t.nodes.length, `${label} still lets nodes share`);
  });
}

test('nodes share a payload only when it is the same text: every sample', () => {
  const dir = join(__dirname, '..', '..', '..', 'samples');
  for (const name of readdirSync(dir).filter((f) => f.endsWith('.yaml'))) {
    const t = loadSample(name);
    if (t) checkKeys(t, name);
  }
});

test('a payload read on demand gives the rules parseRestore gives', () => {
  for (const t of [...Object.values(variants), loadSample('kube-proxy-features.yaml')!, loadSample('seed002-ipvs.yaml')!]) {
    for (const n of t.nodes) {
      const text = renderRestore(t, n.name);
      const lazy = new LazyPayload(text);
      for (const [table, chains] of parseRestore(text)) {
        for (const [chain, rules] of chains) assert.deepEqual(lazy.get(table)?.get(chain), rules, `${n.name} ${table} ${chain}`);
      }
      assert.equal(lazy.get('filter')?.get('NO-SUCH-CHAIN'), undefined);
    }
  }
});
