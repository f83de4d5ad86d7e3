/**
 * The loader reads the common shapes of objects straight off the parsed value and sends anything
 * else through the general, reporting reader. Both must give the same draft and the same
 * diagnostics for any object: here Pods whose fields are each, now and then, of an odd type or value.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { parseDocuments } from '../fixtures/load';
import { readPod, readPodInFull, type PodDraft } from '../../src/engine/model/pods';
import { Reader } from '../../src/engine/model/reader';
import { readService, readServiceInFull, type ServiceDraft } from '../../src/engine/model/services';

const odd = fc.constantFrom<unknown>(undefined, null, '', 'x', 7, true, [], {}, { a: 'b' }, { a: 1 }, [1], 'udp', 'SCTP', 'False', 'false', 0, 65536, 8080.5, '10.1.2.300', 'Pending', 'nmae', '8080', 29999, 'None');
/** The value as a plain Pod has it, or (one time in twenty) something odd in its place. */
const maybe = <T>(plain: fc.Arbitrary<T>): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: plain, weight: 19 }, { arbitrary: odd, weight: 1 });
/** A field name of the API that the simulator does not read, or now and then a misspelling of one it does. */
const extra = (typo: string): fc.Arbitrary<unknown> => fc.oneof({ arbitrary: fc.constant(undefined), weight: 19 }, { arbitrary: fc.constant(typo), weight: 1 });

const port = fc.record({ name: maybe(fc.constantFrom('http', 'dns', 53)), containerPort: maybe(fc.integer({ min: 1, max: 65535 })), protocol: maybe(fc.constantFrom('TCP', 'UDP', 'SCTP')) }, { requiredKeys: [] });
const container = fc.record({ name: maybe(fc.constantFrom('app', 'sidecar')), ports: maybe(fc.array(maybe(port), { maxLength: 2 })), image: fc.constant('nginx') }, { requiredKeys: [] });
const strings = fc.dictionary(fc.constantFrom('app', 'tier', 'zone'), maybe(fc.constantFrom('web', 'db', '')), { maxKeys: 2 });
const pod = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Pod'),
  metadata: maybe(fc.record({ name: maybe(fc.constantFrom('p', 'q')), namespace: maybe(fc.constantFrom('default', 'other')), labels: maybe(strings), annotations: maybe(strings), uid: fc.constant('u'), nmae: extra('typo') }, { requiredKeys: ['name', 'nmae'] })),
  spec: maybe(fc.record({ nodeName: maybe(fc.constantFrom('n1', 'n2')), nodeSelector: maybe(strings), hostNetwork: maybe(fc.boolean()), containers: maybe(fc.array(maybe(container), { maxLength: 2 })), dnsPolicy: fc.constant('ClusterFirst'), contianers: extra('typo') }, { requiredKeys: ['containers', 'contianers'] })),
  status: maybe(fc.record({ podIP: maybe(fc.constantFrom('10.244.1.5', '10.0.0.2')), phase: maybe(fc.constantFrom('Running', 'Succeeded')), conditions: maybe(fc.array(maybe(fc.record({ type: maybe(fc.constantFrom('Ready', 'PodScheduled')), status: maybe(fc.constantFrom('True', 'False', 'false')) })), { maxLength: 2 })), hostIP: fc.constant('192.168.1.1') }, { requiredKeys: [] })),
}, { requiredKeys: ['apiVersion', 'kind'] });

