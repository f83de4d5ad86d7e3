import assert from 'node:assert/strict';
import { test } from 'node:test';
import { load as loadYaml } from 'js-yaml';
import { generateTopology, type GenerateOptions } from '../../src/engine/generate/topology';
import { loadTopology } from '../../src/engine/model/load';
import { noIncludes } from '../../src/engine/model/host';

const base: GenerateOptions = { nodes: 7, podsPerNode: 5, services: 4, endpointsPerService: 3, policies: 0, cni: 'flannel/vxlan', proxy: 'iptables', seed: 1 };
const text = (o: GenerateOptions) => [...generateTopology(o)].join('');

test('the same options give the same bytes; another seed moves pods', () => {
  assert.equal(text(base), text({ ...base }));
  assert.notEqual(text(base), text({ ...base, seed: 2 }));
});

test('every pod sits inside its node podCIDR and each service has its endpoints', () => {
  const docs = text(base).split(/^---$/m).slice(1).map((d) => loadYaml(d) as { kind: string; metadata: { labels?: Record<string, string> }; spec: { nodeName?: string }; status?: { podIP: string } });
  const pods = docs.filter((d) => d.kind === 'Pod');
  assert.equal(pods.length, 35);
  const ips = new Set(pods.map((p) => p.status!.podIP));
  assert.equal(ips.size, 35, 'pod IPs are unique');
  for (const p of pods) {
    const node = Number(p.spec.nodeName!.slice('node-'.length));
    assert.equal(p.status!.podIP.split('.').slice(0, 3).join('.'), `10.0.${node}`);
  }
  for (let s = 0; s < 4; s++) assert.equal(pods.filter((p) => p.metadata.labels!.app === `svc-${s}`).length, 3);
  assert.equal(docs.filter((d) => d.kind === 'Service').length, 4);
});

test('check accepts a generated topology with zero diagnostics', () => {
  for (const cni of ['flannel/vxlan', 'flannel/host-gw', 'calico/ipip'] as const) {
    const result = loadTopology({ path: 'gen.yaml', text: text({ ...base, cni, policies: cni === 'calico/ipip' ? 3 : 0 }) }, noIncludes);
    assert.deepEqual(result.diagnostics, [], cni);
    assert.equal(result.value?.pods.length, 35);
    assert.equal(result.value?.services.length, 4);
  }
});
