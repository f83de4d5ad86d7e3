/**
 * br_netfilter on frames a bridge forwards between two pods of one node, no NAT involved: with
 * bridge-nf-call-iptables=1 the kernel runs nat PREROUTING (as the frame enters, before the FDB
 * decides), filter FORWARD and nat POSTROUTING, all with the bridge as in and out device, never
 * INPUT, TTL and MACs unchanged (docs/kernel-facts.md, "Netfilter on the bridge").
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { createEngine, tryTraceFlow, type TraceRequest } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { renderTrace } from '../../src/engine/render/trace';
import type { NetfilterHook } from '../../src/engine/trace/hooks';
import type { Hop, Ipv4Header, Trace } from '../../src/engine/trace/types';
import { validateTrace } from '../../src/engine/trace/validate';
import { matchBaseline } from '../harness/baseline';

const root = path.join(__dirname, '..', '..', '..');

function load(relative: string, edit: (text: string) => string = (t) => t): Topology {
  const file = path.join(root, relative);
  const result = loadTopology({ path: file, text: edit(readFileSync(file, 'utf8')) }, nodeHost);
  assert.ok(result.value, `${relative} loads`);
  return result.value;
}

const seed000 = load('samples/seed000-flannel-vxlan.yaml');
const sameNode: TraceRequest = { from: 'pod/kube-system/coredns-7bdc4cb885-6kzwr', to: 'pod/kube-system/coredns-7bdc4cb885-g5n5w', proto: 'tcp', port: 53, sport: 41053 };

function walk(t: Topology, request: TraceRequest): Trace {
  const r = tryTraceFlow(createEngine(t), request);
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

/** `table/chain` of each netfilter step, in order, with the bridge decision where it falls. */
const order = (h: Hop): string[] => h.steps.flatMap((s) => (s.kind === 'netfilter' ? [`${s.table}/${s.chain}`] : s.kind === 'bridge' ? ['bridge'] : []));
const ip = (h: Hop): Ipv4Header => h.headers.find((x): x is Ipv4Header => x.layer === 'ipv4')!;

test('same-node pod -> pod over cni0: nat PREROUTING, the FDB, filter FORWARD (FLANNEL-FWD accepts), nat POSTROUTING; TTL 64', () => {
  const t = walk(seed000, sameNode);
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(validateTrace(t), []);
  assert.equal(t.hops.length, 2);
  const bridged = t.hops[1]!;
  assert.deepEqual([bridged.netns, bridged.in, bridged.out], ['host', 'vethdbf287e9', 'vetha014dbae']);
  assert.equal(ip(bridged).ttl, 64);
  assert.ok(!bridged.steps.some((s) => s.kind === 'ttl' || s.kind === 'route' || s.kind === 'nat'), 'bridged: no routing, no TTL decrement, no NAT');
  const seen = order(bridged);
  const at = (x: string) => seen.indexOf(x);
  assert.ok(at('nat/PREROUTING') >= 0 && at('nat/PREROUTING') < at('bridge'), 'PREROUTING runs before the FDB decision');
  assert.ok(at('bridge') < at('filter/FORWARD') && seen.lastIndexOf('filter/FLANNEL-FWD') < at('nat/POSTROUTING'), 'then FORWARD, then POSTROUTING');
  assert.ok(!seen.some((c) => c.endsWith('/INPUT')), 'never INPUT');
  const accept = bridged.steps.find((s) => s.kind === 'netfilter' && s.verdict === 'ACCEPT');
  assert.ok(accept?.kind === 'netfilter' && accept.rule.startsWith('-A FLANNEL-FWD -s 10.244.0.0/16'), "flannel's forward rule accepts the new connection");
  // The reply is bridged the same way; conntrack has it ESTABLISHED, so KUBE-FORWARD accepts and nat is skipped.
  const reply = t.reply!.hops[1]!;
  const replyAccept = reply.steps.find((s) => s.kind === 'netfilter' && s.verdict === 'ACCEPT');
  assert.ok(replyAccept?.kind === 'netfilter' && /--ctstate RELATED,ESTABLISHED -j ACCEPT/.test(replyAccept.rule));
  assert.ok(!order(reply).some((c) => c.startsWith('nat/')), 'the reply meets no nat table');
});

test('the hooks see the bridge as in and out device, and a FORWARD DROP ends the walk on the bridge', () => {
  // kube-proxy's and flannel's rules never drop this flow; a hook that does shows the walk obeys it.
  const seen: string[] = [];
  const dropForward: NetfilterHook = {
    run(input) {
      seen.push(`${input.hook} in=${input.inDevice ?? '-'} out=${input.outDevice ?? '-'}`);
      const drop = input.hook === 'FORWARD';
      return { verdict: drop ? 'DROP' : 'ACCEPT', flow: input.flow, mark: input.mark, steps: [] };
    },
  };
  const r = tryTraceFlow(createEngine(seed000, { netfilter: dropForward }), sameNode);
  assert.ok(r.ok);
  const t = r.value.trace;
  assert.equal(t.disposition, 'DROPPED');
  assert.equal(t.hops.length, 1, 'nothing reaches the other pod');
  // The pod's own OUTPUT/POSTROUTING run in its namespace, where the stand-in has no rules to see.
  assert.deepEqual(seen.filter((x) => !x.startsWith('OUTPUT')), ['PREROUTING in=cni0 out=-', 'FORWARD in=cni0 out=cni0']);
});

test('golden: flannel same-node pod-to-pod through br_netfilter', () => {
  const text = renderTrace(walk(seed000, sameNode), 'flannel vxlan, same node (br_netfilter)');
  matchBaseline('walk/flannel-same-node.trace.txt', text);
});
