/**
 * Upstream's ipvs proxier_test.go TestLoadBalancerSourceRanges restated as a topology file and
 * loaded by the real loader: its expected ipset entries and the order of the rules it expects per
 * chain, plus what writeIptablesRules adds that the test does not look at (KUBE-IPVS-FILTER,
 * KUBE-IPVS-OUT-FILTER, KUBE-IPVS-IPS) and the walk over them.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { buildIpvs, renderIpsetList, renderSave, restoreLines } from '../../src/engine/proxy';
import type { FlowKey, NetfilterInput } from '../../src/engine/trace/hooks';
import { chain } from '../fixtures/proxy/chains';
import { loadProxyFixture as load } from '../fixtures/proxy/load';

const topo = load('ipvs-lb-source-ranges.yaml');
const node = topo.nodes[0]!;

test('TestLoadBalancerSourceRanges: ipset entries and virtual servers', () => {
  const state = buildIpvs(topo, node);
  const entries = (set: string) => state.ipsets.get(set)!.entries;
  assert.deepEqual(entries('KUBE-LOAD-BALANCER'), ['1.2.3.4,tcp:80']);
  assert.deepEqual(entries('KUBE-LOAD-BALANCER-FW'), ['1.2.3.4,tcp:80']);
  assert.deepEqual(entries('KUBE-LOAD-BALANCER-SOURCE-CIDR'), ['1.2.3.4,tcp:80,10.0.0.0/8']);
  assert.deepEqual(entries('KUBE-LOAD-BALANCER-SOURCE-IP'), [], 'the node address is in no source range');
  assert.deepEqual(entries('KUBE-IPVS-IPS'), ['1.2.3.4', '10.20.30.41'], 'the addresses bound to kube-ipvs0');
  const lb = state.virtualServers.find((v) => v.ip === '1.2.3.4')!;
  assert.deepEqual(lb.realServers.map((r) => `${r.ip}:${r.port}`), ['10.180.0.1:80']);
});

test('TestLoadBalancerSourceRanges: the rules of each chain in upstream\'s order, nat before filter', () => {
  const lines = restoreLines(topo, node.name);
  assert.ok(lines.indexOf('*nat') < lines.indexOf('*filter'), 'kube-proxy writes natChains, natRules, filterChains, filterRules');
  assert.deepEqual(chain(lines, 'KUBE-SERVICES'), ['RETURN 127.0.0.0/8', 'KUBE-LOAD-BALANCER KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ KUBE-CLUSTER-IP', 'KUBE-NODE-PORT', 'ACCEPT KUBE-CLUSTER-IP', 'ACCEPT KUBE-LOAD-BALANCER']);
  assert.deepEqual(chain(lines, 'KUBE-PROXY-FIREWALL'), ['KUBE-SOURCE-RANGES-FIREWALL KUBE-LOAD-BALANCER-FW']);
  assert.deepEqual(chain(lines, 'KUBE-SOURCE-RANGES-FIREWALL'), ['RETURN KUBE-LOAD-BALANCER-SOURCE-CIDR', 'DROP']);
  assert.deepEqual(lines.filter((l) => l.startsWith('-A KUBE-IPVS-OUT-FILTER ')), ['-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP']);
  assert.deepEqual(chain(lines, 'KUBE-IPVS-FILTER'), ['RETURN KUBE-LOAD-BALANCER', 'RETURN KUBE-CLUSTER-IP', 'RETURN KUBE-EXTERNAL-IP', 'RETURN KUBE-EXTERNAL-IP-LOCAL', 'RETURN KUBE-HEALTH-CHECK-NODE-PORT', 'REJECT KUBE-IPVS-IPS']);
  assert.equal(lines.at(-2), '-A KUBE-IPVS-FILTER -m conntrack --ctstate NEW -m set --match-set KUBE-IPVS-IPS dst -j REJECT');
  const save = renderSave(topo, node.name);
  const input = save.split('\n').filter((l) => l.startsWith('-A INPUT '));
  assert.deepEqual(input.map((l) => / -j (\S+)$/.exec(l)![1]), ['KUBE-IPVS-FILTER', 'KUBE-PROXY-FIREWALL', 'KUBE-NODE-PORT'], 'prepended in list order, so the last listed comes first');
  assert.ok(save.includes('-A OUTPUT -m comment --comment "kubernetes ipvs access filter" -j KUBE-IPVS-OUT-FILTER'));
});

test('ipset list: kernel layout without comments, references counted from the rules', () => {
  const text = renderIpsetList(buildIpvs(topo, node));
  const block = (name: string) => text.split('\n\n').find((b) => b.startsWith(`Name: ${name}\n`))!;
  assert.match(block('KUBE-LOAD-BALANCER'), /^Name: KUBE-LOAD-BALANCER\nType: hash:ip,port\nRevision: 7\nHeader: family inet hashsize 1024 maxelem 65536 bucketsize 12 initval 0x[0-9a-f]{8}\nSize in memory: 264\nReferences: 3\nNumber of entries: 1\nMembers:\n1\.2\.3\.4,tcp:80$/);
  assert.match(block('KUBE-NODE-PORT-TCP'), /^Name: KUBE-NODE-PORT-TCP\nType: bitmap:port\nRevision: 3\nHeader: range 0-65535\nSize in memory: 8264\nReferences: 1\nNumber of entries: 1\nMembers:\n3001$/);
  assert.match(block('KUBE-IPVS-IPS'), /Type: hash:ip\nRevision: 6\n[^]*References: 1\nNumber of entries: 2\nMembers:\n1\.2\.3\.4\n10\.20\.30\.41\n$/);
  assert.doesNotMatch(text, /comment/);
});

test('the walk meets KUBE-IPVS-FILTER: a service port passes, another port on a service address is rejected', () => {
  const hook = createNetfilterHook(topo);
  const local = new Set(['100.101.102.103', '10.20.30.41', '1.2.3.4']);
  const input = (flow: FlowKey): NetfilterInput => ({ node: 'test-node', hook: 'INPUT', flow, mark: 0, newConnection: true, isLocalAddress: (a) => local.has(a) });
  const ok = hook.run(input({ src: '10.1.2.3', dst: '1.2.3.4', proto: 'tcp', sport: 40000, dport: 80 }));
  assert.ok(ok.steps.some((s) => s.kind === 'netfilter' && s.chain === 'KUBE-IPVS-FILTER' && s.verdict === 'RETURN'));
  assert.equal(ok.flow.dst, '10.180.0.1', 'IPVS scheduled it after the filter table');
  const ssh = hook.run(input({ src: '10.1.2.3', dst: '10.20.30.41', proto: 'tcp', sport: 40000, dport: 22 }));
  assert.equal(ssh.verdict, 'REJECT');
  assert.ok(ssh.steps.some((s) => s.kind === 'netfilter' && /KUBE-IPVS-IPS dst -j REJECT/.test(s.rule)));
  const nodePort = hook.run(input({ src: '10.1.2.3', dst: '100.101.102.103', proto: 'tcp', sport: 40000, dport: 3001 }));
  assert.equal(nodePort.verdict, 'ACCEPT', 'the node address is not on kube-ipvs0');
  assert.equal(nodePort.flow.dst, '10.180.0.1');
});
