// The policy samples through the loader and the CLI: the xyz sample is the same cluster the
// truth-table tests build in code, and the Canal sample's policy denies what it says while the
// flannel twin reports the same verdict unenforced. Skips visibly until the loader is built.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { nodeHost } from '../../src/cli/nodeHost';
import { formatDiagnostic } from '../../src/engine/diagnostics';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { createPolicyHook } from '../../src/engine/policy/hook';
import { assertTruthTable } from './policyTruthTable';
import { xyzTopology } from './policyXyz';
import { capture } from '../fixtures/cli';

const samples = path.resolve(__dirname, '../../../samples');
function load(file: string): { topology?: Topology; shown: string } {
  const full = path.join(samples, file);
  const r = loadTopology({ path: full, text: readFileSync(full, 'utf8') }, nodeHost);
  return { ...(r.value ? { topology: r.value } : {}), shown: r.diagnostics.map(formatDiagnostic).join('\n') };
}
const xyz = load('netpol-xyz.yaml');
const skip = xyz.topology ? false : 'the loader does not produce a topology yet';

test('netpol-xyz.yaml loads with no diagnostics and is the model the truth-table tests build', { skip }, () => {
  assert.equal(xyz.shown, '');
  const t = xyz.topology!;
  assert.equal(t.cluster.cni.plugin, 'calico');
  const shape = (x: Topology) => x.pods.map((p) => ({ id: `${p.namespace}/${p.name}`, labels: p.labels, containers: p.containers }));
  assert.deepEqual(shape(t), shape(xyzTopology()));
  assert.deepEqual(
    t.namespaces.filter((n) => ['x', 'y', 'z'].includes(n.name)).map((n) => n.labels['kubernetes.io/metadata.name']),
    ['x', 'y', 'z'],
  );
  assert.equal(new Set(t.pods.map((p) => p.ip)).size, 9, 'nine distinct pod addresses');
});

test("netpol-xyz.yaml's policy gives upstream's table for allow-from-namespace-y on every protocol and port", { skip }, () => {
  const t = xyz.topology!;
  for (const protocol of ['TCP', 'UDP', 'SCTP'] as const) {
    for (const port of [80, 81]) {
      assertTruthTable(t, protocol, port, (e) => e.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false));
    }
  }
});

test('packetwalk reach --matrix prints the table for the sample', { skip }, async () => {
  const c = capture();
  assert.equal(await main(['reach', path.join(samples, 'netpol-xyz.yaml'), '--matrix'], c.io), 0);
  const rows = c.out.join('\n').split('\n');
  assert.equal(rows[0], '-\t\tx/a\tx/b\tx/c\ty/a\ty/b\ty/c\tz/a\tz/b\tz/c');
  assert.equal(rows[2], 'x/b\tX\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t');
  assert.equal(rows[4], 'y/a\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t');
  assert.deepEqual(c.err, []);
});

const canal = load('canal-policy.yaml');
const flannel = load('flannel-policy.yaml');
const skipTwins = canal.topology && flannel.topology ? false : 'the Canal and flannel policy samples do not load yet';

test('canal-policy.yaml: reach allows only the backend to the database on 5432; flannel-policy.yaml reports the same unenforced', { skip: skipTwins }, async () => {
  const c = capture();
  assert.equal(await main(['reach', path.join(samples, 'canal-policy.yaml'), '--port', '5432'], c.io), 0);
  const lines = c.out.join('\n').split('\n');
  assert.ok(lines.includes('shop/backend[Pod] => shop/db[Pod] : TCP 5432'));
  assert.ok(!lines.some((l) => l.startsWith('shop/frontend[Pod] => shop/db[Pod]')));
  assert.deepEqual(c.err, []);

  const f = capture();
  assert.equal(await main(['reach', path.join(samples, 'flannel-policy.yaml'), '--port', '5432'], f.io), 0);
  assert.deepEqual(f.out, c.out, 'the policy says the same on flannel');
  assert.match(f.err.join('\n'), /flannel does not enforce NetworkPolicy/);

  for (const [t, enforced] of [[canal.topology!, true], [flannel.topology!, false]] as const) {
    const front = t.pods.find((p) => p.name === 'frontend')!;
    const db = t.pods.find((p) => p.name === 'db')!;
    const step = createPolicyHook(t).evaluate('ingress', { src: { ip: front.ip, pod: { namespace: 'shop', name: 'frontend' } }, dst: { ip: db.ip, pod: { namespace: 'shop', name: 'db' } }, protocol: 'TCP', port: 5432 });
    assert.equal(step.verdict, 'deny');
    assert.equal(step.enforced, enforced);
    assert.equal(step.policy, 'shop/db-allow-backend');
  }
});

test('packetwalk reach rejects an unknown protocol and a bad port as usage errors', async () => {
  const c = capture();
  assert.equal(await main(['reach', 'x.yaml', '--proto', 'icmp'], c.io), 2);
  assert.match(c.err[0]!, /--proto takes TCP, UDP or SCTP/);
  const d = capture();
  assert.equal(await main(['reach', 'x.yaml', '--port', '70000'], d.io), 2);
  assert.match(d.err[0]!, /--port takes a port from 1 to 65535/);
});
