/**
 * IPVS mode on seed 002: kube-ipvs0 holds the ClusterIP, the virtual server schedules onto both
 * pods, the ipsets carry what ipvs mode's few iptables rules match, and the walk goes PREROUTING →
 * INPUT (the address is local on kube-ipvs0) → IPVS.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { buildIpvs, renderIpsetList, renderIpvsadm, renderRestore } from '../../src/engine/proxy';
import type { FlowKey, NetfilterInput } from '../../src/engine/trace/hooks';
import { matchBaseline } from '../harness/baseline';
import { endpoint, seed002, service, slice } from '../fixtures/proxy/build';

const topo = seed002([service('default', 'sticky', '10.43.0.20', [{ name: 'http', protocol: 'TCP', port: 8080, targetPort: 8080 }], { sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 600 })], [], { mode: 'ipvs', ipvsScheduler: 'lc' });
const node2 = topo.nodes.find((n) => n.name === 'node2')!;

test('ipvsadm -Ln: one virtual server per address and port, both pods as Masq real servers of weight 1', () => {
  const text = renderIpvsadm(buildIpvs(topo, node2));
  assert.match(text, /^TCP  10\.43\.6\.58:80 lc\n {2}-> 10\.42\.1\.6:80 +Masq {4}1 {6}0 {10}0 {9}\n {2}-> 10\.42\.2\.6:80 /m);
  assert.match(text, /^TCP  192\.168\.205\.5:32506 lc$/m, 'the NodePort on the node address');
  assert.match(text, /^TCP  10\.43\.0\.20:8080 lc persistent 600$/m, 'ClientIP affinity is persistence');
  const services = text.split('\n').filter((l) => /^(TCP|UDP|SCTP) /.test(l));
  assert.deepEqual(services, ['TCP  192.168.205.5:32506 lc', 'TCP  10.43.0.20:8080 lc persistent 600', 'TCP  10.43.6.58:80 lc'],
    'ipvsadm subtracts addresses into an int: 192.168.205.5 sorts before 10.43.x, more than 2^31 below it');
  matchBaseline('proxy/ipvs-seed002-node2.ipvsadm', text);
});

test('ipset list and the ipvs-mode payload', () => {
  const state = buildIpvs(topo, node2);
  assert.deepEqual(state.dummyAddresses, ['10.43.0.20', '10.43.6.58']);
  assert.deepEqual(state.ipsets.get('KUBE-CLUSTER-IP')!.entries, ['10.43.0.20,tcp:8080', '10.43.6.58,tcp:80']);
  assert.deepEqual(state.ipsets.get('KUBE-NODE-PORT-TCP')!.entries, ['32506']);
  assert.deepEqual(state.ipsets.get('KUBE-LOOP-BACK')!.entries, ['10.42.2.6,tcp:80,10.42.2.6'], 'only the local endpoint hairpins here');
  matchBaseline('proxy/ipvs-seed002-node2.ipset', renderIpsetList(state));
  const rules = renderRestore(topo, 'node2');
  assert.match(rules, /-A KUBE-SERVICES -m comment --comment "Kubernetes service cluster ip \+ port for masquerade purpose" -m set --match-set KUBE-CLUSTER-IP dst,dst ! -s 10\.42\.0\.0\/16 -j KUBE-MARK-MASQ/);
  assert.match(rules, /-A KUBE-NODE-PORT -p tcp -m comment --comment "Kubernetes nodeport TCP port for masquerade purpose" -m set --match-set KUBE-NODE-PORT-TCP dst -j KUBE-MARK-MASQ/);
  assert.doesNotMatch(rules, /KUBE-SVC-|KUBE-SEP-/, 'no per-service chains in ipvs mode');
  assert.equal(rules.split('\n').find((l) => l.startsWith('-A KUBE-SERVICES ')), '-A KUBE-SERVICES -s 127.0.0.0/8 -j RETURN', 'localhost is dismissed first');
  matchBaseline('proxy/ipvs-seed002-node2.rules', rules);
});

test('the walk: PREROUTING accepts via the ipset, INPUT hands the packet to IPVS which picks a real server', () => {
  const hook = createNetfilterHook(topo);
  const local = new Set(['192.168.205.5', '10.43.6.58', '10.43.0.20']);
  const base = (hookName: NetfilterInput['hook'], flow: FlowKey, extra: Partial<NetfilterInput> = {}): NetfilterInput => ({ node: 'node2', hook: hookName, flow, mark: 0, newConnection: true, isLocalAddress: (a) => local.has(a), ...extra });
  const flow: FlowKey = { src: '10.42.2.5', dst: '10.43.6.58', proto: 'tcp', sport: 40000, dport: 80 };
  const pre = hook.run(base('PREROUTING', flow));
  assert.deepEqual(pre.flow, flow, 'no DNAT in PREROUTING in ipvs mode');
  assert.ok(pre.steps.some((s) => s.kind === 'netfilter' && s.verdict === 'ACCEPT' && /KUBE-CLUSTER-IP dst,dst -j ACCEPT/.test(s.rule)));
  const input = hook.run(base('INPUT', flow, { endpointIndex: 1 }));
  const ipvsStep = input.steps.find((s) => s.kind === 'ipvs');
  assert.deepEqual(ipvsStep, { kind: 'ipvs', service: 'TCP  10.43.6.58:80 lc', realServer: '10.42.2.6:80', scheduler: 'lc', alternatives: [{ realServer: '10.42.1.6:80', weight: 1 }, { realServer: '10.42.2.6:80', weight: 1 }] });
  assert.equal(input.flow.dst, '10.42.2.6');
});

test('ipvsadm -Ln lines: SCTP keeps the two spaces, real servers sort by address as numbers, ports numerically', () => {
  const t = seed002([service('default', 'sctp', '10.43.0.30', [{ name: 's', protocol: 'SCTP', port: 9, targetPort: 9 }]), service('kube-system', 'dns', '10.43.0.10', [{ name: 'dns', protocol: 'UDP', port: 53, targetPort: 53 }])],
    [slice('default', 'sctp', [endpoint('10.42.10.2'), endpoint('10.42.9.3'), endpoint('10.42.1.6')], [{ name: 's', port: 9, protocol: 'SCTP' }])], { mode: 'ipvs' });
  const text = renderIpvsadm(buildIpvs(t, t.nodes[0]!));
  const lines = text.split('\n');
  const at = lines.indexOf('SCTP  10.43.0.30:9 rr');
  assert.ok(at > 0, text);
  assert.deepEqual(lines.slice(at + 1, at + 4).map((l) => l.slice(5, 33).trim()), ['10.42.1.6:9', '10.42.9.3:9', '10.42.10.2:9']);
  assert.equal(lines[at - 1], 'UDP  10.43.0.10:53 rr', 'TCP, then UDP, then SCTP: by protocol number');
});
