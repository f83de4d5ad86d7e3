/**
 * The lab's judgement, pure: a predicted hop against captured packets (fields the kernel picks at
 * random are not compared, everything else is), the outcome seen on the sender's link, the
 * generated trace set, iptables-save against the rendering, and the report text.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { FIRST_SPORT, LAST_SPORT, firstSourcePort, labCases, sourcePortsFrom } from '../../src/engine/lab/cases';
import { bestMatch, compareStacks } from '../../src/engine/lab/compare';
import { observedOutcome, predictedOutcome, renderText, runVerdict, traceMatches, traceVerdict, type TraceReport } from '../../src/engine/lab/report';
import { diffSave } from '../../src/engine/lab/saveDiff';
import { parseTcpdump } from '../../src/engine/lab/tcpdump';
import type { Header, HeaderStack, Hop, Trace } from '../../src/engine/trace/types';
import { loadTopology } from '../../src/engine/model/load';
import { nodeHost } from '../../src/cli/nodeHost';

const fixture = (name: string): string => readFileSync(path.resolve(__dirname, '../../../test/fixtures/lab', name), 'utf8');
const vxlan = parseTcpdump(fixture('vxlan-otv.txt'))[0]!.headers;

/** The walk's prediction for that packet: the outer source port is the kernel's hash, so any in range. */
const predicted: HeaderStack = [
  { layer: 'eth', src: '52:54:00:00:00:04', dst: '52:54:00:00:00:03', type: 'IPv4' },
  { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 64, proto: 'udp', length: 110, df: false, tos: 0 },
  { layer: 'udp', sport: 49152, dport: 8472, length: 90 },
  { layer: 'vxlan', vni: 1 },
  { layer: 'eth', src: 'da:9c:a4:98:1e:f3', dst: '4e:84:fa:17:43:c4', type: 'IPv4' },
  { layer: 'ipv4', src: '10.42.0.65', dst: '10.42.1.9', ttl: 63, proto: 'tcp', length: 60, df: true, tos: 0 },
  { layer: 'tcp', sport: 40001, dport: 8080, flags: 'S' },
];

const flip = (i: number, field: string, value: unknown): HeaderStack => predicted.map((h, j) => (j === i ? ({ ...h, [field]: value } as Header) : h));

test('the prediction matches the capture; the VXLAN source port only has to lie in the ephemeral range', () => {
  assert.deepEqual(compareStacks(predicted, vxlan), []);
  const outOfRange = vxlan.map((h, i) => (i === 2 ? { ...h, sport: 1234 } : h)) as HeaderStack;
  assert.deepEqual(compareStacks(predicted, outOfRange), [{ field: 'headers[2].sport', predicted: '32768-60999', captured: '1234' }]);
});

test('every flipped field is caught, named with its place in the stack', () => {
  const cases: [number, string, unknown][] = [
    [0, 'src', '52:54:00:00:00:05'], [0, 'dst', '52:54:00:00:00:05'], [1, 'ttl', 63], [1, 'df', true], [1, 'length', 111], [1, 'dst', '192.168.205.5'],
    [2, 'dport', 4789], [3, 'vni', 2], [4, 'src', '62:c8:a9:ce:ca:4e'], [5, 'ttl', 64], [5, 'src', '10.42.0.66'], [5, 'tos', 0xc0], [6, 'dport', 80], [6, 'sport', 40002], [6, 'flags', 'S.'],
  ];
  for (const [i, field, value] of cases) {
    const diffs = compareStacks(flip(i, field, value), vxlan);
    assert.equal(diffs.length, 1, `${i}.${field}`);
    assert.equal(diffs[0]!.field, `headers[${i}].${field}`);
    assert.equal(diffs[0]!.captured, String((vxlan[i] as unknown as Record<string, unknown>)[field]));
  }
});

test('a different header shape is one "layers" difference; a skipped field is not compared', () => {
  assert.deepEqual(compareStacks(predicted.slice(4), vxlan), [{ field: 'layers', predicted: 'eth,ipv4,tcp', captured: 'eth,ipv4,udp,vxlan,eth,ipv4,tcp' }]);
  assert.deepEqual(compareStacks(flip(6, 'sport', 55555), vxlan, { skip: new Set(['tcp.sport']) }), []);
});

test('bestMatch picks the matching packet among others on the link, and says when nothing was captured', () => {
  const packets = parseTcpdump(fixture('vxlan-otv.txt')).map((p) => p.headers);
  const m = bestMatch(predicted, packets);
  assert.equal(m.captured, packets[0]);
  assert.deepEqual(m.differences, []);
  assert.deepEqual(bestMatch(predicted, []).differences, [{ field: 'packet', predicted: 'eth,ipv4,udp,vxlan,eth,ipv4,tcp', captured: 'nothing captured' }]);
});

