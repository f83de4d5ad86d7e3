/**
 * More of upstream kube-proxy v1.31's proxier_test.go. Cases that state packet flows are replayed
 * through the walk's netfilter stage with upstream's tracer rules (test/fixtures/proxy/flow.ts);
 * cases that state a payload or single chains are compared byte for byte. Inputs are upstream's
 * fake node and objects, restated as Topology values or topology files.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Endpoint, KubeProxyConfig, Service, ServicePort, Topology } from '../../src/engine/model/types';
import { renderRestore, upstreamTestEnvironment, type ProxyEnvironment } from '../../src/engine/proxy';
import { upstreamBaseline } from '../harness/baseline';
import { endpoint, port, service, slice, upstreamCluster } from '../fixtures/proxy/build';
import { packetFlow, type Outcome } from '../fixtures/proxy/flow';
import { loadProxyFixture as load } from '../fixtures/proxy/load';

const nodeIP = '192.168.0.2';
const client = '203.0.113.2';

type Flow = [name: string, src: string, dst: string, port: number, expected: Outcome];

function runFlows(topo: Topology, flows: readonly Flow[], label = ''): void {
  for (const [name, src, dst, dport, expected] of flows) {
    const got = packetFlow(topo, src, dst, dport);
    assert.equal(got.output, expected.output, `${label}${name}`);
    // Upstream leaves masq false where no endpoint is reached; the tracer here reports none there.
    if (got.masq !== undefined) assert.equal(got.masq, expected.masq ?? false, `${label}${name}: masquerade`);
  }
}

/** One port `p80`, and the service as upstream's makeTestService builds it. */
const p80 = (extra: Partial<ServicePort> = {}): ServicePort => port('p80', 80, extra);
const unnamed80 = (): ServicePort => port('', 80);

/** `ep(ip)` with no node, `ep(ip, node)`, and the EndpointConditions upstream spells out. */
function ep(ip: string, nodeName?: string, conditions?: { ready: boolean; serving: boolean; terminating: boolean }): Endpoint {
  return endpoint(ip, { ...(nodeName !== undefined ? { nodeName } : {}), ...(conditions ?? {}) });
}

test('TestNoEndpointsReject: ClusterIP, external IP, NodePort and LoadBalancer IP all REJECT', () => {
  const topo = upstreamCluster([service('ns1', 'svc1', '172.30.0.41', [p80({ nodePort: 3001 })], { type: 'LoadBalancer', externalIPs: ['192.168.99.11'], loadBalancerIPs: ['1.2.3.4'] })], []);
  const reject = { output: 'REJECT' };
  runFlows(topo, [
    ['pod to cluster IP with no endpoints', '10.0.0.2', '172.30.0.41', 80, reject],
    ['external to external IP with no endpoints', client, '192.168.99.11', 80, reject],
    ['pod to NodePort with no endpoints', '10.0.0.2', nodeIP, 3001, reject],
    ['external to NodePort with no endpoints', client, nodeIP, 3001, reject],
    ['pod to LoadBalancer IP with no endpoints', '10.0.0.2', '1.2.3.4', 80, reject],
    ['external to LoadBalancer IP with no endpoints', client, '1.2.3.4', 80, reject],
  ]);
});

