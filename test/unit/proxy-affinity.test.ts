/**
 * Service session affinity (ClientIP) as kube-proxy v1.31 writes it, from upstream's own cases:
 * in iptables mode TestOverallIPTablesRules' svc5 (the one affinity service upstream's iptables
 * tests state rules for), in IPVS mode TestSessionAffinity. Then the walk over those rules: a first
 * connection passes the `--rcheck` rules (no recent entry yet) and its DNAT rule `--set`s one.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { buildIpvs, renderIpvsadm, renderRestore, renderSave, restoreLines, upstreamTestEnvironment } from '../../src/engine/proxy';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import type { FlowKey } from '../../src/engine/trace/hooks';
import type { NetfilterStep } from '../../src/engine/trace/types';
import { upstreamBaseline } from '../harness/baseline';
import { loadProxyFixture as load } from '../fixtures/proxy/load';
import { loadTopologyFile } from '../fixtures/load';

/** svc5's chains: its service, endpoint, external and firewall chains. */
const SVC5 = /NUKIZ6OKUXPJNT4C|I77PXRDZVX7PMWMN|ns5\/svc5/;

test('TestOverallIPTablesRules svc5: every affinity line and every other svc5 line as upstream states them', () => {
  const ours = renderRestore(load('overall.yaml'), 'test-node', upstreamTestEnvironment).split('\n').filter((l) => SVC5.test(l));
  const upstream = upstreamBaseline('proxy/upstream-overall.rules').split('\n').filter((l) => SVC5.test(l));
  assert.equal(ours.join('\n'), upstream.join('\n'));
  // The two lines ClientIP affinity adds, as upstream's expected payload spells them.
  assert.ok(ours.includes('-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --rcheck --seconds 10800 --reap -j KUBE-SEP-I77PXRDZVX7PMWMN'));
  assert.ok(ours.includes('-A KUBE-SEP-I77PXRDZVX7PMWMN -m comment --comment ns5/svc5:p80 -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set -m tcp -p tcp -j DNAT --to-destination 10.180.0.3:80'));
});

test('iptables-save spells recent as libxt_recent saves it: the mode, --seconds, --reap, then --name, --mask and --rsource', () => {
  const save = renderSave(load('overall.yaml'), 'test-node').split('\n');
  assert.ok(save.includes('-A KUBE-SVC-NUKIZ6OKUXPJNT4C -m comment --comment "ns5/svc5:p80 -> 10.180.0.3:80" -m recent --rcheck --seconds 10800 --reap --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -j KUBE-SEP-I77PXRDZVX7PMWMN'));
  assert.ok(save.includes('-A KUBE-SEP-I77PXRDZVX7PMWMN -p tcp -m comment --comment "ns5/svc5:p80" -m recent --set --name KUBE-SEP-I77PXRDZVX7PMWMN --mask 255.255.255.255 --rsource -m tcp -j DNAT --to-destination 10.180.0.3:80'));
});

test('several endpoints: every --rcheck rule first, in endpoint order, then the statistic rules (writeServiceToEndpointRules)', () => {
  const lines = restoreLines(loadTopologyFile('samples/kube-proxy-features.yaml'), 'master');
  const svc = lines.filter((l) => l.startsWith('-A KUBE-SVC-') && l.includes('"default/web-sticky:http -> '));
  assert.deepEqual(svc.map((l) => / -m (recent|statistic) /.exec(l)?.[1] ?? 'last'), ['recent', 'recent', 'statistic', 'last']);
  const seps = svc.slice(0, 2).map((l) => / -j (KUBE-SEP-\S+)$/.exec(l)![1]!);
  assert.deepEqual(svc.slice(2).map((l) => / -j (KUBE-SEP-\S+)$/.exec(l)![1]), seps, 'the balancing rules jump to the endpoints in the same order');
  for (const sep of seps) {
    assert.match(svc.find((l) => l.endsWith(`-j ${sep}`))!, new RegExp(` -m recent --name ${sep} --rcheck --seconds 10800 --reap -j ${sep}$`), 'each --rcheck checks its own endpoint chain\'s list');
    assert.equal(lines.filter((l) => l.startsWith(`-A ${sep} `) && l.includes(` -m recent --name ${sep} --set -m tcp -p tcp -j DNAT `)).length, 1, `${sep} sets its own list`);
  }
});

test('TestSessionAffinity (IPVS): every virtual server is persistent with the 10800 s timeout; ipvsadm prints it', () => {
  const topo = load('ipvs-session-affinity.yaml');
  const state = buildIpvs(topo, topo.nodes[0]!);
  assert.deepEqual(state.virtualServers.map((v) => `${v.kind} ${v.ip}:${v.port} ${v.persistenceSeconds}`), ['clusterIP 10.20.30.41:80 10800', 'externalIP 50.60.70.81:80 10800', 'nodePort 100.101.102.103:3001 10800']);
  assert.equal(renderIpvsadm(state), [
    'IP Virtual Server version 1.2.1 (size=4096)',
    'Prot LocalAddress:Port Scheduler Flags',
    '  -> RemoteAddress:Port           Forward Weight ActiveConn InActConn',
    'TCP  10.20.30.41:80 rr persistent 10800',
    'TCP  50.60.70.81:80 rr persistent 10800',
    'TCP  100.101.102.103:3001 rr persistent 10800',
    '',
  ].join('\n'));
  assert.deepEqual(state.ipsets.get('KUBE-CLUSTER-IP')!.entries, ['10.20.30.41,tcp:80']);
  assert.deepEqual(state.ipsets.get('KUBE-EXTERNAL-IP')!.entries, ['50.60.70.81,tcp:80']);
  assert.deepEqual(state.ipsets.get('KUBE-NODE-PORT-TCP')!.entries, ['3001']);
  assert.deepEqual(state.dummyAddresses, ['10.20.30.41', '50.60.70.81'], 'the node address is not bound to kube-ipvs0');
});

