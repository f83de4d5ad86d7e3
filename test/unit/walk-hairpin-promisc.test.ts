/**
 * kubenet's promiscuous cbr0 and a pod reaching itself through its Service (hairpin off), as seen
 * on the kernel with kube-proxy's rules (docs/kernel-facts.md, "Bridged DNAT and hairpin"): the
 * bridged frame is not sent back out the pod's port; the copy the promiscuous bridge passes up to
 * its own stack loses its conntrack entry, is routed back towards cbr0 with its TTL decremented, and
 * dies in FORWARD as ctstate INVALID. The pod never receives it, MASQUERADEd or not.
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
import type { Step, Trace } from '../../src/engine/trace/types';

const file = path.join(__dirname, '..', '..', '..', 'samples', 'kubenet.yaml');
const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!;
const engine = createEngine(topology);
const NODE = 'aks-nodepool1-31718369-vmss000000';
const PORT = 'veth24d07f86';
const toOwnService = (endpointIndex: number): TraceRequest => ({ from: 'pod/default/web-0', to: 'svc/default/web:80', proto: 'tcp', sport: 40011, endpointIndex });

function walk(e: Engine, request: TraceRequest): Trace {
  const r = tryTraceFlow(e, request);
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const notes = (steps: readonly Step[]): string => steps.map((s) => (s.kind === 'note' ? s.text : '')).join(' | ');

test("kubenet's cbr0 is promiscuous and its ports have hairpin off, as AKS' conflist asks", () => {
  const host = engine.dataplane.namespace(nodeNetnsId(NODE))!;
  const cbr0 = host.devices.find((d) => d.name === 'cbr0')!;
  const port = host.devices.find((d) => d.name === PORT)!;
  assert.equal(cbr0.kind === 'bridge' && cbr0.promisc, true);
  assert.equal(port.kind === 'veth' && port.hairpin, undefined);
  const plan = planLab(engine.dataplane, { prefix: 'pwt-' });
  const promisc = plan.commands.filter((c) => c.argv.includes('promisc')).map((c) => c.argv.slice(3).join(' '));
  assert.deepEqual(promisc, ['link set cbr0 promisc on', 'link set cbr0 promisc on'], 'one per node');
});

test('pod -> its own Service: the promiscuous bridge routes its copy back, TTL 63, and FORWARD drops it as INVALID', () => {
  const t = walk(engine, toOwnService(0));
  assert.equal(t.disposition, 'DROPPED');
  assert.equal(t.hops.length, 1, 'nothing leaves the host towards the pod: the only link is the pod sending');
  const kinds = t.final.map((s) => s.kind);
  const bridge = t.final.find((s) => s.kind === 'bridge');
  assert.deepEqual(bridge, { kind: 'bridge', bridge: 'cbr0', inPort: PORT, outPort: PORT, decision: 'fdb' });
  assert.ok(kinds.indexOf('nat') < kinds.indexOf('bridge'), 'the DNAT in the bridge, then the bridge decision');
  // The copy is routed (TTL 64 -> 63) only after the bridge declined to hairpin it.
  const ttl = t.final.find((s) => s.kind === 'ttl');
  assert.deepEqual(ttl, { kind: 'ttl', from: 64, to: 63 });
  assert.ok(kinds.lastIndexOf('route') > kinds.indexOf('bridge') && kinds.indexOf('ttl') > kinds.indexOf('bridge'));
  assert.match(notes(t.final), /hairpin mode is off on veth24d07f86 \| cbr0 is promiscuous: it also passes the frame up to its own stack/);
  assert.match(notes(t.final), /ctstate INVALID: kube-proxy's KUBE-FORWARD drops it/);
  // No FORWARD or POSTROUTING rule ran for the bridged frame, and nat never saw the copy.
  const hooks = t.final.flatMap((s) => (s.kind === 'netfilter' ? [`${s.table}/${s.chain}`] : []));
  assert.deepEqual([...new Set(hooks.filter((h) => /\/(FORWARD|POSTROUTING|KUBE-POSTROUTING|KUBE-FORWARD)$/.test(h)))], []);
  assert.ok(!t.final.some((s) => s.kind === 'nat' && s.type === 'MASQUERADE'));
  assert.ok(!t.final.some((s) => s.kind === 'deliver'));
});

test('the same bridge not promiscuous: the hairpin check is the end, no copy is routed', () => {
  const dp = engine.dataplane;
  const host = dp.namespace(nodeNetnsId(NODE))!;
  const plain = { ...host, devices: host.devices.map((d) => (d.kind === 'bridge' ? { ...d, promisc: false } : d)) };
  const e: Engine = { ...engine, dataplane: { ...dp, namespace: (id: string) => (id === host.id ? plain : dp.namespace(id)) } as Engine['dataplane'] };
  const t = walk(e, toOwnService(0));
  assert.equal(t.disposition, 'DROPPED');
  assert.match(notes(t.final), /hairpin mode is off on veth24d07f86$/);
  assert.ok(!t.final.some((s) => s.kind === 'ttl'));
});

test('the other endpoint is unaffected: routed to the other node and delivered', () => {
  const t = walk(engine, toOwnService(1));
  assert.equal(t.disposition, 'DELIVERED');
  assert.ok(!notes(t.hops.flatMap((h) => h.steps)).includes('promiscuous'));
});
