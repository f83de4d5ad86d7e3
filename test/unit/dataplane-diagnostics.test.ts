/**
 * The CNI's notes as diagnostics: each at the source of the object it is about, shown by `check`
 * after a clean load, by the extension's loader, and by `trace` for the nodes a packet touches.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { main } from '../../src/cli/main';
import { dataplaneFindings, diagnoseDataplane, withDataplaneDiagnostics } from '../../src/engine/dataplane/diagnose';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import { codes } from '../../src/engine/model/codes';
import type { Topology } from '../../src/engine/model/types';
import { load } from '../../src/extension/engine';

const dir = mkdtempSync(path.join(tmpdir(), 'pw-dpdiag-'));
after(() => rmSync(dir, { recursive: true, force: true }));

function file(name: string, text: string): string {
  const p = path.join(dir, name);
  writeFileSync(p, text);
  return p;
}

function topology(text: string): Topology {
  const r = loadTopology({ path: 'mem.yaml', text }, noIncludes);
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join('\n'));
  return r.value;
}

/** 1-based line and column of `needle` in `text`. */
function at(text: string, needle: string): { line: number; col: number } {
  const lines = text.split('\n');
  const line = lines.findIndex((l) => l.includes(needle));
  assert.ok(line >= 0, `no line holds ${needle}`);
  return { line: line + 1, col: lines[line]!.indexOf(needle) + 1 };
}

function where(d: Diagnostic): { line: number; col: number } {
  return { line: d.line, col: d.col };
}

async function run(...args: string[]): Promise<{ code: number; out: string[] }> {
  const out: string[] = [];
  const code = await main(args, { out: (t) => void out.push(t), err: (t) => void out.push(t) });
  return { code, out };
}

// node1 has a default gateway, node2 does not: node2's pods cannot resolve 169.254.1.1.
const calico = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: calico}
spec:
  clusterCIDR: 10.42.0.0/16
  serviceCIDR: 10.43.0.0/16
  cni: {plugin: calico, ipipMode: Always}
  nodes:
  - name: node1
    address: 192.168.1.11
    gateway: 192.168.1.1
  - name: node2
    address: 192.168.1.12
---
apiVersion: v1
kind: Pod
metadata: {name: a, namespace: default}
spec: {nodeName: node1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b, namespace: default}
spec: {nodeName: node1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c, namespace: default}
spec: {nodeName: node2, containers: [{name: c}]}
`;

test("a node's note sits on that node's entry in the Cluster document and says what to add", () => {
  const ds = diagnoseDataplane(topology(calico));
  assert.equal(ds.length, 1);
  const d = ds[0]!;
  assert.deepEqual([d.code, d.severity, d.file], ['PW6001', 'warning', 'mem.yaml']);
  assert.deepEqual(where(d), at(calico, 'name: node2'));
  assert.match(d.message, /node node2 has no default route/);
  assert.match(d.message, /add `gateway: 192\.168\.1\.1` .* to node node2/);
});

test("a pod's note sits on the pod's document; a network's on its NetworkAttachmentDefinition, once per node", () => {
  const outside = `${calico.replace('    address: 192.168.1.12\n', '    address: 192.168.1.12\n    gateway: 192.168.1.1\n')}---
apiVersion: v1
kind: Pod
metadata: {name: stray, namespace: default}
spec: {nodeName: node1, containers: [{name: c}]}
status: {podIP: 10.42.1.77}
`;
  const [d, ...rest] = diagnoseDataplane(topology(outside));
  assert.equal(rest.length, 0);
  assert.equal(d!.code, 'PW6002');
  assert.deepEqual(where(d!), { line: at(outside, 'name: stray').line - 2, col: 1 });

  const macvlan = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: multus}
spec:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: flannel, backend: vxlan}
  nodes:
  - {name: node1, address: 192.168.1.10}
  - {name: node2, address: 192.168.1.11}
---
apiVersion: k8s.cni.cncf.io/v1
kind: NetworkAttachmentDefinition
metadata: {name: storage, namespace: default}
spec:
  config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "ipam": {"type": "host-local", "subnet": "10.10.0.0/24"}}'
${['p1', 'p2', 'p3']
  .map((n, i) => `---
apiVersion: v1
kind: Pod
metadata: {name: ${n}, namespace: default, annotations: {k8s.v1.cni.cncf.io/networks: storage}}
spec: {nodeName: node${i === 0 ? 1 : 2}, containers: [{name: c}]}
`)
  .join('')}`;
  const findings = dataplaneFindings(topology(macvlan));
  assert.deepEqual(
    findings.map((f) => [f.diagnostic.code, f.diagnostic.line, f.nodes]),
    [
      ['PW6006', at(macvlan, 'apiVersion: k8s.cni').line, ['node1']],
      ['PW6006', at(macvlan, 'apiVersion: k8s.cni').line, ['node2']],
    ],
  );
  assert.match(findings[1]!.diagnostic.message, /on node node2, so the macvlan plugin would fail the sandbox of default\/p2 net1, default\/p3 net1;/);
});