test('a service without affinity has no persistence: ipvsadm prints the scheduler alone', () => {
  const topo = load('ipvs-cluster-ip-no-endpoint.yaml');
  const state = buildIpvs(topo, topo.nodes[0]!);
  assert.equal(state.virtualServers[0]!.persistenceSeconds, undefined);
  assert.match(renderIpvsadm(state), /\nTCP {2}10\.20\.30\.41:80 rr\n$/);
});

/** The netfilter steps of a run, as `chain: verdict` with the rule's line. */
function netfilterSteps(steps: readonly { kind: string }[]): NetfilterStep[] {
  return steps.filter((s): s is NetfilterStep => s.kind === 'netfilter');
}

test('walk, TestOverallIPTablesRules svc5: a first connection passes the --rcheck rule and its DNAT rule --sets the list', () => {
  const topo = load('overall.yaml');
  const flow: FlowKey = { src: '10.0.0.2', dst: '172.30.0.45', proto: 'tcp', sport: 40000, dport: 80 };
  const result = createNetfilterHook(topo).run({ node: 'test-node', hook: 'PREROUTING', flow, mark: 0, newConnection: true, isLocalAddress: () => false });
  assert.equal(result.flow.dst, '10.180.0.3');
  const steps = netfilterSteps(result.steps).filter((s) => s.chain !== 'PREROUTING' && s.chain !== 'KUBE-SERVICES');
  assert.deepEqual(steps.map((s) => `${s.chain}: ${s.verdict}`), [
    'KUBE-SVC-NUKIZ6OKUXPJNT4C: no match: recent list KUBE-SEP-I77PXRDZVX7PMWMN holds no entry for 10.0.0.2 yet (first connection)',
    'KUBE-SVC-NUKIZ6OKUXPJNT4C: jump KUBE-SEP-I77PXRDZVX7PMWMN',
    'KUBE-SEP-I77PXRDZVX7PMWMN: DNAT (recent --set: 10.0.0.2 recorded in list KUBE-SEP-I77PXRDZVX7PMWMN)',
  ]);
  // Each step's line is the line `rules` prints that rule on: the hit lines hold both.
  const printed = restoreLines(topo, 'test-node');
  for (const s of steps) assert.equal(printed[s.line! - 1], s.rule, `line ${s.line}`);
  assert.match(steps[0]!.rule, / --rcheck --seconds 10800 --reap /);
  assert.match(steps[2]!.rule, / -m recent --name KUBE-SEP-I77PXRDZVX7PMWMN --set /);
});

test('walk, the kube-proxy-features sample: the hop to web-sticky shows both --rcheck rules, the pick and the --set, each on its printed line', () => {
  const topo = loadTopologyFile('samples/kube-proxy-features.yaml');
  const r = tryTraceFlow(createEngine(topo), { from: 'pod/default/client', to: 'svc/default/web-sticky:80' });
  assert.ok(r.ok, r.ok ? '' : r.error);
  // The hop whose nat PREROUTING picks the endpoint: master's host namespace, as the packet leaves the client pod.
  const hop = r.value.trace.hops.find((h) => netfilterSteps(h.steps).some((s) => s.chain.startsWith('KUBE-SVC-')))!;
  assert.equal(`${hop.node} ${hop.netns}`, 'master host');
  const steps = netfilterSteps(hop.steps).filter((s) => /^KUBE-(SVC|SEP)-/.test(s.chain));
  assert.deepEqual(steps.map((s) => s.verdict.replace(/KUBE-SEP-\w+/g, 'SEP')), [
    'no match: recent list SEP holds no entry for 10.42.0.2 yet (first connection)',
    'no match: recent list SEP holds no entry for 10.42.0.2 yet (first connection)',
    'jump SEP',
    'DNAT (recent --set: 10.42.0.2 recorded in list SEP)',
  ]);
  const printed = restoreLines(topo, hop.node);
  for (const s of steps) assert.equal(printed[s.line! - 1], s.rule, `line ${s.line}`);
  assert.equal(new Set(steps.map((s) => s.line)).size, 4, 'four hit lines');
});

test('walk, IPVS: the scheduling step names the persistent virtual server as ipvsadm prints it', () => {
  const topo = load('ipvs-session-affinity.yaml');
  const result = createNetfilterHook(topo).run({ node: 'test-node', hook: 'INPUT', flow: { src: '10.1.2.3', dst: '10.20.30.41', proto: 'tcp', sport: 40000, dport: 80 }, mark: 0, newConnection: true, isLocalAddress: () => true });
  assert.equal(result.verdict, 'REJECT', 'no real servers');
  assert.ok(result.steps.some((s) => s.kind === 'note' && s.text.startsWith('IPVS service TCP  10.20.30.41:80 rr persistent 10800 has no real servers')));
});