test('TestHealthCheckNodePort: KUBE-NODEPORTS accepts the health check port, and only while the service exists', () => {
  const svc = service('ns1', 'svc1', '172.30.0.42', [p80({ nodePort: 3001 })], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', healthCheckNodePort: 30000 });
  const kp = { nodePortAddresses: ['127.0.0.0/8'] };
  runFlows(upstreamCluster([svc], [], kp), [['firewall accepts HealthCheckNodePort', '1.2.3.4', nodeIP, 30000, { output: 'ACCEPT', masq: false }]]);
  runFlows(upstreamCluster([], [], kp), [['HealthCheckNodePort no longer has any rule', '1.2.3.4', nodeIP, 30000, { output: '' }]]);
});

/** The service of TestExternalTrafficPolicyLocal and …Cluster: LoadBalancer with an external IP, two endpoints, one local. */
function trafficPolicyCluster(policy: 'Local' | 'Cluster'): Topology {
  const svc = service('ns1', 'svc1', '172.30.0.41', [p80({ nodePort: 3001 })], {
    type: 'LoadBalancer', externalTrafficPolicy: policy, externalIPs: ['192.168.99.11'], loadBalancerIPs: ['1.2.3.4'],
    ...(policy === 'Local' ? { healthCheckNodePort: 30000 } : {}),
  });
  return upstreamCluster([svc], [slice('ns1', 'svc1', [ep('10.180.0.1'), ep('10.180.2.1', 'test-node')], [{ name: 'p80', port: 80 }])]);
}

test('TestExternalTrafficPolicyLocal: external sources reach only the local endpoint, unmasqueraded; pods reach both', () => {
  const both = { output: '10.180.0.1:80, 10.180.2.1:80', masq: false };
  const local = { output: '10.180.2.1:80', masq: false };
  runFlows(trafficPolicyCluster('Local'), [
    ['pod to cluster IP hits both endpoints, unmasqueraded', '10.0.0.2', '172.30.0.41', 80, both],
    ['pod to external IP hits both endpoints, unmasqueraded', '10.0.0.2', '192.168.99.11', 80, both],
    ['external to external IP hits only local endpoint, unmasqueraded', client, '192.168.99.11', 80, local],
    ['pod to LB IP hits only both endpoints, unmasqueraded', '10.0.0.2', '1.2.3.4', 80, both],
    ['external to LB IP hits only local endpoint, unmasqueraded', client, '1.2.3.4', 80, local],
    ['pod to NodePort hits both endpoints, unmasqueraded', '10.0.0.2', nodeIP, 3001, both],
    ['external to NodePort hits only local endpoint, unmasqueraded', client, nodeIP, 3001, local],
  ]);
});

test('TestExternalTrafficPolicyCluster: everything but pod-to-ClusterIP is masqueraded, to both endpoints', () => {
  const both = { output: '10.180.0.1:80, 10.180.2.1:80', masq: true };
  runFlows(trafficPolicyCluster('Cluster'), [
    ['pod to cluster IP hits both endpoints, unmasqueraded', '10.0.0.2', '172.30.0.41', 80, { ...both, masq: false }],
    ['pod to external IP hits both endpoints, masqueraded', '10.0.0.2', '192.168.99.11', 80, both],
    ['external to external IP hits both endpoints, masqueraded', client, '192.168.99.11', 80, both],
    ['pod to LB IP hits both endpoints, masqueraded', '10.0.0.2', '1.2.3.4', 80, both],
    ['external to LB IP hits both endpoints, masqueraded', client, '1.2.3.4', 80, both],
    ['pod to NodePort hits both endpoints, masqueraded', '10.0.0.2', nodeIP, 3001, both],
    ['external to NodePort hits both endpoints, masqueraded', client, nodeIP, 3001, both],
  ]);
});

test('TestInternalTrafficPolicy: Local keeps ClusterIP traffic on this node\'s endpoints, DROP when it has none', () => {
  const cases: [string, 'Cluster' | 'Local', [string, string][], string][] = [
    ['cluster', 'Cluster', [['10.0.1.1', 'test-node'], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], '10.0.1.1:80, 10.0.1.2:80, 10.0.1.3:80'],
    ['local, one local endpoint', 'Local', [['10.0.1.1', 'test-node'], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], '10.0.1.1:80'],
    ['local, several local endpoints', 'Local', [['10.0.1.1', 'test-node'], ['10.0.1.2', 'test-node'], ['10.0.1.3', 'node2']], '10.0.1.1:80, 10.0.1.2:80'],
    ['local, no local endpoints', 'Local', [['10.0.1.1', 'node0'], ['10.0.1.2', 'node1'], ['10.0.1.3', 'node2']], 'DROP'],
  ];
  for (const [name, policy, eps, output] of cases) {
    const svc = service('ns1', 'svc1', '172.30.1.1', [unnamed80()], { internalTrafficPolicy: policy });
    const topo = upstreamCluster([svc], [slice('ns1', 'svc1', eps.map(([ip, n]) => ep(ip, n)), [{ name: '', port: 80 }])]);
    runFlows(topo, [['pod to ClusterIP', '10.0.0.2', '172.30.1.1', 80, { output }]], `${name}: `);
    runFlows(upstreamCluster([svc], []), [['endpoints deleted', '10.0.0.2', '172.30.1.1', 80, { output: 'REJECT' }]], `${name}: `);
  }
});

const ready = { ready: true, serving: true, terminating: false };
const servingTerminating = { ready: false, serving: true, terminating: true };
const terminating = { ready: false, serving: false, terminating: true };

/** TestTerminatingEndpointsTrafficPolicy{Local,Cluster}'s LoadBalancer service (no node port) and its endpoint slices. */
function terminatingCase(policy: 'Local' | 'Cluster', eps: Endpoint[]): { withEndpoints: Topology; deleted: Topology } {
  const svc: Service = service('ns1', 'svc1', '172.30.1.1', [unnamed80()], { type: 'LoadBalancer', externalTrafficPolicy: policy, healthCheckNodePort: 30000, loadBalancerIPs: ['1.2.3.4'] });
  return { withEndpoints: upstreamCluster([svc], [slice('ns1', 'svc1', eps, [{ name: '', port: 80 }])]), deleted: upstreamCluster([svc], []) };
}

function runTerminating(policy: 'Local' | 'Cluster', cases: [string, Endpoint[], Outcome, Outcome][]): void {
  for (const [name, eps, toClusterIP, toLB] of cases) {
    const { withEndpoints, deleted } = terminatingCase(policy, eps);
    runFlows(withEndpoints, [['pod to clusterIP', '10.0.0.2', '172.30.1.1', 80, toClusterIP], ['external to LB', client, '1.2.3.4', 80, toLB]], `${policy} ${name}: `);
    const reject = { output: 'REJECT' };
    runFlows(deleted, [['pod to clusterIP after endpoints deleted', '10.0.0.2', '172.30.1.1', 80, reject], ['external to LB after endpoints deleted', client, '1.2.3.4', 80, reject]], `${policy} ${name}: `);
  }
}

test('TestTerminatingEndpointsTrafficPolicyLocal: serving-terminating local endpoints are used only when no local one is ready', () => {
  runTerminating('Local', [
    ['ready endpoints exist', [ep('10.0.1.1', 'test-node', ready), ep('10.0.1.2', 'test-node', ready), ep('10.0.1.3', 'test-node', servingTerminating), ep('10.0.1.4', 'test-node', terminating), ep('10.0.1.5', 'node-1', ready)],
      { output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', masq: false }, { output: '10.0.1.1:80, 10.0.1.2:80', masq: false }],
    ['only terminating endpoints exist', [ep('10.0.1.2', 'test-node', servingTerminating), ep('10.0.1.3', 'test-node', servingTerminating), ep('10.0.1.4', 'test-node', terminating), ep('10.0.1.5', 'node-1', ready)],
      { output: '10.0.1.5:80', masq: false }, { output: '10.0.1.2:80, 10.0.1.3:80', masq: false }],
    ['terminating endpoints on remote node', [ep('10.0.1.5', 'node-1', servingTerminating)], { output: '10.0.1.5:80', masq: false }, { output: 'DROP' }],
    ['no usable endpoints on any node', [ep('10.0.1.5', 'test-node', terminating), ep('10.0.1.5', 'node-1', terminating)], { output: 'REJECT' }, { output: 'REJECT' }],
  ]);
});

test('TestTerminatingEndpointsTrafficPolicyCluster: serving-terminating endpoints anywhere are used only when none is ready', () => {
  runTerminating('Cluster', [
    ['ready endpoints exist', [ep('10.0.1.1', 'test-node', ready), ep('10.0.1.2', 'test-node', ready), ep('10.0.1.3', 'another-node', servingTerminating), ep('10.0.1.4', 'another-node', terminating), ep('10.0.1.5', 'another-node', ready)],
      { output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', masq: false }, { output: '10.0.1.1:80, 10.0.1.2:80, 10.0.1.5:80', masq: true }],
    ['only terminating endpoints exist', [ep('10.0.1.2', 'test-node', servingTerminating), ep('10.0.1.3', 'test-node', servingTerminating), ep('10.0.1.4', 'another-node', terminating), ep('10.0.1.5', 'another-node', servingTerminating)],
      { output: '10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80', masq: false }, { output: '10.0.1.2:80, 10.0.1.3:80, 10.0.1.5:80', masq: true }],
    ['terminating endpoints on remote node', [ep('10.0.1.5', 'node-1', servingTerminating)], { output: '10.0.1.5:80', masq: false }, { output: '10.0.1.5:80', masq: true }],
    ['no usable endpoints on any node', [ep('10.0.1.5', 'test-node', terminating), ep('10.0.1.5', 'node-1', terminating)], { output: 'REJECT' }, { output: 'REJECT' }],
  ]);
});

test('TestInternalExternalMasquerade: masquerading and endpoint choice with and without a local detector and --masquerade-all', () => {
  const lb = (ns: string, ip: string, nodePort: number, hc: number, lbIP: string, extra: Partial<Service>): Service =>
    service(ns, ns.replace('ns', 'svc'), ip, [p80({ nodePort })], { type: 'LoadBalancer', healthCheckNodePort: hc, loadBalancerIPs: [lbIP], ...extra });
  const services = [
    lb('ns1', '172.30.0.41', 3001, 30001, '1.2.3.4', {}),
    lb('ns2', '172.30.0.42', 3002, 30002, '5.6.7.8', { externalTrafficPolicy: 'Local' }),
    lb('ns3', '172.30.0.43', 3003, 30003, '9.10.11.12', { internalTrafficPolicy: 'Local' }),
  ];
  const slices = [1, 2, 3].map((i) => slice(`ns${i}`, `svc${i}`, [ep(`10.180.0.${i}`, 'test-node'), ep(`10.180.1.${i}`, 'remote')], [{ name: 'p80', port: 80 }]));
  const all = (i: number): string => `10.180.0.${i}:80, 10.180.1.${i}:80`;
  const flows: Flow[] = [
    ['pod to ClusterIP', '10.0.0.2', '172.30.0.41', 80, { output: all(1), masq: false }],
    ['pod to NodePort', '10.0.0.2', nodeIP, 3001, { output: all(1), masq: true }],
    ['pod to LB', '10.0.0.2', '1.2.3.4', 80, { output: all(1), masq: true }],
    ['node to ClusterIP', nodeIP, '172.30.0.41', 80, { output: all(1), masq: true }],
    ['node to NodePort', nodeIP, nodeIP, 3001, { output: all(1), masq: true }],
    ['localhost to NodePort', '127.0.0.1', '127.0.0.1', 3001, { output: all(1), masq: true }],
    ['node to LB', nodeIP, '1.2.3.4', 80, { output: all(1), masq: true }],
    ['external to ClusterIP', client, '172.30.0.41', 80, { output: all(1), masq: true }],
    ['external to NodePort', client, nodeIP, 3001, { output: all(1), masq: true }],
    ['external to LB', client, '1.2.3.4', 80, { output: all(1), masq: true }],
    ['pod to ClusterIP with eTP:Local', '10.0.0.2', '172.30.0.42', 80, { output: all(2), masq: false }],
    ['pod to NodePort with eTP:Local', '10.0.0.2', nodeIP, 3002, { output: all(2), masq: false }],
    ['pod to LB with eTP:Local', '10.0.0.2', '5.6.7.8', 80, { output: all(2), masq: false }],
    ['node to ClusterIP with eTP:Local', nodeIP, '172.30.0.42', 80, { output: all(2), masq: true }],
    ['node to NodePort with eTP:Local', nodeIP, nodeIP, 3001, { output: all(1), masq: true }],
    ['localhost to NodePort with eTP:Local', '127.0.0.1', '127.0.0.1', 3002, { output: all(2), masq: true }],
    ['node to LB with eTP:Local', nodeIP, '5.6.7.8', 80, { output: all(2), masq: true }],
    ['external to ClusterIP with eTP:Local', client, '172.30.0.42', 80, { output: all(2), masq: true }],
    ['external to NodePort with eTP:Local', client, nodeIP, 3002, { output: '10.180.0.2:80', masq: false }],
    ['external to LB with eTP:Local', client, '5.6.7.8', 80, { output: '10.180.0.2:80', masq: false }],
    ['pod to ClusterIP with iTP:Local', '10.0.0.2', '172.30.0.43', 80, { output: '10.180.0.3:80', masq: false }],
    ['pod to NodePort with iTP:Local', '10.0.0.2', nodeIP, 3003, { output: all(3), masq: true }],
    ['pod to LB with iTP:Local', '10.0.0.2', '9.10.11.12', 80, { output: all(3), masq: true }],
    ['node to ClusterIP with iTP:Local', nodeIP, '172.30.0.43', 80, { output: '10.180.0.3:80', masq: true }],
    ['node to NodePort with iTP:Local', nodeIP, nodeIP, 3003, { output: all(3), masq: true }],
    ['localhost to NodePort with iTP:Local', '127.0.0.1', '127.0.0.1', 3003, { output: all(3), masq: true }],
    ['node to LB with iTP:Local', nodeIP, '9.10.11.12', 80, { output: all(3), masq: true }],
    ['external to ClusterIP with iTP:Local', client, '172.30.0.43', 80, { output: '10.180.0.3:80', masq: true }],
    ['external to NodePort with iTP:Local', client, nodeIP, 3003, { output: all(3), masq: true }],
    ['external to LB with iTP:Local', client, '9.10.11.12', 80, { output: all(3), masq: true }],
  ];
  const noDetector: Record<string, Partial<Outcome>> = {
    'node to ClusterIP': { masq: false }, 'node to ClusterIP with eTP:Local': { masq: false }, 'node to ClusterIP with iTP:Local': { masq: false },
    'external to ClusterIP': { masq: false }, 'external to ClusterIP with eTP:Local': { masq: false }, 'external to ClusterIP with iTP:Local': { masq: false },
    'pod to NodePort with eTP:Local': { output: '10.180.0.2:80' }, 'pod to LB with eTP:Local': { output: '10.180.0.2:80' },
  };
  const masqueradeAll: Record<string, Partial<Outcome>> = {
    'pod to ClusterIP': { masq: true }, 'pod to ClusterIP with eTP:Local': { masq: true }, 'pod to ClusterIP with iTP:Local': { masq: true },
  };
  const variants: [string, Partial<KubeProxyConfig>, Record<string, Partial<Outcome>>][] = [
    ['base', {}, {}],
    ['no LocalTrafficDetector', { detectLocalMode: 'None' }, noDetector],
    ['masqueradeAll', { masqueradeAll: true }, masqueradeAll],
    ['masqueradeAll, no LocalTrafficDetector', { masqueradeAll: true, detectLocalMode: 'None' }, {
      ...masqueradeAll, 'pod to NodePort with eTP:Local': noDetector['pod to NodePort with eTP:Local']!, 'pod to LB with eTP:Local': noDetector['pod to LB with eTP:Local']!,
    }],
  ];
  for (const [name, kp, overrides] of variants) {
    const topo = upstreamCluster(services, slices, kp);
    runFlows(topo, flows.map(([n, s, d, p, o]) => [n, s, d, p, { ...o, ...overrides[n] }]), `${name}: `);
  }
});

test('TestSyncProxyRulesLargeClusterMode: above 1,000 endpoints the per-endpoint rules lose their comments', () => {
  const many = (prefix: string): Endpoint[] => Array.from({ length: 499 }, (_, i) => ep(`${prefix}.${i % 256}.${Math.floor(i / 256)}`));
  const svcs = [service('ns1', 'svc1', '172.30.0.41', [p80()]), service('ns2', 'svc2', '172.30.0.42', [port('p8080', 8080)]), service('ns3', 'svc3', '172.30.0.43', [port('p8081', 8081)])];
  const slices = [slice('ns1', 'svc1', many('10.0'), [{ name: 'p80', port: 80 }]), slice('ns2', 'svc2', many('10.1'), [{ name: 'p8080', port: 8080 }])];
  const dnat = (text: string): string[] => text.split('\n').filter((l) => l.startsWith('-A KUBE-SEP-') && l.includes('-j DNAT'));
  const kp = { masqueradeAll: true };

  const below = dnat(renderRestore(upstreamCluster(svcs, slices, kp), 'test-node', upstreamTestEnvironment));
  assert.equal(below.length, 998);
  assert.ok(below.every((l) => l.includes('--comment')), 'below the threshold every endpoint keeps its comment');
  assert.ok(below.includes('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m comment --comment ns1/svc1:p80 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80'));

  const svc3Slice = slice('ns3', 'svc3', [ep('203.0.113.4'), ep('203.0.113.8'), ep('203.0.113.12')], [{ name: 'p8081', port: 8081 }]);
  const above = dnat(renderRestore(upstreamCluster(svcs, [...slices, svc3Slice], kp), 'test-node', upstreamTestEnvironment));
  assert.equal(above.length, 1001);
  assert.ok(above.every((l) => !l.includes('--comment')), 'above the threshold no endpoint rule has a comment');
  assert.ok(above.includes('-A KUBE-SEP-DKGQUZGBKLTPAR56 -m tcp -p tcp -j DNAT --to-destination 10.0.0.0:80'));
  assert.ok(above.includes('-A KUBE-SEP-RUVVH7YV3PHQBDOS -m tcp -p tcp -j DNAT --to-destination 203.0.113.4:8081'));

  const svc4 = service('ns4', 'svc4', '172.30.0.44', [port('p8082', 8082)]);
  const withSvc4 = dnat(renderRestore(upstreamCluster([...svcs, svc4], [...slices, svc3Slice, slice('ns4', 'svc4', [ep('10.4.0.1')], [{ name: 'p8082', port: 8082 }])], kp), 'test-node', upstreamTestEnvironment));
  assert.ok(withSvc4.includes('-A KUBE-SEP-SU5STNODRYEWJAUF -m tcp -p tcp -j DNAT --to-destination 10.4.0.1:8082'));
});

test('TestSyncProxyRulesRepeated from repeated.yaml: the first, full sync\'s exact payload', () => {
  assert.equal(renderRestore(load('repeated.yaml'), 'test-node', upstreamTestEnvironment), upstreamBaseline('proxy/upstream-repeated.rules'));
});

test('TestSyncProxyRulesRepeated, its last full resync: the rules for svc1 and svc3 once svc2 and svc4 are gone', () => {
  // Upstream's expectation also declares and deletes (-X) the chains of the deleted services, which
  // only a resync writes; the rules themselves are the state a first sync of what is left writes.
  const base = load('repeated.yaml');
  const svc1 = base.services.find((s) => s.name === 'svc1')!;
  const svc3: Service = { ...svc1, name: 'svc3', namespace: 'ns3', clusterIP: '172.30.0.43' };
  const slice1 = base.endpointSlices.find((s) => s.serviceName === 'svc1')!;
  const slice3 = { ...slice1, namespace: 'ns3', serviceName: 'svc3', name: 'svc3-1', endpoints: [ep('10.0.3.2'), ep('10.0.3.3')] };
  const topo: Topology = { ...base, services: [svc1, svc3], endpointSlices: [slice1, slice3] };
  const natRules = renderRestore(topo, 'test-node', upstreamTestEnvironment).split('*nat\n')[1]!.split('\n').filter((l) => l.startsWith('-A '));
  assert.deepEqual(natRules, upstreamBaseline('proxy/upstream-repeated-final.rules').trimEnd().split('\n'));
});

test('TestMasqueradeRule and TestDropInvalidRule: KUBE-POSTROUTING with and without --random-fully; the INVALID drop with nfacct, without, and none when TCP is liberal', () => {
  const chain = (env: ProxyEnvironment, table: 'filter' | 'nat', name: string): string[] =>
    renderRestore(upstreamCluster([], []), 'test-node', env).split(`*${table}\n`)[1]!.split('COMMIT')[0]!.split('\n').filter((l) => l.startsWith(`-A ${name} `));
  for (const randomFully of [false, true]) {
    assert.deepEqual(chain({ ...upstreamTestEnvironment, randomFully }, 'nat', 'KUBE-POSTROUTING'), [
      '-A KUBE-POSTROUTING -m mark ! --mark 0x4000/0x4000 -j RETURN',
      '-A KUBE-POSTROUTING -j MARK --xor-mark 0x4000',
      `-A KUBE-POSTROUTING -m comment --comment "kubernetes service traffic requiring SNAT" -j MASQUERADE${randomFully ? ' --random-fully' : ''}`,
    ]);
  }
  const forward = [
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding conntrack rule" -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT',
  ];
  assert.deepEqual(chain({ ...upstreamTestEnvironment, nfacct: false }, 'filter', 'KUBE-FORWARD'), ['-A KUBE-FORWARD -m conntrack --ctstate INVALID -j DROP', ...forward]);
  assert.deepEqual(chain({ ...upstreamTestEnvironment, nfacct: true }, 'filter', 'KUBE-FORWARD'), ['-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP', ...forward]);
  assert.deepEqual(chain({ ...upstreamTestEnvironment, nfacct: false, conntrackTCPLiberal: true }, 'filter', 'KUBE-FORWARD'), forward);
});