test('host-gw: only the nodes off the segment most nodes share are told, each at its own entry', () => {
  const text = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: hostgw}
spec:
  clusterCIDR: 10.42.0.0/16
  serviceCIDR: 10.43.0.0/16
  cni: {plugin: flannel, backend: host-gw}
  nodes:
  - {name: far, address: 192.168.2.10}
  - {name: near1, address: 192.168.1.11}
  - {name: near2, address: 192.168.1.12}
`;
  const ds = diagnoseDataplane(topology(text));
  assert.deepEqual(ds.map((d) => [d.code, where(d)]), [['PW6003', at(text, '{name: far')]]);
  assert.match(ds[0]!.message, /node far is on 192\.168\.2\.0\/24, not on 192\.168\.1\.0\/24 with near1 and 1 more/);
});

test('check prints dataplane warnings after a clean load only; infos wait for --infos', async () => {
  const clean = file('calico.yaml', calico);
  const r = await run('check', clean);
  assert.equal(r.code, 0, 'warnings alone do not fail check');
  assert.deepEqual(r.out.map((l) => l.slice(clean.length)), [`:${at(calico, 'name: node2').line}:5: warning: ${diagnoseDataplane(topology(calico))[0]!.message} [PW6001]`]);
  assert.deepEqual((await run('check', clean, '--quiet')).out, []);

  const broken = file('calico-broken.yaml', calico.replace('address: 192.168.1.11', 'address: 192.168.1.300'));
  const b = await run('check', broken);
  assert.equal(b.code, 1);
  assert.ok(b.out.length > 0 && b.out.every((l) => !l.includes('[PW6')), b.out.join('\n'));

  const weave = file('weave.yaml', 'apiVersion: packetwalk.io/v1alpha1\nkind: Cluster\nmetadata: {name: w}\nspec:\n  clusterCIDR: 10.32.0.0/12\n  serviceCIDR: 10.96.0.0/12\n  cni: {plugin: weave}\n  nodes: [{name: n1, address: 192.168.1.11, gateway: 192.168.1.1}]\n');
  assert.deepEqual((await run('check', weave)).out, []);
  assert.match((await run('check', weave, '--infos')).out.join('\n'), /:1:1: info: weave fast datapath .* \[PW6004\]$/);
});

test('the extension loads with the dataplane diagnostics, so the Problems panel shows them', () => {
  const r = load('mem.yaml', calico, noIncludes);
  assert.deepEqual(r.diagnostics.map((d) => d.code), ['PW6001']);
  const broken = withDataplaneDiagnostics(loadTopology({ path: 'mem.yaml', text: calico.replace('plugin: calico', 'plugin: calicoo') }, noIncludes));
  assert.ok(!broken.diagnostics.some((d) => d.code.startsWith('PW6')));
});

test('trace prints, before the hops, the notes about the nodes it touches, and only those', async () => {
  const f = file('calico-trace.yaml', calico);
  const local = await run('trace', f, '--from', 'pod/default/a', '--to', 'pod/default/b');
  assert.equal(local.code, 0);
  assert.ok(!local.out.join('\n').includes('PW6001'), 'a → b stays on node1');
  assert.match(local.out[0]!, /^pod\/default\/a -> pod\/default\/b/);

  // c's packet never leaves its namespace (no ARP answer for 169.254.1.1), yet its node is concerned.
  const fromC = await run('trace', f, '--from', 'pod/default/c', '--to', 'pod/default/a');
  assert.match(fromC.out[0]!, /calico-trace\.yaml:\d+:5: warning: node node2 has no default route.*\[PW6001\]$/);
  assert.match(fromC.out[1]!, /^pod\/default\/c -> pod\/default\/a/);
  assert.match(fromC.out.join('\n'), /=> DROPPED/);

  const json = await run('trace', f, '--from', 'pod/default/a', '--to', 'pod/default/c', '--json');
  assert.equal(typeof (JSON.parse(json.out.join('\n')) as { disposition: string }).disposition, 'string', 'JSON output stays pure JSON');
});

test('every code of the PW6xxx range has a case in the broken corpus', () => {
  const fixtures = path.resolve(__dirname, '../../../test/fixtures/broken');
  const expected = new Set<string>();
  for (const name of readdirSync(fixtures).filter((n) => n.endsWith('.yaml'))) {
    for (const m of readFileSync(path.join(fixtures, name), 'utf8').matchAll(/^# expect: (PW6\d{3})/gm)) expected.add(m[1]!);
  }
  const range = Object.values(codes).filter((c) => c.code.startsWith('PW6')).map((c) => c.code);
  assert.ok(range.length >= 10);
  assert.deepEqual(range.filter((c) => !expected.has(c)), []);
});