test("the outcome on the sender's link: an ICMP error is a reject with its code, a SYN-ACK an answer, silence no answer", () => {
  const reject = parseTcpdump(fixture('reject.txt'));
  assert.equal(observedOutcome(reject, '10.42.0.65'), 'rejected (icmp unreachable code 3)');
  assert.equal(observedOutcome(reject.slice(0, 1), '10.42.0.65'), 'no answer');
  assert.equal(observedOutcome(parseTcpdump(fixture('vxlan-otv.txt')), '10.42.0.65'), 'answered');
  assert.equal(observedOutcome(parseTcpdump(fixture('vxlan-otv.txt')), '10.42.0.66'), 'no answer', 'answers to someone else do not count');
});

test('the predicted outcome follows the disposition and the REJECT rule; UDP predicts nothing', () => {
  const hop: Hop = { node: 'master', netns: 'pod/default/a', ref: { kind: 'pod', node: 'master', namespace: 'default', name: 'a' }, out: 'eth0', headers: predicted.slice(4), steps: [] };
  const rejected: Trace = { disposition: 'REJECTED', hops: [hop], final: [{ kind: 'netfilter', table: 'filter', chain: 'KUBE-SERVICES', rule: '-A KUBE-SERVICES -d 10.43.0.99/32 -p tcp -j REJECT --reject-with icmp-host-unreachable', verdict: 'REJECT' }] };
  assert.equal(predictedOutcome(rejected), 'rejected (icmp unreachable code 1)');
  assert.equal(predictedOutcome({ ...rejected, final: [] }), 'rejected (icmp unreachable code 3)', "kube-proxy's default reject");
  assert.equal(predictedOutcome({ disposition: 'DELIVERED', hops: [hop], final: [] }), 'answered');
  assert.equal(predictedOutcome({ disposition: 'DROPPED', hops: [hop], final: [] }), 'no answer');
  const udpHop = { ...hop, headers: [predicted[4]!, { ...(predicted[5] as Extract<Header, { layer: 'ipv4' }>), proto: 'udp' as const }, { layer: 'udp' as const, sport: 1, dport: 53, length: 10 }] };
  assert.equal(predictedOutcome({ disposition: 'DELIVERED', hops: [udpHop], final: [] }), undefined);
});

test('a report matches only when every hop and the outcome do; the text shows both stacks side by side', () => {
  const ok: TraceReport = { label: 'pod/default/a -> pod/default/b:9000', kind: 'cross-node pod-to-pod', disposition: 'DELIVERED', hops: [{ hop: 0, where: 'master host enp0s1', predicted, captured: vxlan, differences: [] }], outcome: { predicted: 'answered', observed: 'answered' } };
  const bad: TraceReport = { ...ok, hops: [{ ...ok.hops[0]!, differences: compareStacks(flip(5, 'ttl', 62), vxlan) }] };
  assert.equal(traceMatches(ok), true);
  assert.equal(traceMatches(bad), false);
  assert.equal(traceMatches({ ...ok, outcome: { predicted: 'answered', observed: 'no answer' } }), false);
  const text = renderText([ok, bad]);
  assert.match(text, /^MATCH {2}cross-node pod-to-pod: pod\/default\/a -> pod\/default\/b:9000 {2}DELIVERED$/m);
  assert.match(text, /hop 0 master host enp0s1: headers\[5\]\.ttl predicted 62, captured 63/);
  assert.match(text, /ipv4 10\.42\.0\.65 > 10\.42\.1\.9 ttl 63 len 60 DF +\| ipv4 10\.42\.0\.65 > 10\.42\.1\.9 ttl 63 len 60 DF/);
  assert.match(text, /vxlan vni 1 +\| vxlan vni 1/);
  assert.match(text, /2 traces, 2 hops: 1 differ\n$/);
});

test("iptables-save against the rendering: comments, counters and the CNI's own lines aside, order and text must agree", () => {
  const rendered = '*nat\n:PREROUTING ACCEPT [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -d 10.43.0.1/32 -j KUBE-SVC-A\n-A KUBE-SERVICES -d 10.43.0.2/32 -j KUBE-SVC-B\nCOMMIT\n';
  const kernel = '# Generated by iptables-save v1.8.9\n*nat\n:PREROUTING ACCEPT [12:720]\n:FLANNEL-POSTRTG - [0:0]\n:KUBE-SERVICES - [0:0]\n-A PREROUTING -j KUBE-SERVICES\n-A KUBE-SERVICES -d 10.43.0.1/32 -j KUBE-SVC-A\n-A KUBE-SERVICES -d 10.43.0.2/32 -j KUBE-SVC-B\n-A POSTROUTING -j FLANNEL-POSTRTG\nCOMMIT\n# Completed\n';
  const ignore = { rules: new Set(['-A POSTROUTING -j FLANNEL-POSTRTG']), chains: new Set(['FLANNEL-POSTRTG']) };
  assert.deepEqual(diffSave(rendered, kernel, ignore), []);
  assert.deepEqual(diffSave(rendered, kernel).map((d) => `${d.kind} ${d.line}`), ['unexpected :FLANNEL-POSTRTG - [0:0]', 'unexpected -A POSTROUTING -j FLANNEL-POSTRTG']);
  const swapped = kernel.replace('10.43.0.1/32 -j KUBE-SVC-A\n-A KUBE-SERVICES -d 10.43.0.2/32 -j KUBE-SVC-B', '10.43.0.2/32 -j KUBE-SVC-B\n-A KUBE-SERVICES -d 10.43.0.1/32 -j KUBE-SVC-A');
  assert.equal(diffSave(rendered, swapped, ignore).length, 2, 'two rules out of order: one missing, one unexpected');
});

