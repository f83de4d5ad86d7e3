/**
 * What the engine derives from a topology belongs to that topology: two engines built in one
 * process from topologies with the same node and pod names but different pod placements each
 * trace, and print rules, exactly as the same topology does in a fresh process (this file run
 * as a script with PACKETWALK_SEEN set).
 */
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { test } from 'node:test';
import { createEngine, renderRestore, renderTrace, tryTraceFlow } from '../../src/engine/index';
import { topologyCaches } from '../../src/engine/model/caches';
import type { CniConfig, Topology } from '../../src/engine/model/types';
import { topology } from './cni-fixtures';

const nodes = [
  { name: 'master', address: '192.168.205.4', podCIDR: '10.42.0.0/24', mac: '52:54:00:00:00:04', gateway: '192.168.205.1' },
  { name: 'node1', address: '192.168.205.3', podCIDR: '10.42.1.0/24', mac: '52:54:00:00:00:03', gateway: '192.168.205.1' },
];

/** The same names in both; `moved` puts nginx-1 on the other node at another address. */
function cluster(cni: CniConfig, moved: boolean): Topology {
  return topology(cni, '10.42.0.0/16', nodes, [
    { name: 'busybox', node: 'master', ip: '10.42.0.65' },
    moved ? { name: 'nginx-1', node: 'master', ip: '10.42.0.9' } : { name: 'nginx-1', node: 'node1', ip: '10.42.1.9' },
  ]);
}

/** What a face sees of one topology: the trace text and each node's rules. */
function seen(t: Topology): string {
  const engine = createEngine(t);
  const r = tryTraceFlow(engine, { from: 'pod/default/busybox', to: 'pod/default/nginx-1', port: 80 });
  if (!r.ok) throw new Error(r.error);
  return [renderTrace(r.value.trace, 'busybox to nginx-1'), ...t.nodes.map((n) => renderRestore(t, n.name))].join('\n');
}

const cnis: readonly CniConfig[] = [
  { plugin: 'calico', backend: 'vxlan', ipipMode: 'Never', vxlanMode: 'Always', natOutgoing: true, blockSize: 26, mtu: 1410 },
  { plugin: 'weave', mode: 'fastdp', mtu: 1376 },
  { plugin: 'flannel', backend: 'udp', vni: 1, port: 8285, mtu: 1472, directRouting: false, ipMasq: true },
];

/** `seen` for one case, computed in a process that has built no other topology. */
function seenFresh(index: number, moved: boolean): string {
  return execFileSync(process.execPath, [__filename], { env: { ...process.env, PACKETWALK_SEEN: `${index} ${moved}` }, encoding: 'utf8' });
}

const only = process.env.PACKETWALK_SEEN;
if (only) {
  const [index, moved] = only.split(' ');
  process.stdout.write(seen(cluster(cnis[Number(index)]!, moved === 'true')));
} else registerTests();

function registerTests(): void {
for (const [index, cni] of cnis.entries()) {
  test(`${cni.plugin}: two topologies with the same names in one process do not share derived state`, () => {
    const a = cluster(cni, false);
    const b = cluster(cni, true);
    const seenA = seen(a);
    const seenB = seen(b);
    // The two differ, so a cache shared between them would show in one of the comparisons below.
    assert.notEqual(seenA, seenB);
    assert.equal(seenA, seenFresh(index, false));
    assert.equal(seenB, seenFresh(index, true));
    assert.equal(seen(a), seenA);
  });
}

test('each engine owns its topology caches; a second topology gets its own', () => {
  const a = cluster(cnis[0]!, false);
  const b = cluster(cnis[0]!, true);
  const engine = createEngine(a);
  assert.equal(engine.caches, topologyCaches(a));
  assert.notEqual(createEngine(b).caches, engine.caches);
});
}
