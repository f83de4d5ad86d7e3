/**
 * More of upstream's v1.31 ipvs proxier_test.go, each restated as a topology file under
 * test/fixtures/proxy/ipvs-*.yaml and loaded by the real loader: the virtual and real servers,
 * ipset entries and per-chain rules (target and set matched, as upstream's checkIptables sees
 * them) its expectations state. `ipvsadm -Ln` of each is a golden baseline besides.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Topology } from '../../src/engine/model/types';
import { buildIpvs, renderIpvsadm, restoreLines, type IpvsState } from '../../src/engine/proxy';
import { matchBaseline } from '../harness/baseline';
import { chain } from '../fixtures/proxy/chains';
import { loadProxyFixture as load } from '../fixtures/proxy/load';

function stateOf(topo: Topology): IpvsState {
  return buildIpvs(topo, topo.nodes.find((n) => n.name === 'test-node')!);
}

/** `IP:port` of each virtual server, and its real servers. */
function servers(state: IpvsState): Record<string, string[]> {
  return Object.fromEntries(state.virtualServers.map((v) => [`${v.protocol} ${v.ip}:${v.port}`, v.realServers.map((r) => `${r.ip}:${r.port}`)]));
}

test('TestLoadBalancer: two virtual servers, the address in KUBE-LOAD-BALANCER, KUBE-SERVICES in order', () => {
  const topo = load('ipvs-load-balancer.yaml');
  const state = stateOf(topo);
  assert.deepEqual(servers(state), { 'TCP 1.2.3.4:80': [], 'TCP 10.20.30.41:80': [] }, 'no node address, no NodePort server; the UDP slice port serves no TCP port');
  assert.deepEqual(state.ipsets.get('KUBE-LOAD-BALANCER')!.entries, ['1.2.3.4,tcp:80']);
  const lines = restoreLines(topo, 'test-node');
  assert.deepEqual(chain(lines, 'KUBE-SERVICES'), ['RETURN 127.0.0.0/8', 'KUBE-LOAD-BALANCER KUBE-LOAD-BALANCER', 'KUBE-MARK-MASQ KUBE-CLUSTER-IP', 'KUBE-NODE-PORT', 'ACCEPT KUBE-CLUSTER-IP', 'ACCEPT KUBE-LOAD-BALANCER']);
  assert.deepEqual(chain(lines, 'KUBE-LOAD-BALANCER'), ['KUBE-MARK-MASQ']);
  matchBaseline('proxy/ipvs-upstream-load-balancer.ipvsadm', renderIpvsadm(state));
});

test('TestOnlyLocalNodePorts: the NodePort server holds only the local endpoint; both NodePort sets hold the port', () => {
  const topo = load('ipvs-only-local-nodeports.yaml');
  const state = stateOf(topo);
  assert.deepEqual(servers(state), { 'TCP 100.101.102.103:3001': ['10.180.0.1:80'], 'TCP 10.20.30.41:80': ['10.180.0.1:80', '10.180.1.1:80'] });
  assert.deepEqual(state.ipsets.get('KUBE-NODE-PORT-TCP')!.entries, ['3001']);
  assert.deepEqual(state.ipsets.get('KUBE-NODE-PORT-LOCAL-TCP')!.entries, ['3001']);
  const lines = restoreLines(topo, 'test-node');
  assert.deepEqual(chain(lines, 'KUBE-SERVICES'), ['RETURN 127.0.0.0/8', 'KUBE-MARK-MASQ KUBE-CLUSTER-IP', 'KUBE-NODE-PORT', 'ACCEPT KUBE-CLUSTER-IP']);
  assert.deepEqual(chain(lines, 'KUBE-NODE-PORT'), ['RETURN KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-MARK-MASQ KUBE-NODE-PORT-TCP', 'ACCEPT KUBE-HEALTH-CHECK-NODE-PORT'], 'nat\'s two rules, then filter\'s');
  matchBaseline('proxy/ipvs-upstream-only-local-nodeports.ipvsadm', renderIpvsadm(state));
});

test('TestHealthCheckNodePort: only the Local services\' health check ports are in the set', () => {
  const topo = load('ipvs-health-check-nodeport.yaml');
  const state = stateOf(topo);
  assert.deepEqual(state.ipsets.get('KUBE-HEALTH-CHECK-NODE-PORT')!.entries, ['30000', '30001']);
  const lines = restoreLines(topo, 'test-node');
  assert.deepEqual(chain(lines, 'KUBE-NODE-PORT'), ['RETURN KUBE-NODE-PORT-LOCAL-TCP', 'KUBE-MARK-MASQ KUBE-NODE-PORT-TCP', 'ACCEPT KUBE-HEALTH-CHECK-NODE-PORT']);
  assert.deepEqual(state.ipsets.get('KUBE-NODE-PORT-LOCAL-TCP')!.entries, ['3000', '3001'], 'the Cluster-policy service\'s port is not local');
});

test('TestOnlyLocalExternalIPs: three virtual servers; the external ones hold only the local endpoint', () => {
  const topo = load('ipvs-only-local-external-ips.yaml');
  const state = stateOf(topo);
  assert.deepEqual(servers(state), { 'TCP 10.20.30.41:80': ['10.180.0.1:80', '10.180.1.1:80'], 'TCP 50.60.70.81:80': ['10.180.0.1:80'], 'TCP 127.0.0.1:80': ['10.180.0.1:80'] });
  assert.deepEqual(state.ipsets.get('KUBE-EXTERNAL-IP-LOCAL')!.entries, ['127.0.0.1,tcp:80', '50.60.70.81,tcp:80']);
  assert.deepEqual(state.ipsets.get('KUBE-EXTERNAL-IP')!.entries, []);
  matchBaseline('proxy/ipvs-upstream-only-local-external-ips.ipvsadm', renderIpvsadm(state));
});

test('TestClusterIPNoEndpoint: one virtual server, no real servers', () => {
  const state = stateOf(load('ipvs-cluster-ip-no-endpoint.yaml'));
  assert.deepEqual(servers(state), { 'TCP 10.20.30.41:80': [] });
  assert.deepEqual(state.dummyAddresses, ['10.20.30.41'], 'still bound to kube-ipvs0');
});
