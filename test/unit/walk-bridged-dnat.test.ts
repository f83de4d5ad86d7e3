/**
 * br_netfilter's bridged DNAT and hairpin, as seen on the kernel (docs/kernel-facts.md): a pod
 * asking a ClusterIP whose chosen endpoint sits on its own bridge gets its packet bridged, not
 * routed (TTL 64, the sender's MAC kept); a pod reaching itself through its Service goes back out
 * its own port only with hairpin mode on, MASQUERADEd to the bridge's address.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { nodeNetnsId } from '../../src/engine/dataplane/derive';
import { createEngine, tryTraceFlow, type Engine, type TraceRequest } from '../../src/engine/index';
import { planLab } from '../../src/engine/lab/plan';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import type { Hop, Ipv4Header, Trace } from '../../src/engine/trace/types';

function seed000(): Topology {
  const file = path.join(__dirname, '..', '..', '..', 'samples', 'seed000-flannel-vxlan.yaml');
  const result = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost);
  assert.ok(result.value);
  return result.value;
}

const topology = seed000();
const engine = createEngine(topology);
const dns = (endpointIndex: number): TraceRequest => ({ from: 'pod/kube-system/coredns-7bdc4cb885-6kzwr', to: 'svc/kube-system/kube-dns:53', proto: 'udp', sport: 40001, endpointIndex });

function walk(e: Engine, request: TraceRequest): Trace {
  const r = tryTraceFlow(e, request);
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const ip = (h: Hop): Ipv4Header => h.headers.find((x): x is Ipv4Header => x.layer === 'ipv4')!;
const eth = (h: Hop): { src: string; dst: string } => h.headers[0] as { src: string; dst: string };
const hooksOf = (h: Hop): string[] => [...new Set(h.steps.flatMap((s) => (s.kind === 'netfilter' ? [`${s.table}/${s.chain}`] : [])))];

test('pod -> ClusterIP -> endpoint on the same bridge: DNAT in the bridge, then bridged port to port with TTL 64 and the sender MAC', () => {
  const t = walk(engine, dns(1));
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops.length, 2, 'the pod link, then one bridged hop: never out cni0 as a routed packet');
  const [, bridged] = t.hops as [Hop, Hop];
  assert.equal(bridged.netns, 'host');
  assert.deepEqual([bridged.in, bridged.out], ['vethdbf287e9', 'vetha014dbae']);
  assert.deepEqual(eth(bridged), { layer: 'eth', src: '0a:58:0a:f4:00:4a', dst: '0a:58:0a:f4:00:4b', type: 'IPv4' });
  assert.deepEqual([ip(bridged).src, ip(bridged).dst, ip(bridged).ttl], ['10.244.0.74', '10.244.0.75', 64]);
  assert.ok(!bridged.steps.some((s) => s.kind === 'ttl'), 'no TTL decrement');
  // br_netfilter's order: nat PREROUTING (the DNAT), then filter FORWARD, then nat POSTROUTING; never INPUT.
  const hooks = hooksOf(bridged).filter((c) => /\/(PREROUTING|INPUT|FORWARD|POSTROUTING)$/.test(c));
  assert.deepEqual(hooks, ['nat/PREROUTING', 'filter/FORWARD', 'nat/POSTROUTING']);
  const kinds = bridged.steps.map((s) => s.kind);
  assert.ok(kinds.indexOf('nat') < kinds.indexOf('route') && kinds.lastIndexOf('neighbour') < kinds.indexOf('bridge'), 'DNAT, route, neighbour, then the bridge decision');
  const bridge = bridged.steps.find((s) => s.kind === 'bridge');
  assert.deepEqual(bridge, { kind: 'bridge', bridge: 'cni0', inPort: 'vethdbf287e9', outPort: 'vetha014dbae', decision: 'fdb' });
  // The reply is plain bridging, un-DNATed by conntrack on the way.
  const reply = t.reply!.hops[1]!;
  assert.deepEqual([ip(reply).src, ip(reply).dst, ip(reply).ttl], ['10.96.0.10', '10.244.0.74', 64]);
});

test('hairpin: a pod reaching itself through its Service goes back out its own port, MASQUERADEd to cni0 10.244.0.1', () => {
  const t = walk(engine, dns(0));
  assert.equal(t.disposition, 'DELIVERED');
  const hairpin = t.hops[1]!;
  assert.deepEqual([hairpin.in, hairpin.out], ['vethdbf287e9', 'vethdbf287e9']);
  assert.deepEqual([eth(hairpin).src, eth(hairpin).dst], ['0a:58:0a:f4:00:4a', '0a:58:0a:f4:00:4a']);
  assert.deepEqual([ip(hairpin).src, ip(hairpin).dst, ip(hairpin).ttl], ['10.244.0.1', '10.244.0.74', 64]);
  assert.ok(hairpin.steps.some((s) => s.kind === 'netfilter' && s.rule.includes('-s 10.244.0.74 -j KUBE-MARK-MASQ')), "kube-proxy's hairpin masquerade mark");
  // The reply goes to cni0's MAC, is un-SNATed back to the pod and bridged out the same port again.
  const [out, back] = t.reply!.hops as [Hop, Hop];
  assert.equal(eth(out).dst, '5e:c8:b8:b9:63:9a');
  assert.deepEqual([back.in, back.out, ip(back).src, ip(back).dst, ip(back).ttl], ['vethdbf287e9', 'vethdbf287e9', '10.96.0.10', '10.244.0.74', 64]);
});

test('hairpin mode off on the port: the bridge drops the frame instead of sending it back', () => {
  const dp = engine.dataplane;
  const host = dp.namespace(nodeNetnsId('k8s-master'))!;
  const port = host.devices.find((d) => d.name === 'vethdbf287e9')!;
  assert.equal(port.kind === 'veth' && port.hairpin, true, "flannel's bridge plugin sets hairpinMode");
  const off = { ...host, devices: host.devices.map((d) => (d === port ? { ...d, hairpin: false } : d)) };
  const e: Engine = { ...engine, dataplane: { ...dp, namespace: (id: string) => (id === host.id ? off : dp.namespace(id)) } as Engine['dataplane'] };
  const t = walk(e, dns(0));
  assert.equal(t.disposition, 'DROPPED');
  assert.match(t.final.map((s) => (s.kind === 'note' ? s.text : '')).join(' '), /hairpin mode is off on vethdbf287e9/);
});

test('the lab plan turns hairpin on for the ports that have it, as the bridge plugin does', () => {
  const plan = planLab(engine.dataplane, { prefix: 'pwt-' });
  const hairpins = plan.commands.filter((c) => c.argv.includes('hairpin')).map((c) => c.argv.slice(3).join(' '));
  assert.ok(hairpins.includes('link set vethdbf287e9 type bridge_slave hairpin on'), hairpins.join('\n'));
});
