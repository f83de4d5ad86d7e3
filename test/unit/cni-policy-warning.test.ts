/** Every CNI that does not enforce NetworkPolicy says so on each policy, as the loader's PW5002 warning. */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { cniRegistry } from '../../src/engine/cni/index';
import { loadTopology } from '../../src/engine/model/load';

const samples = path.resolve(__dirname, '../../../samples');
const denyAll = ['---', 'apiVersion: networking.k8s.io/v1', 'kind: NetworkPolicy', 'metadata: {name: deny-all}', 'spec:', '  podSelector: {}', ''].join('\n');

function policyWarnings(sample: string): { severity: string; message: string }[] {
  const file = path.join(samples, sample);
  const text = `${readFileSync(file, 'utf8').trimEnd()}\n${denyAll}`;
  const r = loadTopology({ path: file, text }, nodeHost);
  assert.ok(r.value, `${sample} with a NetworkPolicy loads`);
  return r.diagnostics.filter((d) => d.code === 'PW5002').map((d) => ({ severity: d.severity, message: d.message }));
}

test('aws-vpc warns that it does not enforce NetworkPolicy, as flannel does', () => {
  const flannel = policyWarnings('seed002-flannel-vxlan.yaml');
  const aws = policyWarnings('aws-vpc-cni.yaml');
  assert.equal(flannel.length, 1);
  assert.equal(aws.length, 1, 'one warning on the one NetworkPolicy');
  assert.equal(aws[0]!.severity, flannel[0]!.severity);
  assert.match(aws[0]!.message, /^aws-vpc does not enforce NetworkPolicy here/);
  assert.match(aws[0]!.message, /network policy agent/);
});

test('a plugin warns on NetworkPolicy exactly when it does not enforce it', () => {
  for (const [plugin, cni] of Object.entries(cniRegistry)) {
    assert.equal(cni.policy.warning === undefined, cni.policy.networkPolicy, plugin);
  }
});
