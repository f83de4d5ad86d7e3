/**
 * Upstream kube-proxy v1.31 proxier_test.go cases, restated as topologies; the baselines hold the
 * payload upstream's tests state (after its sortIPTablesRules), and the generator must match it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { renderRestore, upstreamTestEnvironment } from '../../src/engine/proxy';
import { upstreamBaseline } from '../harness/baseline';
import { upstreamOverallCluster } from '../fixtures/proxy/build';

test('TestOverallIPTablesRules: six services of every kind give upstream\'s exact payload', () => {
  const topo = upstreamOverallCluster();
  assert.equal(renderRestore(topo, 'test-node', upstreamTestEnvironment), upstreamBaseline('proxy/upstream-overall.rules'));
});
