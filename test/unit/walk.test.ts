/**
 * The walk on seed 002's two nodes in each flannel backend: the Done-when underlay hops, the
 * bridge path on one node, node and external sources, ICMP, the reply leg, and the validator.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import type { Topology } from '../../src/engine/model/types';
import { renderTrace } from '../../src/engine/render/trace';
import type { TraceRequest } from '../../src/engine/trace/flow';
import type { Header, Trace } from '../../src/engine/trace/types';
import { validateTrace } from '../../src/engine/trace/validate';
import { flannel, seed002 } from '../fixtures/walk/clusters';
import { acceptAll, allowAll } from '../fixtures/walk/hooks';
import { matchBaseline } from '../harness/baseline';

function run(t: Topology, request: TraceRequest): Trace {
  const r = tryTraceFlow(createEngine(t, { netfilter: acceptAll, policy: allowAll }), request);
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const layers = (hs: readonly Header[]): string => hs.map((h) => h.layer).join(',');

function underlay(trace: Trace): readonly Header[] {
  const hop = trace.hops.find((h) => h.netns === 'host' && h.out === 'eth0');
  assert.ok(hop, 'an underlay hop');
  return hop.headers;
}

test('seed 002 vxlan: pod 10.42.0.65 -> 10.42.1.9:80 crosses the underlay as VXLAN VNI 1 on 8472, inner TTL 63', () => {
  const t = run(seed002(flannel('vxlan')), { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' });
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t);
  assert.equal(layers(hs), 'eth,ipv4,udp,vxlan,eth,ipv4,tcp');
  assert.deepEqual(hs[0], { layer: 'eth', src: '52:54:00:00:00:04', dst: '52:54:00:00:00:03', type: 'IPv4' });
  assert.deepEqual(hs[1], { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 64, proto: 'udp', length: 110, df: false, tos: 0 });
  assert.equal(hs[2]!.layer === 'udp' && hs[2]!.dport, 8472);
  assert.deepEqual(hs[3], { layer: 'vxlan', vni: 1 });
  assert.deepEqual(hs[5], { layer: 'ipv4', src: '10.42.0.65', dst: '10.42.1.9', ttl: 63, proto: 'tcp', length: 60, df: true, tos: 0 });
  assert.equal(hs[6]!.layer === 'tcp' && hs[6]!.dport, 80);
  const steps = t.hops.flatMap((h) => h.steps);
  assert.ok(steps.some((s) => s.kind === 'route' && s.line === '10.42.1.0/24 via 10.42.1.0 dev flannel.1 onlink'));
  assert.ok(steps.some((s) => s.kind === 'fdb' && /^\S+ dev flannel\.1 dst 192\.168\.205\.3 self permanent$/.test(s.line)));
  assert.ok(steps.some((s) => s.kind === 'decap' && s.device === 'flannel.1'));
  assert.equal(t.reply?.disposition, 'DELIVERED');
  assert.equal(layers(underlay(t.reply!)), 'eth,ipv4,udp,vxlan,eth,ipv4,tcp');
});

test('host-gw: no UDP or VXLAN on the underlay and the frame goes to node1\'s MAC', () => {
  const t = run(seed002(flannel('host-gw')), { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' });
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t);
  assert.equal(layers(hs), 'eth,ipv4,tcp');
  assert.equal(hs[0]!.layer === 'eth' && hs[0]!.dst, '52:54:00:00:00:03');
  assert.ok(t.hops.flatMap((h) => h.steps).some((s) => s.kind === 'route' && s.line === '10.42.1.0/24 via 192.168.205.3 dev eth0'));
});

test('host-gw with node1 off the L2 segment: no route to its pods, and a note says why', () => {
  const topo = seed002(flannel('host-gw'), { node1Address: '192.168.206.3' });
  const engine = createEngine(topo, { netfilter: acceptAll, policy: allowAll });
  assert.match(engine.dataplane.notes.join('\n'), /host-gw needs every node on one L2 network/);
  const r = tryTraceFlow(engine, { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' });
  assert.ok(r.ok);
  // master's default route sends it to a gateway the topology does not model.
  assert.equal(r.value.trace.disposition, 'EXITS_CLUSTER');
});

test('udp backend: flanneld carries the bare IP packet in UDP 8285 and the userspace hop is a step', () => {
  const t = run(seed002(flannel('udp')), { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' });
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t);
  assert.equal(layers(hs), 'eth,ipv4,udp,ipv4,tcp');
  assert.equal(hs[2]!.layer === 'udp' && `${hs[2]!.sport}>${hs[2]!.dport}`, '8285>8285');
  assert.ok(t.hops.flatMap((h) => h.steps).some((s) => s.kind === 'note' && /flanneld reads the packet from flannel0/.test(s.text)));
});

test('same node: pod to pod over cni0 stays on the bridge, no TTL decrement, no underlay hop', () => {
  const t = run(seed002(flannel('vxlan')), { from: 'pod/default/busybox', to: 'pod/default/web-0', port: 8080 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.ok(t.hops.every((h) => h.out !== 'eth0' || h.netns !== 'host'));
  const bridge = t.hops.flatMap((h) => h.steps).find((s) => s.kind === 'bridge');
  assert.ok(bridge && bridge.kind === 'bridge' && bridge.bridge === 'cni0' && bridge.decision === 'fdb');
  const last = t.hops[t.hops.length - 1]!.headers.find((h) => h.layer === 'ipv4');
  assert.equal(last?.layer === 'ipv4' && last.ttl, 64);
});

test('node to pod, pod to node, external to node, and ICMP ping all arrive', () => {
  const topo = seed002(flannel('vxlan'));
  assert.equal(run(topo, { from: 'node/master', to: 'pod/default/nginx-1' }).disposition, 'DELIVERED');
  assert.equal(run(topo, { from: 'pod/default/busybox', to: 'node/node1', port: 10250 }).disposition, 'DELIVERED');
  const ext = run(topo, { from: 'ext/client', to: 'node/node1', port: 22 });
  assert.equal(ext.disposition, 'DELIVERED');
  assert.equal(layers(ext.hops[0]!.headers), 'eth,ipv4,tcp');
  const ping = run(topo, { from: 'pod/default/busybox', to: 'pod/default/nginx-1', proto: 'icmp' });
  assert.equal(ping.disposition, 'DELIVERED');
  const icmp = underlay(ping).find((h) => h.layer === 'icmp');
  assert.deepEqual(icmp, { layer: 'icmp', type: 'echo request', code: 0, id: 1, seq: 1 });
  assert.equal(underlay(ping).find((h) => h.layer === 'ipv4' && h.proto === 'icmp')?.layer === 'ipv4' && (underlay(ping)[5] as { length: number }).length, 84);
});

test('a hostNetwork pod sends from its node\'s host namespace', () => {
  const t = run(seed002(flannel('vxlan')), { from: 'pod/default/agent', to: 'pod/default/busybox' });
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops[0]!.node, 'node1');
  assert.equal(t.hops[0]!.netns, 'host');
});

test('an address nobody owns inside the cluster CIDR meets no ARP reply; bad endpoints are reported, not thrown', () => {
  const topo = seed002(flannel('vxlan'));
  assert.equal(run(topo, { from: 'pod/default/busybox', to: 'ip/10.42.1.77:80' }).disposition, 'DROPPED');
  const engine = createEngine(topo, { netfilter: acceptAll, policy: allowAll });
  const bad = tryTraceFlow(engine, { from: 'pod/default/nope', to: 'ip/10.42.1.9' });
  assert.equal(bad.ok, false);
  assert.equal(tryTraceFlow(engine, { from: 'bogus/x', to: 'ip/10.42.1.9' }).ok, false);
});

test('the validator rejects a hop whose TTL changes without a step', () => {
  const t = run(seed002(flannel('host-gw')), { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' });
  assert.deepEqual(validateTrace(t), []);
  const hop = t.hops[1]!;
  const tampered: Trace = { ...t, hops: [t.hops[0]!, { ...hop, steps: hop.steps.filter((s) => s.kind !== 'ttl') }, ...t.hops.slice(2)] };
  assert.match(validateTrace(tampered).join('\n'), /TTL 64 → 63 but the steps decrement by 0/);
});

for (const backend of ['vxlan', 'host-gw', 'udp'] as const) {
  test(`golden text trace: flannel ${backend}`, () => {
    const text = renderTrace(run(seed002(flannel(backend)), { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' }), `flannel ${backend}`);
    matchBaseline(`walk/flannel-${backend}.trace.txt`, text);
  });
}
