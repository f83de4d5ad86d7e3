/**
 * kubenet's promiscuous cbr0 and a pod reaching itself through its Service (hairpin off), as seen
 * on the kernel with kube-proxy's rules (docs/kernel-facts.md, "Bridged DNAT and hairpin"): the
 * bridged frame is not sent back out the pod's port; the copy the promiscuous bridge passes up to
 * its own stack loses its conntrack entry, is routed back towards cbr0 with its TTL decremented, and
 * dies in FORWARD on kube-proxy's `--ctstate INVALID` rule, quoted with its line as `rules` prints
 * it. The pod never receives it, MASQUERADEd or not.
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
import { renderRestore } from '../../src/engine/proxy';
import type { NetfilterInput } from '../../src/engine/trace/hooks';
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

/** The steps after the promiscuous bridge's note: what happens to its copy. */
function copySteps(steps: readonly Step[]): readonly Step[] {
  const at = steps.findIndex((s) => s.kind === 'note' && s.text.startsWith('cbr0 is promiscuous'));
  assert.ok(at >= 0, 'the walk follows the promiscuous copy');
  return steps.slice(at + 1);
}

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
  // No FORWARD or POSTROUTING rule ran for the bridged frame.
  const copy = copySteps(t.final);
  const bridged = t.final.slice(0, t.final.length - copy.length);
  const chains = (steps: readonly Step[]): string[] => steps.flatMap((s) => (s.kind === 'netfilter' ? [`${s.table}/${s.chain}`] : []));
  assert.deepEqual(chains(bridged).filter((h) => /\/(FORWARD|POSTROUTING|KUBE-POSTROUTING|KUBE-FORWARD)$/.test(h)), []);
  // The copy meets filter FORWARD, and kube-proxy's INVALID rule, as `rules` prints it, drops it: nat never sees it.
  assert.deepEqual(chains(copy), ['filter/FORWARD', 'filter/KUBE-FORWARD']);
  const drop = t.final[t.final.length - 1]!;
  assert.equal(drop.kind, 'netfilter');
  if (drop.kind !== 'netfilter') return;
  const printed = renderRestore(topology, NODE).split('\n');
  const invalid = printed.findIndex((l) => l.startsWith('-A KUBE-FORWARD ') && l.includes('--ctstate INVALID'));
  assert.ok(invalid >= 0, 'kube-proxy writes the INVALID drop');
  assert.deepEqual({ table: drop.table, chain: drop.chain, rule: drop.rule, line: drop.line, verdict: drop.verdict }, { table: 'filter', chain: 'KUBE-FORWARD', rule: printed[invalid], line: invalid + 1, verdict: 'DROP' });
  assert.equal(drop.rule, '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP');
  assert.ok(!t.final.some((s) => s.kind === 'nat' && s.type === 'MASQUERADE'));
  assert.ok(!t.final.some((s) => s.kind === 'deliver'));
});

test('where FORWARD lets the copy through, nat still never sees it, and the pod drops it as a martian', () => {
  // As on a node whose kube-proxy writes no INVALID drop (nf_conntrack_tcp_be_liberal set): FORWARD
  // accepts the copy; everything else is the node's own rules.
  const seen: NetfilterInput[] = [];
  const netfilter = {
    run: (input: NetfilterInput) => {
      seen.push(input);
      return input.noConntrackEntry && input.hook === 'FORWARD' ? { verdict: 'ACCEPT' as const, flow: input.flow, mark: input.mark, steps: [] } : engine.netfilter.run(input);
    },
  };
  const t = walk({ ...engine, netfilter }, toOwnService(0));
  assert.deepEqual(seen.filter((i) => i.noConntrackEntry).map((i) => `${i.hook} -i ${i.inDevice} -o ${i.outDevice}`), ['FORWARD -i cbr0 -o cbr0', 'POSTROUTING -i cbr0 -o cbr0']);
  // The copy still carries KUBE-MARK-MASQ's 0x4000, so only nat being skipped keeps MASQUERADE away.
  assert.equal(seen.find((i) => i.noConntrackEntry && i.hook === 'POSTROUTING')!.mark & 0x4000, 0x4000);
  assert.ok(!t.hops.flatMap((h) => [...h.steps]).concat(t.final).some((s) => s.kind === 'nat' && s.type === 'MASQUERADE'));
  // Seen on the kernel without the INVALID rule: from cbr0's MAC, TTL 63, its own address as source; unanswered.
  assert.equal(t.disposition, 'DROPPED');
  // The host sends it out cbr0 (a link on the bridge device), and cbr0 switches it to web-0's port.
  assert.deepEqual(t.hops.map((h) => `${h.in ?? ''}>${h.out}`), ['>eth0', 'cbr0>cbr0', `cbr0>${PORT}`]);
  const [eth, ip] = t.hops[2]!.headers;
  assert.deepEqual([eth?.layer === 'eth' && eth.src, eth?.layer === 'eth' && eth.dst], ['aa:87:07:34:dd:2b', '0a:58:0a:f4:00:02']);
  assert.deepEqual([ip?.layer === 'ipv4' && ip.src, ip?.layer === 'ipv4' && ip.dst, ip?.layer === 'ipv4' && ip.ttl], ['10.244.0.2', '10.244.0.2', 63]);
  assert.match(notes(t.final), /10\.244\.0\.2 is pod\/default\/web-0's own address: the copy arrives with a martian source/);
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