const servicePort = fc.record({
  name: maybe(fc.constantFrom('http', 'dns', 53)), port: maybe(fc.integer({ min: 1, max: 65535 })), targetPort: maybe(fc.constantFrom('http', 8080, 'web')),
  nodePort: maybe(fc.constantFrom(30080, 32767)), protocol: maybe(fc.constantFrom('TCP', 'UDP')), appProtocol: fc.constant('http'),
}, { requiredKeys: [] });
const address = fc.constantFrom('10.43.0.10', '192.168.1.5');
const service = fc.record({
  apiVersion: fc.constant('v1'),
  kind: fc.constant('Service'),
  metadata: maybe(fc.record({ name: maybe(fc.constantFrom('s', 't')), namespace: maybe(fc.constantFrom('default', 'other')), labels: maybe(strings) }, { requiredKeys: ['name'] })),
  spec: maybe(fc.record({
    type: maybe(fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer', 'ExternalName')), clusterIP: maybe(fc.constantFrom('10.43.0.10', 'None', '')), selector: maybe(strings), ports: maybe(fc.array(maybe(servicePort), { maxLength: 2 })),
    externalIPs: maybe(fc.array(maybe(address), { maxLength: 2 })), loadBalancerIP: maybe(address), loadBalancerSourceRanges: maybe(fc.constant(['10.0.0.0/8'])),
    externalTrafficPolicy: maybe(fc.constantFrom('Cluster', 'Local')), internalTrafficPolicy: maybe(fc.constantFrom('Cluster', 'Local')), sessionAffinity: maybe(fc.constantFrom('None', 'ClientIP')),
    sessionAffinityConfig: maybe(fc.constant({ clientIP: { timeoutSeconds: 60 } })), healthCheckNodePort: maybe(fc.constantFrom(31000, 31001)), ipFamilies: fc.constant(['IPv4']), slector: extra('typo'),
  }, { requiredKeys: ['slector'] })),
  status: maybe(fc.record({ loadBalancer: maybe(fc.record({ ingress: maybe(fc.array(maybe(fc.record({ ip: maybe(fc.constant('192.168.1.5')), hostname: fc.constant('lb') }, { requiredKeys: ['ip'] })), { maxLength: 2 })) }, { requiredKeys: [] })) }, { requiredKeys: [] })),
}, { requiredKeys: ['apiVersion', 'kind'] });

/** A draft as plain data: the reader behind it is the one each side was handed. */
function shape(d: PodDraft | ServiceDraft | undefined): unknown {
  if (!d) return undefined;
  const { reader: _reader, ...rest } = d;
  const fields = Object.fromEntries(Object.entries(rest).filter(([, v]) => v !== undefined).sort(([a], [b]) => a.localeCompare(b)));
  return JSON.parse(JSON.stringify(fields));
}

function read(text: string, as: (r: Reader) => PodDraft | ServiceDraft | undefined): { draft: unknown; diagnostics: Diagnostic[] } {
  const parsed = parseDocuments({ path: 'pod.yaml', text });
  assert.equal(parsed.documents.length, 1);
  const diagnostics: Diagnostic[] = [];
  return { draft: shape(as(new Reader(parsed.documents[0]!, diagnostics))), diagnostics };
}

test('a Pod reads the same through the plain path as through the general reader, as YAML and as JSON', () => {
  let plain = 0;
  fc.assert(
    fc.property(pod, fc.boolean(), (value, json) => {
      const text = json ? JSON.stringify(value) : yaml.dump(value);
      const fast = read(text, readPod);
      const full = read(text, readPodInFull);
      assert.deepEqual(fast, full);
      if (full.diagnostics.length === 0 && full.draft !== undefined) plain++;
    }),
    { numRuns: 600, seed: 9 },
  );
  // The generator must reach clean Pods often, or the plain path would go untested.
  assert.ok(plain > 100, `only ${plain} clean pods`);
});

test('a Service reads the same through the plain path as through the general reader, as YAML and as JSON', () => {
  let plain = 0;
  fc.assert(
    fc.property(service, fc.boolean(), (value, json) => {
      const text = json ? JSON.stringify(value) : yaml.dump(value);
      const fast = read(text, readService);
      const full = read(text, readServiceInFull);
      assert.deepEqual(fast, full);
      if (full.diagnostics.length === 0 && full.draft !== undefined) plain++;
    }),
    { numRuns: 800, seed: 11 },
  );
  assert.ok(plain > 60, `only ${plain} clean services`);
});
