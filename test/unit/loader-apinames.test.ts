/**
 * Names and labels as the API server checks them. The good and bad values are those of
 * apimachinery's own tests (staging/src/k8s.io/apimachinery/pkg/util/validation/validation_test.go:
 * TestIsDNS1123Label, TestIsDNS1123Subdomain, TestIsDNS1035Label, TestIsQualifiedName,
 * TestIsValidLabelValue), so a rule written looser or stricter than Kubernetes' fails here.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { labelKeyProblem, labelValueProblem, nameFormatOf, nameProblem, nameSuggestion, type NameFormat } from '../../src/engine/model/apiNames';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';

function accepts(format: NameFormat, good: readonly string[], bad: readonly string[]): void {
  for (const v of good) assert.equal(nameProblem(format, v), undefined, `${format} should accept "${v}"`);
  for (const v of bad) assert.notEqual(nameProblem(format, v), undefined, `${format} should refuse "${v}"`);
}

test('DNS-1123 labels: the cases of TestIsDNS1123Label', () => {
  accepts('dns1123Label',
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a'.repeat(63)],
    ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)]);
});

test('DNS-1123 subdomains: the cases of TestIsDNS1123Subdomain', () => {
  accepts('dns1123Subdomain',
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', '0', '01', '012', '1a', '1-a', '1--a--b--2', 'a.a', 'ab.a', 'abc.a', 'a1.a', 'a-1.a', 'a--1--2--b.a',
      'a.1', 'ab.1', 'abc.1', 'a1.1', 'a-1.1', 'a--1--2--b.1', '0.a', '01.a', '012.a', '1a.a', '1-a.a', '1--a--b--2', '0.1', '01.1', '012.1', '1a.1', '1-a.1',
      '1--a--b--2.1', 'a.b.c.d.e', 'aa.bb.cc.dd.ee', '1.2.3.4.5', '11.22.33.44.55', 'a'.repeat(253)],
    ['', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2', '.', 'a.', '.a', 'a..b', '1.', '.1', '1..2',
      ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'A.a', 'aB.a', 'ab.A', 'A1.a', 'a1.A', 'A.1', 'aB.1', 'A1.1', '1A.1', '0.A', '01.A', '012.A', '1A.a', '1a.A',
      'A.B.C.D.E', 'AA.BB.CC.DD.EE', 'a.B.c.d.e', 'aa.bB.cc.dd.ee', 'a@b', 'a,b', 'a_b', 'a;b', 'a:b', 'a%b', 'a?b', 'a$b', 'a'.repeat(254)]);
});

test('DNS-1035 labels (Service names): the cases of TestIsDNS1035Label', () => {
  accepts('dns1035Label',
    ['a', 'ab', 'abc', 'a1', 'a-1', 'a--1--2--b', 'a'.repeat(63)],
    ['0', '01', '012', '1a', '1-a', '1--a--b--2', '', 'A', 'ABC', 'aBc', 'A1', 'A-1', '1-A', '-', 'a-', '-a', '1-', '-1', '_', 'a_', '_a', 'a_b', '1_', '_1', '1_2',
      '.', 'a.', '.a', 'a.b', '1.', '.1', '1.2', ' ', 'a ', ' a', 'a b', '1 ', ' 1', '1 2', 'a'.repeat(64)]);
});

test('label keys: the cases of TestIsQualifiedName', () => {
  const good = ['simple', 'now-with-dashes', '1-starts-with-num', '1234', 'simple/simple', 'now-with-dashes/simple', 'now-with-dashes/now-with-dashes',
    'now.with.dots/simple', 'now-with.dashes-and.dots/simple', '1-num.2-num/3-num', '1234/5678', '1.2.3.4/5678', 'Uppercase_Is_OK_123', 'example.com/Uppercase_Is_OK_123',
    'requests.storage-foo', 'a'.repeat(63), `${'a'.repeat(253)}/${'b'.repeat(63)}`];
  const bad = ['nospecialchars%^=@', 'cantendwithadash-', '-cantstartwithadash-', 'only/one/slash', 'Example.com/abc', 'example_com/abc', 'example.com/', '/simple',
    'a'.repeat(64), `${'a'.repeat(254)}/abc`];
  for (const k of good) assert.equal(labelKeyProblem(k), undefined, `should accept "${k}"`);
  for (const k of bad) assert.notEqual(labelKeyProblem(k), undefined, `should refuse "${k}"`);
});

test('label values: the cases of TestIsValidLabelValue', () => {
  const good = ['simple', 'now-with-dashes', '1-starts-with-num', 'end-with-num-1', '1234', 'a'.repeat(63), ''];
  const bad = ['nospecialchars%^=@', 'Tama-nui-te-rā.is_the_Māori_sun', '\u2212_\u2212', '-cantstartwithadash', 'cantendwithadash-', 'only/one/slash', 'a'.repeat(64)];
  for (const v of good) assert.equal(labelValueProblem(v), undefined, `should accept "${v}"`);
  for (const v of bad) assert.notEqual(labelValueProblem(v), undefined, `should refuse "${v}"`);
});

test('each read kind takes the name format of its Validate<Kind>Name', () => {
  assert.deepEqual(
    ['Namespace', 'Service', 'StatefulSet', 'Pod', 'NetworkPolicy', 'Deployment', 'Node', 'EndpointSlice'].map((k) => `${k}:${nameFormatOf(k)}`),
    ['Namespace:dns1123Label', 'Service:dns1035Label', 'StatefulSet:dns1123Label', 'Pod:dns1123Subdomain', 'NetworkPolicy:dns1123Subdomain', 'Deployment:dns1123Subdomain', 'Node:dns1123Subdomain', 'EndpointSlice:dns1123Subdomain'],
  );
});

test('a suggested name is one the format accepts', () => {
  assert.equal(nameSuggestion('dns1123Subdomain', 'use_common_labels_same_values'), 'use-common-labels-same-values');
  assert.equal(nameSuggestion('dns1035Label', '1Web.Front'), 'web-front');
  assert.equal(nameSuggestion('dns1123Label', '-_-'), undefined);
});

const file = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: c}
spec:
  clusterCIDR: 10.42.0.0/16
  serviceCIDR: 10.43.0.0/16
  cni: {plugin: calico, backend: bird}
  nodes:
  - {name: node1, address: 192.168.1.11}
---
apiVersion: v1
kind: Pod
metadata: {name: web-1, labels: {app: web}}
spec: {nodeName: node1, containers: [{name: web}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web_2, labels: {app: web}}
spec: {nodeName: node1, containers: [{name: web}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: deny-all}
spec: {podSelector: {}, policyTypes: [Ingress]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: use_common_labels_same_values}
spec: {podSelector: {}, policyTypes: [Egress]}
`;

test('an object the API server would refuse is reported and left out; the rest of the file still loads', () => {
  const result = loadTopology({ path: 't.yaml', text: file }, noIncludes);
  assert.deepEqual(result.diagnostics.map((d) => `${d.code} ${d.line}:${d.col}`), ['PW3008 18:18', 'PW3008 28:18']);
  assert.deepEqual(result.value?.pods.map((p) => p.name), ['web-1']);
  assert.deepEqual(result.value?.policies.map((p) => p.name), ['deny-all']);
});
