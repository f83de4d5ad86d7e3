import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { test } from 'node:test';
import { createEngine, parseEndpoint, tryTraceFlow } from '../../src/engine/index';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';

test('named endpoints take an optional :PORT; a bad port is an error, not a name', () => {
  assert.deepEqual(parseEndpoint('node/node2:32506'), { ok: true, value: { kind: 'node', name: 'node2', port: 32506 } });
  assert.deepEqual(parseEndpoint('pod/default/web:8080'), { ok: true, value: { kind: 'pod', namespace: 'default', name: 'web', port: 8080 } });
  assert.deepEqual(parseEndpoint('web:8080'), { ok: true, value: { kind: 'pod', name: 'web', port: 8080 } });
  assert.deepEqual(parseEndpoint('ext/client'), { ok: true, value: { kind: 'ext', name: 'client' } });
  assert.equal(parseEndpoint('node/node2:0').ok, false);
  assert.equal(parseEndpoint('node/node2:http').ok, false);
});

test('ext/client to node/node2:32506 walks the NodePort chains and is masqueraded on the way out (seed 002)', () => {
  const path = 'samples/seed002-flannel-vxlan.yaml';
  const topology = loadTopology({ path, text: readFileSync(path, 'utf8') }, noIncludes).value!;
  const flow = tryTraceFlow(createEngine(topology), { from: 'ext/client', to: 'node/node2:32506' });
  assert.ok(flow.ok);
  const { trace } = flow.value;
  assert.equal(trace.disposition, 'DELIVERED');
  const chains = trace.hops.flatMap((h) => h.steps).flatMap((s) => (s.kind === 'netfilter' && s.table === 'nat' ? [s.chain.replace(/-[A-Z2-7]{16}$/, '')] : []));
  const order = ['KUBE-NODEPORTS', 'KUBE-EXT', 'KUBE-MARK-MASQ', 'KUBE-SVC', 'KUBE-SEP'];
  assert.deepEqual(chains.filter((c) => order.includes(c)).filter((c, i, a) => a.indexOf(c) === i), order);
  const nat = trace.hops.flatMap((h) => h.steps).filter((s) => s.kind === 'nat').map((s) => s.type);
  assert.deepEqual(nat, ['DNAT', 'MASQUERADE']);
  assert.equal(trace.reply?.disposition, 'DELIVERED');
});