test('the generated trace set covers every path kind of seed 002, each with its own source port', () => {
  const file = path.resolve(__dirname, '../../../samples/seed002-flannel-vxlan.yaml');
  const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!;
  const cases = labCases(topology);
  assert.deepEqual([...new Set(cases.map((c) => c.kind))], ['cross-node pod-to-pod', 'pod-to-node', 'node-to-pod', 'pod-to-ClusterIP', 'pod-to-external', 'external-to-NodePort']);
  assert.equal(cases.filter((c) => c.kind === 'external-to-NodePort').length, topology.nodes.length, 'a NodePort trace per node');
  assert.equal(new Set(cases.map((c) => c.request.sport)).size, cases.length);
});

test('a reply hop that differs fails the trace, and the text shows reply hops beside the request', () => {
  const hop = { hop: 0, where: 'master pod/default/a eth0', predicted, captured: vxlan, differences: [] };
  const ok: TraceReport = { label: 'a -> b', disposition: 'DELIVERED', hops: [hop], reply: [{ ...hop, where: 'node1 pod/default/b eth0' }] };
  assert.equal(traceMatches(ok), true);
  const bad: TraceReport = { ...ok, reply: [{ ...hop, differences: [{ field: 'headers[1].ttl', predicted: '63', captured: '62' }] }] };
  assert.equal(traceMatches(bad), false, 'a reply difference is a difference');
  const text = renderText([bad]);
  assert.match(text, /reply hop 0 master pod\/default\/a eth0: headers\[1\]\.ttl predicted 63, captured 62/);
  assert.match(text, /1 trace, 2 hops: 1 differ/);
});

test('a probe that could not be sent is neither a match nor a difference, and the run says so apart from both', () => {
  const hop = { hop: 0, where: 'master pod/default/a eth0', predicted, captured: vxlan, differences: [] };
  const ok: TraceReport = { label: 'a -> b', disposition: 'DELIVERED', hops: [hop] };
  const bad: TraceReport = { ...ok, hops: [{ ...hop, differences: [{ field: 'headers[1].ttl', predicted: '63', captured: '62' }] }] };
  const unsent: TraceReport = { label: 'a -> c', disposition: 'DELIVERED', hops: [], unsent: 'nc: bind failed: Address already in use' };
  assert.deepEqual([ok, bad, unsent].map(traceVerdict), ['match', 'differ', 'could not send']);
  assert.equal(traceMatches(unsent), false);
  assert.equal(runVerdict(['match', 'could not send']), 'could not send');
  assert.equal(runVerdict(['could not send', 'differ']), 'differ', 'a difference among the probes sent still stands');
  assert.equal(runVerdict(['match', 'match']), 'match');
  const text = renderText([ok, unsent]);
  assert.match(text, /^NOT SENT {2}a -> c {2}DELIVERED\n {2}could not send: nc: bind failed: Address already in use$/m);
  assert.doesNotMatch(text, /DIFFER/);
  assert.match(text, /2 traces, 1 hops: 1 could not be sent\n$/);
});

test("each run's probes take the ports after the last run's, starting over below the top of the ephemeral range", () => {
  assert.equal(firstSourcePort(undefined, 8), FIRST_SPORT, 'a lab that has sent nothing starts at the first port');
  assert.equal(firstSourcePort(40009, 8), 40009);
  assert.equal(firstSourcePort(LAST_SPORT - 6, 8), FIRST_SPORT, 'a run that would pass the top starts over');
  assert.equal(firstSourcePort(LAST_SPORT - 7, 8), LAST_SPORT - 7, 'one that ends on the top does not');
  const cases = [{ label: 'a', request: { from: 'pod/default/a', to: 'pod/default/b', sport: 40001 } }, { label: 'b', request: { from: 'pod/default/a', to: 'pod/default/c' } }];
  assert.deepEqual(sourcePortsFrom(cases, 40101).map((c) => c.request.sport), [40101, 40102]);
});
