/**
 * A node's entries for its peers are answered on demand: every route, neighbour and FDB lookup
 * gives what the same lookup gives over the fully listed tables, and the listed tables (what
 * `show` and the lab print) come out as the CNI would have written them. A node with a route of its
 * own to a peer's exact subnet lists its peers up front.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { knownNeighbour, remoteEntry } from '../../src/engine/dataplane/linkLayer';
import { lookupRoute } from '../../src/engine/dataplane/routing';
import type { NetNamespace } from '../../src/engine/dataplane/types';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';

/** Four nodes on two segments, two pods each; `cni` and the first node's extra routes vary. */
function cluster(cni: string, extraRoutes: readonly string[] = []): Topology {
  const nodes = [0, 1, 2, 3].map((i) => {
    const segment = i < 2 ? '192.168.1' : '192.168.2';
    const routes = i === 0 && extraRoutes.length > 0 ? `\n    routes: [${extraRoutes.map((r) => JSON.stringify(r)).join(', ')}]` : '';
    return `  - name: n${i}\n    address: ${segment}.${10 + i}\n    podCIDR: 10.42.${i}.0/24\n    gateway: ${segment}.1${routes}`;
  });
  const pods = [0, 1, 2, 3].flatMap((i) => [0, 1].map((j) => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: p${i}-${j}, namespace: default}\nspec: {nodeName: n${i}, containers: [{name: c, image: x}]}\n`));
  const text = `apiVersion: packetwalk.io/v1alpha1\nkind: Cluster\nmetadata: {name: peers}\nspec:\n  clusterCIDR: 10.42.0.0/16\n  serviceCIDR: 10.43.0.0/16\n  cni: ${cni}\n  nodes:\n${nodes.join('\n')}\n${pods.join('')}`;
  const loaded = loadTopology({ path: 'peers.yaml', text }, noIncludes);
  assert.ok(loaded.value, JSON.stringify(loaded.diagnostics));
  return loaded.value;
}

/** The same namespace with every table listed and nothing answered on demand. */
function listed(ns: NetNamespace): NetNamespace {
  return { id: ns.id, ref: ns.ref, kind: ns.kind, node: ns.node, label: ns.label, devices: ns.devices, routes: [...ns.routes], neighbours: [...ns.neighbours], fdb: [...ns.fdb], ipForward: ns.ipForward };
}

/** Pod and node addresses, every subnet's .0 and .1, and addresses no route names specially. */
function probes(topology: Topology): string[] {
  const subnets = topology.nodes.flatMap((_, i) => [`10.42.${i}.0`, `10.42.${i}.1`, `10.42.${i}.200`]);
  return [...topology.pods.map((p) => p.ip), ...topology.nodes.map((n) => n.address), ...subnets, '10.42.9.9', '8.8.8.8', '192.168.2.77'];
}

function assertSameAnswers(topology: Topology, implicit: (node: string) => boolean = () => true): void {
  const dp = deriveDataplane(topology);
  for (const node of topology.nodes) {
    const lazy = dp.namespace(`node/${node.name}`)!;
    assert.equal(lazy.peers !== undefined, implicit(node.name), `${node.name}: peers answered on demand`);
    // Lookups first, before anything reads the listed tables of `lazy`.
    const fresh = deriveDataplane(topology).namespace(`node/${node.name}`)!;
    const full = listed(fresh);
    for (const ip of probes(topology)) {
      assert.deepEqual(lookupRoute(lazy, ip), lookupRoute(full, ip), `${node.name}: route to ${ip}`);
      for (const dev of lazy.devices) assert.deepEqual(knownNeighbour(lazy, dev.name, ip), knownNeighbour(full, dev.name, ip), `${node.name}: neighbour ${ip} on ${dev.name}`);
    }
    const macs = new Set([...full.fdb.map((e) => e.mac), ...full.neighbours.flatMap((n) => (n.lladdr ? [n.lladdr] : [])), '02:00:00:00:00:99']);
    for (const mac of macs) {
      for (const dev of lazy.devices) {
        for (const self of [false, true]) assert.deepEqual(remoteEntry(lazy, dev.name, mac, self), remoteEntry(full, dev.name, mac, self), `${node.name}: fdb ${mac} on ${dev.name}`);
      }
    }
    // The listed tables are what the CNI lists: the same as a fresh build read before any lookup.
    assert.deepEqual(listed(lazy), full);
  }
}

test('flannel vxlan: peer routes, VTEP neighbours and FDB entries answer as the listed tables do', () => {
  const topology = cluster('{plugin: flannel, backend: vxlan}');
  assertSameAnswers(topology);
  const n0 = deriveDataplane(topology).namespace('node/n0')!;
  // Each of the three peers has its route, neighbour and FDB entry in the listed tables.
  assert.equal(n0.routes.filter((r) => r.table === 'main' && r.dev === 'flannel.1').length, 3);
  assert.equal(n0.neighbours.length, 3);
  assert.equal(n0.fdb.filter((e) => e.dev === 'flannel.1').length, 3);
});

test('flannel vxlan with directRouting: same-segment peers routed directly, the others through the tunnel', () => {
  const topology = cluster('{plugin: flannel, backend: vxlan, directRouting: true}');
  assertSameAnswers(topology);
  const n0 = deriveDataplane(topology).namespace('node/n0')!;
  assert.equal(lookupRoute(n0, '10.42.1.5')?.via, '192.168.1.11');
  assert.equal(lookupRoute(n0, '10.42.3.5')?.dev, 'flannel.1');
  assert.equal(n0.neighbours.length, 2);
});

test('flannel host-gw: routes only to peers on the node own segment', () => {
  const topology = cluster('{plugin: flannel, backend: host-gw}');
  assertSameAnswers(topology);
  const n0 = deriveDataplane(topology).namespace('node/n0')!;
  assert.equal(lookupRoute(n0, '10.42.1.5')?.via, '192.168.1.11');
  assert.equal(lookupRoute(n0, '10.42.2.5')?.via, '192.168.1.1');
});

test('canal: the flannel overlay answered on demand beside the cali routes', () => {
  assertSameAnswers(cluster('{plugin: canal}'));
});

test('a route of the node own to a peer subnet lists every peer up front, in table order', () => {
  const topology = cluster('{plugin: flannel, backend: vxlan}', ['10.42.1.0/24 via 192.168.1.1 dev eth0 metric 50']);
  const dp = deriveDataplane(topology);
  const n0 = dp.namespace('node/n0')!;
  assert.equal(n0.peers, undefined);
  const toN1 = n0.routes.filter((r) => r.dst === '10.42.1.0/24');
  assert.deepEqual(
    toN1.map((r) => r.dev),
    ['flannel.1', 'eth0'],
  );
  assert.equal(lookupRoute(n0, '10.42.1.5')?.dev, 'flannel.1');
  // The other nodes have no such route and keep answering on demand.
  assertSameAnswers(topology, (node) => node !== 'n0');
});

test('calico: BIRD routes (none, IPIP) and Felix VXLAN routes, neighbours and FDB entries answer as listed', () => {
  for (const cni of ['{plugin: calico, ipipMode: Never}', '{plugin: calico, ipipMode: CrossSubnet}', '{plugin: calico, vxlanMode: Always, ipipMode: Never}', '{plugin: calico, vxlanMode: CrossSubnet, ipipMode: Never}']) {
    assertSameAnswers(cluster(cni));
  }
  const n0 = deriveDataplane(cluster('{plugin: calico, vxlanMode: CrossSubnet, ipipMode: Never}')).namespace('node/n0')!;
  assert.equal(lookupRoute(n0, '10.42.1.5')?.dev, 'eth0');
  assert.equal(lookupRoute(n0, '10.42.3.5')?.dev, 'vxlan.calico');
  assert.equal(n0.neighbours.length, 2);
});
