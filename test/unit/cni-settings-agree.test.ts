/**
 * The loader and the importer read a CNI's settings with one meaning (model/cniSettings.ts): the
 * same verbatim upstream manifest, one setting changed, gives the same value whether it is loaded
 * beside a Cluster document or imported as a cluster's objects.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { inferCni } from '../../src/engine/import/cni';
import { readObjects } from '../../src/engine/import/objects';
import { loadTopology } from '../../src/engine/model/load';
import type { CniConfig } from '../../src/engine/model/types';

const root = path.join(__dirname, '..', '..', '..');
const upstream = (rel: string) => readFileSync(path.join(root, 'test/fixtures/upstream', rel), 'utf8');
const CALICO = upstream('calico/manifests__calico.yaml');
const WEAVE = upstream('weave/prog__weave-kube__weave-daemonset-k8s-1.11.yaml');
const AWS = upstream('amazon-vpc-cni-k8s/config__master__aws-k8s-cni.yaml');

/** A literal env entry added after an existing one, at its indentation. */
function addEnvAfter(text: string, after: string, name: string, value: string): string {
  const m = new RegExp(`\\n( +)- name: ${after}\\n\\s+value: "[^"]*"`).exec(text);
  assert.ok(m, `${after} is in the manifest`);
  const at = m.index + m[0].length;
  return `${text.slice(0, at)}\n${m[1]}- name: ${name}\n${m[1]}  value: "${value}"${text.slice(at)}`;
}

function loaded(manifest: string): CniConfig {
  const text = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: upstream}
spec:
  nodes:
  - {name: node-1, address: 10.0.0.11, gateway: 10.0.0.1, labels: {kubernetes.io/os: linux}}
---
${manifest}`;
  const r = loadTopology({ path: 'upstream.yaml', text }, nodeHost);
  assert.ok(r.value, r.diagnostics.map((d) => d.message).join('\n'));
  return r.value.cluster.cni;
}

function imported(manifest: string): Record<string, unknown> {
  const cni = inferCni(readObjects([{ path: 'upstream.yaml', text: manifest }]).objects, undefined);
  return Object.fromEntries(cni.fields.map(([k, f]) => [k, f.value]));
}

for (const value of ['false', 'no', '0', 'F', 'true', 'yes']) {
  test(`CALICO_IPV4POOL_NAT_OUTGOING "${value}": the loader and the importer agree (calico-node's evaluateENVBool)`, () => {
    const manifest = addEnvAfter(CALICO, 'CALICO_IPV4POOL_VXLAN', 'CALICO_IPV4POOL_NAT_OUTGOING', value);
    const cni = loaded(manifest);
    assert.equal(cni.plugin, 'calico');
    assert.equal(imported(manifest).natOutgoing, cni.plugin === 'calico' && cni.natOutgoing);
    assert.equal(cni.plugin === 'calico' && cni.natOutgoing, !['false', 'no', '0', 'F'].includes(value));
  });
}

for (const value of ['1', 'false', 'yes']) {
  test(`WEAVE_NO_FASTDP "${value}": the loader and the importer agree (launch.sh: any non-empty value is --no-fastdp)`, () => {
    const manifest = addEnvAfter(WEAVE, 'INIT_CONTAINER', 'WEAVE_NO_FASTDP', value);
    const cni = loaded(manifest);
    assert.equal(cni.plugin, 'weave');
    assert.equal(imported(manifest).mode, cni.plugin === 'weave' && cni.mode);
    assert.equal(cni.plugin === 'weave' && cni.mode, 'sleeve');
  });
}

for (const value of ['true', 'T', '1', 'yes', 'false']) {
  test(`AWS_VPC_K8S_CNI_EXTERNALSNAT "${value}": the loader and the importer agree (aws-node's strconv.ParseBool)`, () => {
    const setting = /(- name: AWS_VPC_K8S_CNI_EXTERNALSNAT\n\s+value: )"[^"]*"/;
    assert.match(AWS, setting, 'the manifest sets AWS_VPC_K8S_CNI_EXTERNALSNAT');
    const manifest = AWS.replace(setting, `$1"${value}"`);
    const cni = loaded(manifest);
    assert.equal(cni.plugin, 'aws-vpc');
    assert.equal(imported(manifest).externalSnat, cni.plugin === 'aws-vpc' && cni.externalSnat);
  });
}
