/**
 * Upstream kube-proxy v1.31 proxier_test.go cases restated as topology files under
 * test/fixtures/proxy/ and loaded by the real loader. TestOverallIPTablesRules states its payload,
 * compared byte for byte; TestClusterIPGeneral and TestLoadBalancer state packet flows (which
 * endpoints a packet can reach, whether it is masqueraded, or DROP), replayed here through the
 * walk's netfilter stage over the generated rules (test/fixtures/proxy/flow.ts).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Topology } from '../../src/engine/model/types';
import { renderRestore, upstreamTestEnvironment } from '../../src/engine/proxy';
import type { FlowKey } from '../../src/engine/trace/hooks';
import { upstreamBaseline } from '../harness/baseline';
import { packetFlow, type Outcome } from '../fixtures/proxy/flow';
import { loadProxyFixture as load } from '../fixtures/proxy/load';

test('TestOverallIPTablesRules from overall.yaml: upstream\'s exact payload', () => {
  assert.equal(renderRestore(load('overall.yaml'), 'test-node', upstreamTestEnvironment), upstreamBaseline('proxy/upstream-overall.rules'));
});

test('TestClusterIPGeneral from cluster-ip-general.yaml: upstream\'s packet flows', () => {
  const topo = load('cluster-ip-general.yaml');
  const cases: [string, string, string, number, FlowKey['proto'], Outcome][] = [
    ['simple clusterIP', '10.180.0.2', '172.30.0.41', 80, 'tcp', { output: '10.180.0.1:80', masq: false }],
    ['hairpin to cluster IP', '10.180.0.1', '172.30.0.41', 80, 'tcp', { output: '10.180.0.1:80', masq: true }],
    ['clusterIP with multiple endpoints', '10.180.0.2', '172.30.0.42', 80, 'tcp', { output: '10.180.0.1:80, 10.180.2.1:80', masq: false }],
    ['clusterIP with TargetPort', '10.180.0.2', '172.30.0.42', 443, 'tcp', { output: '10.180.0.1:8443, 10.180.2.1:8443', masq: false }],
    ['TCP, UDP and SCTP on one port (TCP)', '10.180.0.2', '172.30.0.42', 53, 'tcp', { output: '10.180.0.1:5353, 10.180.2.1:5353', masq: false }],
    ['TCP, UDP and SCTP on one port (UDP)', '10.180.0.2', '172.30.0.42', 53, 'udp', { output: '10.180.0.1:53, 10.180.2.1:53', masq: false }],
    ['TCP, UDP and SCTP on one port (SCTP)', '10.180.0.2', '172.30.0.42', 53, 'sctp', { output: '10.180.0.1:53, 10.180.2.1:53', masq: false }],
    ['TCP-only port does not match UDP traffic', '10.180.0.2', '172.30.0.42', 80, 'udp', { output: '' }],
    ["svc1 does not accept svc2's ports", '10.180.0.2', '172.30.0.41', 443, 'tcp', { output: '' }],
  ];
  for (const [name, src, dst, port, proto, expected] of cases) assert.deepEqual(packetFlow(topo, src, dst, port, proto), expected, name);
});

test('TestLoadBalancer from load-balancer.yaml: source ranges, the node\'s implicit allowance, NodePort bypass', () => {
  const topo = load('load-balancer.yaml');
  assert.deepEqual(topo.services[0]!.loadBalancerSourceRanges, ['192.168.0.0/24', '203.0.113.0/25'], 'the range written " 203.0.113.0/25" is trimmed, as kube-proxy trims it');
  const ep = { output: '10.180.0.1:80', masq: true };
  const client = '203.0.113.2', blocked = '203.0.113.130', nodeIP = '192.168.0.2';
  const cases: [string, string, string, number, Outcome][] = [
    ['pod to cluster IP', '10.0.0.2', '172.30.0.41', 80, { output: '10.180.0.1:80', masq: false }],
    ['external to nodePort', client, nodeIP, 3001, ep],
    ['nodePort bypasses LoadBalancerSourceRanges', blocked, nodeIP, 3001, ep],
    ['accepted external to LB1', client, '1.2.3.4', 80, ep],
    ['accepted external to LB2', client, '5.6.7.8', 80, ep],
    ['blocked external to LB1', blocked, '1.2.3.4', 80, { output: 'DROP' }],
    ['blocked external to LB2', blocked, '5.6.7.8', 80, { output: 'DROP' }],
    ['pod to LB1 (blocked by LoadBalancerSourceRanges)', '10.0.0.2', '1.2.3.4', 80, { output: 'DROP' }],
    ['pod to LB2 (blocked by LoadBalancerSourceRanges)', '10.0.0.2', '5.6.7.8', 80, { output: 'DROP' }],
    ['node to LB1 (allowed by LoadBalancerSourceRanges)', nodeIP, '1.2.3.4', 80, ep],
    ['node to LB2 (allowed by LoadBalancerSourceRanges)', nodeIP, '5.6.7.8', 80, ep],
    ['same node to LB1, SNATted to LB1 (implicitly allowed)', '1.2.3.4', '1.2.3.4', 80, ep],
    ['same node to LB2, SNATted to LB2 (implicitly allowed)', '5.6.7.8', '5.6.7.8', 80, ep],
  ];
  for (const [name, src, dst, port, expected] of cases) assert.deepEqual(packetFlow(topo, src, dst, port), expected, name);
});

test('TestNodePorts from node-ports.yaml: localhost NodePorts, --nodeport-addresses and KUBE-FIREWALL', () => {
  const loaded = load('node-ports.yaml');
  const output = '10.180.0.1:80, 10.180.2.1:80';
  const firewall = '-A KUBE-FIREWALL -m comment --comment "block incoming localnet connections" -d 127.0.0.0/8 ! -s 127.0.0.0/8 -m conntrack ! --ctstate RELATED,ESTABLISHED,DNAT -j DROP';
  const cases = [
    { name: 'localhost-nodeports enabled', localhostNodePorts: true, nodePortAddresses: [], localhost: true, altNodeIP: true, expectFirewall: true },
    { name: 'localhost-nodeports disabled', localhostNodePorts: false, nodePortAddresses: [], localhost: false, altNodeIP: true, expectFirewall: false },
    { name: 'disabled, localhost in nodeport-addresses', localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '127.0.0.1/32'], localhost: false, altNodeIP: false, expectFirewall: false },
    { name: 'multiple nodeport-addresses', localhostNodePorts: false, nodePortAddresses: ['192.168.0.0/24', '192.168.1.0/24', '2001:db8::/64'], localhost: false, altNodeIP: true, expectFirewall: false },
  ];
  for (const c of cases) {
    const topo: Topology = { ...loaded, cluster: { ...loaded.cluster, kubeProxy: { ...loaded.cluster.kubeProxy, localhostNodePorts: c.localhostNodePorts, nodePortAddresses: c.nodePortAddresses } } };
    assert.deepEqual(packetFlow(topo, '10.0.0.2', '172.30.0.41', 80), { output, masq: false }, `${c.name}: pod to cluster IP`);
    assert.deepEqual(packetFlow(topo, '203.0.113.2', '192.168.0.2', 3001), { output, masq: true }, `${c.name}: external to nodePort`);
    assert.deepEqual(packetFlow(topo, '192.168.0.2', '192.168.0.2', 3001), { output, masq: true }, `${c.name}: node to nodePort`);
    assert.deepEqual(packetFlow(topo, '127.0.0.1', '127.0.0.1', 3001), c.localhost ? { output, masq: true } : { output: '' }, `${c.name}: localhost to nodePort`);
    assert.deepEqual(packetFlow(topo, '203.0.113.2', '192.168.1.2', 3001), c.altNodeIP ? { output, masq: true } : { output: '' }, `${c.name}: secondary node IP`);
    const rules = renderRestore(topo, 'test-node', upstreamTestEnvironment).split('\n').filter((l) => l.startsWith('-A KUBE-FIREWALL '));
    assert.deepEqual(rules, c.expectFirewall ? [firewall] : [], `${c.name}: KUBE-FIREWALL`);
  }
});
