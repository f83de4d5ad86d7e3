/**
 * The kernel as the oracle for the walk's headers (issue 4): two-node clusters built in network
 * namespaces from the engine's own dataplane, one TCP SYN sent for real, every predicted hop
 * compared field by field with what tcpdump saw on that link. Skips visibly where the machine
 * cannot build namespaces.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, traceFlow } from '../../src/engine/index';
import { compareStacks } from '../../src/engine/lab/compare';
import type { CniConfig, Topology } from '../../src/engine/model/types';
import type { Header, HeaderStack } from '../../src/engine/trace/types';
import { labRefusal, missingFeatures } from '../../src/cli/lab/kernel';
import { teardown } from '../../src/cli/lab/state';
import { labUp } from '../../src/cli/lab/up';
import { verifyTraces } from '../../src/cli/lab/verify';
import { topology } from '../unit/cni-fixtures';
import { assertBuilt } from './built';

// Per process, so two runs of the suite on one machine never tear down each other's namespaces.
const prefix = `pwl${process.pid % 100000}-`;
const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'tcpdump', 'nc', 'nfacct']);

function twoNodes(cni: CniConfig): Topology {
  return topology(cni, '10.42.0.0/16', [
    { name: 'master', address: '192.168.205.4', podCIDR: '10.42.0.0/24' },
    { name: 'node1', address: '192.168.205.3', podCIDR: '10.42.1.0/24' },
  ], [
    { name: 'a', node: 'master', ip: '10.42.0.65' },
    { name: 'b', node: 'node1', ip: '10.42.1.9' },
  ]);
}

const flannel = (backend: 'vxlan' | 'host-gw'): CniConfig => ({ plugin: 'flannel', backend, vni: 1, port: 8472, mtu: backend === 'vxlan' ? 1450 : 1500, directRouting: false, ipMasq: true });

async function crossNode(t: Topology, expectLayers: string): Promise<void> {
  const engine = createEngine(t);
  const trace = traceFlow(engine, { from: 'pod/default/a', to: 'ip/10.42.1.9:8080', proto: 'tcp', sport: 40001 });
  assert.equal(trace.disposition, 'DELIVERED');
  const up = labUp(t, 'fixture.yaml', prefix);
  try {
    assertBuilt(up);
    const reports = (await verifyTraces(engine, up.plan, [trace], 'a -> b')).hops;
    const underlay = reports.find((r) => r.where === 'master host eth0');
    assert.ok(underlay, `the trace has an underlay hop: ${reports.map((r) => r.where).join(', ')}`);
    assert.equal(underlay.predicted.map((h) => h.layer).join(','), expectLayers);
    for (const r of reports) assert.deepEqual(r.differences, [], `hop ${r.hop} (${r.where}) differs from the capture`);
    // A wrong prediction must not pass: flip one field at a time in the underlay hop and expect a difference.
    const captured = underlay.captured!;
    const mutate = (i: number, field: string, value: unknown): HeaderStack => underlay.predicted.map((h, j) => (j === i ? ({ ...h, [field]: value } as Header) : h));
    const ipAt = underlay.predicted.findIndex((h) => h.layer === 'ipv4');
    const ethAt = underlay.predicted.findIndex((h) => h.layer === 'eth');
    const ip = underlay.predicted[ipAt] as Extract<Header, { layer: 'ipv4' }>;
    for (const [i, field, value] of [[ipAt, 'ttl', ip.ttl + 1], [ethAt, 'dst', '52:54:00:00:00:05'], [ipAt, 'df', !ip.df], [ipAt, 'length', ip.length + 1]] as const) {
      assert.notDeepEqual(compareStacks(mutate(i, field, value), captured), [], `flipping ${field} is caught`);
    }
    const vxAt = underlay.predicted.findIndex((h) => h.layer === 'vxlan');
    if (vxAt >= 0) assert.notDeepEqual(compareStacks(mutate(vxAt, 'vni', 2), captured), [], 'flipping the VNI is caught');
  } finally {
    teardown(t.cluster.name, prefix);
  }
}

test('flannel vxlan: every hop of a cross-node SYN matches the kernel, the underlay one included', { skip: refusal }, async () => {
  await crossNode(twoNodes(flannel('vxlan')), 'eth,ipv4,udp,vxlan,eth,ipv4,tcp');
});

test('flannel host-gw: every hop of a cross-node SYN matches the kernel; the underlay carries the pod packet bare', { skip: refusal }, async () => {
  await crossNode(twoNodes(flannel('host-gw')), 'eth,ipv4,tcp');
});

const ipipMissing = refusal ?? missingFeatures(['ipip'], `${prefix}cap`).get('ipip');
test('calico ipip: the underlay hop is IPv4 in IPv4', { skip: ipipMissing ? `this kernel cannot build ipip: ${ipipMissing}` : false }, async () => {
  const t = twoNodes({ plugin: 'calico', backend: 'bird', ipipMode: 'Always', vxlanMode: 'Never', natOutgoing: true, blockSize: 26, mtu: 1440 });
  await crossNode(t, 'eth,ipv4,ipv4,tcp');
});
