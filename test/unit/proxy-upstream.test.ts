/**
 * Upstream kube-proxy v1.31 proxier_test.go cases, restated as topologies; the baselines hold the
 * payload upstream's tests state (after its sortIPTablesRules), and the generator must match it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRestore, upstreamTestEnvironment } from '../../src/engine/proxy';
import { upstreamBaseline as baseline } from '../fixtures/proxy/baseline';
import { endpoint, port, service, slice, upstreamCluster } from '../fixtures/proxy/build';

test('TestOverallIPTablesRules: six services of every kind give upstream\'s exact payload', () => {
  const topo = upstreamCluster(
    [
      service('ns1', 'svc1', '172.30.0.41', [port('p80', 80)]),
      service('ns2', 'svc2', '172.30.0.42', [port('p80', 80, { nodePort: 3001 })], { type: 'LoadBalancer', externalTrafficPolicy: 'Local', loadBalancerIPs: ['1.2.3.4'], externalIPs: ['192.168.99.22'], healthCheckNodePort: 30000 }),
      service('ns3', 'svc3', '172.30.0.43', [port('p80', 80, { nodePort: 3003 })], { type: 'NodePort' }),
      service('ns4', 'svc4', '172.30.0.44', [port('p80', 80)], { type: 'NodePort', externalIPs: ['192.168.99.33'] }),
      service('ns5', 'svc5', '172.30.0.45', [port('p80', 80, { nodePort: 3002 })], { type: 'LoadBalancer', loadBalancerIPs: ['5.6.7.8'], healthCheckNodePort: 30000, loadBalancerSourceRanges: [' 203.0.113.0/25'], sessionAffinity: 'ClientIP', sessionAffinityTimeoutSeconds: 10800 }),
      service('ns6', 'svc6', '172.30.0.46', [port('p80', 80)]),
    ],
    [
      slice('ns1', 'svc1', [endpoint('10.180.0.1')], [{ name: 'p80', port: 80 }]),
      slice('ns2', 'svc2', [endpoint('10.180.0.2')], [{ name: 'p80', port: 80 }]),
      slice('ns3', 'svc3', [endpoint('10.180.0.3')], [{ name: 'p80', port: 80 }]),
      slice('ns4', 'svc4', [endpoint('10.180.0.4'), endpoint('10.180.0.5', { nodeName: 'test-node' })], [{ name: 'p80', port: 80 }]),
      slice('ns5', 'svc5', [endpoint('10.180.0.3')], [{ name: 'p80', port: 80 }]),
    ],
  );
  assert.equal(renderRestore(topo, 'test-node', upstreamTestEnvironment), baseline('upstream-overall.rules'));
});
