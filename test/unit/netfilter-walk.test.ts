/**
 * Netfilter in the walk, on seed 002's services: the hook evaluates the same rule text the rule
 * view prints, and each step names table, chain, rule and line.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { renderRestore } from '../../src/engine/proxy';
import type { FlowKey, NetfilterInput } from '../../src/engine/trace/hooks';
import type { NetfilterStep, Step } from '../../src/engine/trace/types';
import { endpoint, port, seed002, service, slice } from '../fixtures/proxy/build';

const topo = seed002(
  [
    service('default', 'empty', '10.43.0.99', [port('http', 80)]),
    service('default', 'local-only', '10.43.0.77', [port('http', 80, { nodePort: 30077 })], { type: 'NodePort', externalTrafficPolicy: 'Local' }),
  ],
  [slice('default', 'local-only', [endpoint('10.42.1.7', { nodeName: 'node1' })], [{ name: 'http', port: 8080 }])],
);
const hook = createNetfilterHook(topo);

function input(node: string, hook: NetfilterInput['hook'], flow: FlowKey, extra: Partial<NetfilterInput> = {}): NetfilterInput {
  const local = new Set(topo.nodes.filter((n) => n.name === node).map((n) => n.address));
  return { node, hook, flow, mark: 0, newConnection: true, isLocalAddress: (a) => local.has(a), ...extra };
}

const chains = (steps: readonly Step[]): string[] => steps.filter((s): s is NetfilterStep => s.kind === 'netfilter').map((s) => `${s.chain}:${s.verdict}`);

test('seed 002: two KUBE-SEP chains at probability 0.5 that DNAT to the two pods', () => {
  const text = renderRestore(topo, 'node1');
  const seps = text.split('\n').filter((l) => /^:KUBE-SEP-/.test(l));
  assert.equal(seps.length, 2 + 1, 'two for nginx-test-service, one for local-only');
  assert.match(text, /-m statistic --mode random --probability 0\.5000000000 -j KUBE-SEP-/);
  assert.match(text, /-j DNAT --to-destination 10\.42\.1\.6:80\n/);
  assert.match(text, /-j DNAT --to-destination 10\.42\.2\.6:80\n/);
});

test('a pod reaching the ClusterIP is DNATed by its KUBE-SEP rule, which the step names with its line', () => {
  const flow: FlowKey = { src: '10.42.1.5', dst: '10.43.6.58', proto: 'tcp', sport: 40000, dport: 80 };
  const r = hook.run(input('node1', 'PREROUTING', flow));
  assert.equal(r.verdict, 'ACCEPT');
  assert.deepEqual(r.flow, { ...flow, dst: '10.42.1.6', dport: 80 });
  assert.equal(r.mark, 0, 'pod traffic is not marked for masquerade');
  const nf = r.steps.filter((s): s is NetfilterStep => s.kind === 'netfilter');
  assert.deepEqual(nf.map((s) => s.chain.replace(/-[A-Z2-7]{16}$/, '-*')), ['PREROUTING', 'KUBE-SERVICES', 'KUBE-SVC-*', 'KUBE-SEP-*']);
  const lines = renderRestore(topo, 'node1').split('\n');
  for (const s of nf.slice(1)) assert.equal(lines[s.line! - 1], s.rule, 'the line points at the rule text');
  assert.equal(nf[0]!.line, undefined, 'the PREROUTING jump is installed outside the payload');
  const pick = nf[2]!;
  assert.equal(pick.alternatives?.length, 2);
  assert.deepEqual(pick.alternatives!.map((a) => a.probability), [0.5, 0.5]);
  const nat = r.steps.find((s) => s.kind === 'nat');
  assert.deepEqual(nat, { kind: 'nat', type: 'DNAT', changes: { dst: ['10.43.6.58:80', '10.42.1.6:80'] } });
});

test('--endpoint 1 follows the second endpoint; a seed picks reproducibly', () => {
  const flow: FlowKey = { src: '10.42.1.5', dst: '10.43.6.58', proto: 'tcp', sport: 40000, dport: 80 };
  assert.equal(hook.run(input('node1', 'PREROUTING', flow, { endpointIndex: 1 })).flow.dst, '10.42.2.6');
  const a = hook.run(input('node1', 'PREROUTING', flow, { endpointSeed: 7 })).flow.dst;
  assert.equal(hook.run(input('node1', 'PREROUTING', flow, { endpointSeed: 7 })).flow.dst, a);
});

test('NodePort from an external host: NODEPORTS → EXT → MARK-MASQ → SVC → SEP, then MASQUERADE on the way out', () => {
  const flow: FlowKey = { src: '192.168.205.100', dst: '192.168.205.5', proto: 'tcp', sport: 50000, dport: 32506 };
  const pre = hook.run(input('node2', 'PREROUTING', flow));
  const path = chains(pre.steps).map((c) => c.replace(/-[A-Z2-7]{16}:/, '-*:').replace(/jump KUBE-(SVC|SEP|EXT)-[A-Z2-7]{16}/, 'jump KUBE-$1-*'));
  assert.deepEqual(path, [
    'PREROUTING:jump KUBE-SERVICES',
    'KUBE-SERVICES:jump KUBE-NODEPORTS',
    'KUBE-NODEPORTS:jump KUBE-EXT-*',
    'KUBE-EXT-*:jump KUBE-MARK-MASQ',
    'KUBE-MARK-MASQ:MARK',
    'KUBE-EXT-*:jump KUBE-SVC-*',
    'KUBE-SVC-*:jump KUBE-SEP-*',
    'KUBE-SEP-*:DNAT',
  ]);
  assert.equal(pre.mark, 0x4000);
  assert.equal(pre.flow.dst, '10.42.1.6');
  const fwd = hook.run(input('node2', 'FORWARD', pre.flow, { mark: pre.mark, conntrackDnat: true }));
  assert.equal(fwd.verdict, 'ACCEPT');
  assert.ok(chains(fwd.steps).includes('KUBE-FORWARD:ACCEPT'), 'the masquerade mark is what lets it be forwarded');
  const post = hook.run(input('node2', 'POSTROUTING', fwd.flow, { mark: fwd.mark, outDevice: 'flannel.1', outDeviceAddress: '10.42.2.0' }));
  assert.deepEqual(post.flow, { ...pre.flow, src: '10.42.2.0' });
  assert.equal(post.mark, 0, 'KUBE-POSTROUTING clears the mark with --xor-mark');
  assert.deepEqual(post.steps.find((s) => s.kind === 'nat'), { kind: 'nat', type: 'MASQUERADE', changes: { src: ['192.168.205.100:50000', '10.42.2.0:50000'] } });
});

test('a service without endpoints is REJECTED in filter KUBE-SERVICES', () => {
  const flow: FlowKey = { src: '10.42.1.5', dst: '10.43.0.99', proto: 'tcp', sport: 40000, dport: 80 };
  const pre = hook.run(input('node1', 'PREROUTING', flow));
  assert.deepEqual(pre.flow, flow, 'no DNAT: nat has no chain for it');
  const fwd = hook.run(input('node1', 'FORWARD', flow));
  assert.equal(fwd.verdict, 'REJECT');
  assert.equal(fwd.rejectWith, 'icmp-port-unreachable');
  const last = fwd.steps.at(-1) as NetfilterStep;
  assert.equal(last.table, 'filter');
  assert.match(last.rule, /"default\/empty:http has no endpoints"/);
});

test('externalTrafficPolicy Local: dropped on a node without local endpoints, client IP kept where there is one', () => {
  const flow2: FlowKey = { src: '192.168.205.100', dst: '192.168.205.5', proto: 'tcp', sport: 50000, dport: 30077 };
  const pre2 = hook.run(input('node2', 'PREROUTING', flow2));
  assert.deepEqual(pre2.flow, flow2, 'no local endpoint on node2: no DNAT');
  const in2 = hook.run(input('node2', 'INPUT', pre2.flow, { mark: pre2.mark }));
  assert.equal(in2.verdict, 'DROP');
  assert.match((in2.steps.at(-1) as NetfilterStep).rule, /KUBE-EXTERNAL-SERVICES .*has no local endpoints/);

  const flow1: FlowKey = { ...flow2, dst: '192.168.205.3' };
  const pre1 = hook.run(input('node1', 'PREROUTING', flow1));
  assert.equal(pre1.flow.dst, '10.42.1.7');
  assert.equal(pre1.flow.dport, 8080);
  assert.equal(pre1.mark, 0, 'not marked: the client address survives');
  assert.ok(chains(pre1.steps).some((c) => c.startsWith('KUBE-SVL-')));
});
