/**
 * The JSON Schema that editors use (schemas/cluster.schema.json) and the validator must agree on
 * the Cluster document: the same field names at every level, the same enumerations, and every
 * field the schema offers accepted by the loader without an unknown-field error.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import * as clusterFieldsModule from '../../src/engine/model/clusterFields';
import { codes } from '../../src/engine/model/codes';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';

const { clusterFields } = clusterFieldsModule;
const root = path.resolve(__dirname, '../../..');
interface Schema { properties?: Record<string, Schema>; items?: Schema; enum?: string[]; description?: string; additionalProperties?: unknown; default?: unknown; $ref?: string; definitions?: Record<string, Schema>; then?: Schema }
const schema = JSON.parse(readFileSync(path.join(root, 'schemas/cluster.schema.json'), 'utf8')) as Schema;
const manifest = JSON.parse(readFileSync(path.join(root, 'package.json'), 'utf8')) as { contributes: { yamlValidation: { url: string }[] } };

const cluster = schema.definitions!.cluster!;
const at = (...keys: string[]): Schema => keys.reduce<Schema>((s, k) => (k === '[]' ? s.items! : s.properties![k]!), cluster);
const levels: [string, Schema, readonly string[]][] = [
  ['document', cluster, clusterFields.document],
  ['metadata', at('metadata'), clusterFields.metadata],
  ['spec', at('spec'), clusterFields.spec],
  ['spec.cni', at('spec', 'cni'), clusterFields.cni],
  ['spec.kubeProxy', at('spec', 'kubeProxy'), clusterFields.kubeProxy],
  ['spec.nodes[]', at('spec', 'nodes', '[]'), clusterFields.node],
  ['spec.nodes[].interfaces[]', at('spec', 'nodes', '[]', 'interfaces', '[]'), clusterFields.nodeInterface],
  ['spec.nodes[].enis[]', at('spec', 'nodes', '[]', 'enis', '[]'), clusterFields.eni],
  ['spec.externals[]', at('spec', 'externals', '[]'), clusterFields.external],
];

test('package.json points yamlValidation at the schema', () => {
  assert.ok(manifest.contributes.yamlValidation.some((v) => v.url === './schemas/cluster.schema.json'));
  assert.deepEqual(schema.then, { $ref: '#/definitions/cluster' });
});

for (const [name, level, fields] of levels) {
  test(`schema and validator list the same fields at ${name}`, () => {
    assert.deepEqual(Object.keys(level.properties ?? {}).sort(), [...fields].sort());
    assert.equal(level.additionalProperties, false, 'unknown fields are errors in the validator, so the schema must refuse them too');
    for (const [k, p] of Object.entries(level.properties ?? {})) assert.ok(p.description, `${name}.${k} has no description`);
  });
}

test('schema enumerations are the validator\'s', () => {
  assert.deepEqual(at('spec', 'cni', 'plugin').enum, [...clusterFieldsModule.cniPlugins]);
  assert.deepEqual(at('spec', 'kubeProxy', 'mode').enum, [...clusterFieldsModule.proxyModes]);
  assert.deepEqual(at('spec', 'kubeProxy', 'detectLocalMode').enum, [...clusterFieldsModule.detectLocalModes]);
  assert.deepEqual(at('spec', 'kubeProxy', 'ipvsScheduler').enum, [...clusterFieldsModule.ipvsSchedulers]);
  assert.deepEqual(at('spec', 'cni', 'ipipMode').enum, [...clusterFieldsModule.calicoEncapModes]);
  assert.deepEqual(at('spec', 'cni', 'mode').enum, [...clusterFieldsModule.weaveModes]);
  assert.deepEqual(at('spec', 'nodes', '[]', 'interfaces', '[]', 'kind').enum, [...clusterFieldsModule.interfaceKinds]);
  assert.deepEqual([...new Set(at('spec', 'cni', 'backend').enum)].sort(), [...new Set([...clusterFieldsModule.flannelBackends, ...clusterFieldsModule.calicoBackends])].sort());
});

/** A Cluster document that writes every field the schema offers for `plugin`, with its default or first enum value. */
function everyField(plugin: 'flannel' | 'calico' | 'weave' | 'aws-vpc'): string {
  const cniFields = clusterFieldsModule.cniFieldsByPlugin[plugin];
  const value = (s: Schema): unknown => s.default ?? s.enum?.[0];
  const cni = Object.fromEntries(cniFields.map((f) => [f, f === 'plugin' ? plugin : f === 'backend' ? (plugin === 'calico' ? 'bird' : 'vxlan') : f === 'port' ? 8472 : f === 'mtu' ? 1400 : value(at('spec', 'cni', f))]));
  const kubeProxy = Object.fromEntries(Object.entries(at('spec', 'kubeProxy').properties!).map(([k, s]) => [k, value(s)]));
  return JSON.stringify({
    apiVersion: 'packetwalk.io/v1alpha1', kind: 'Cluster', metadata: { name: 'all', labels: { a: 'b' }, annotations: { c: 'd' } },
    spec: {
      clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', include: [], cni, kubeProxy,
      nodes: [{ name: 'n1', address: '192.168.1.11', prefixLength: 24, podCIDR: '10.42.0.0/24', interface: 'eth0', mac: '52:54:00:00:00:11', gateway: '192.168.1.1', labels: { x: 'y' },
        interfaces: [{ name: 'docker0', address: '172.17.0.1/16', mac: '02:42:ac:11:00:01', kind: 'bridge', up: false }], routes: ['169.254.0.0/16 dev eth0 scope link metric 1000'],
        enis: [{ name: 'eth1', mac: '02:00:00:00:00:01', primary: '192.168.1.50', secondary: ['192.168.1.51'] }] }],
      externals: [{ name: 'client', address: '192.168.1.100', prefixLength: 24, mac: '52:54:00:00:00:64' }],
    },
  });
}

for (const plugin of ['flannel', 'calico', 'weave', 'aws-vpc'] as const) {
  test(`every schema field (for ${plugin}) loads without a diagnostic`, () => {
    const r = loadTopology({ path: 'all.json', text: everyField(plugin) }, noIncludes);
    assert.deepEqual(r.diagnostics.map((d) => `${d.code} ${d.message}`), []);
    assert.equal(r.value?.cluster.cni.plugin, plugin);
  });
}

test('a field outside the schema is the validator\'s unknown-field error', () => {
  const text = everyField('flannel').replace('"clusterCIDR"', '"clusterCidrs"');
  const r = loadTopology({ path: 'x.json', text }, noIncludes);
  assert.ok(r.diagnostics.some((d) => d.code === codes.unknownClusterField.code && /clusterCidrs/.test(d.message)));
});
