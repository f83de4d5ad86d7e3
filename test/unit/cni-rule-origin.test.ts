/** A CNI rule that enforces NetworkPolicy carries which policy and which rule it comes from, and the walk reads that. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { felixDropDirection, felixPolicyRules, policyChainName } from '../../src/engine/cni/calico/felix';
import { caliVethName } from '../../src/engine/cni/calico/veth';
import { createEngine, traceFlow } from '../../src/engine/index';
import { loadTopologyFile } from '../fixtures/load';

test('Felix rules carry their origin: the end-of-tier drop names the isolating policies, a policy chain its rule', () => {
  const t = loadTopologyFile('samples/canal-policy.yaml');
  const db = t.pods.find((p) => p.namespace === 'shop' && p.name === 'db')!;
  const { rules } = felixPolicyRules(t, t.nodes.find((n) => n.name === db.nodeName)!);
  const tw = `cali-tw-${caliVethName(db)}`;
  const tier = rules.find((r) => r.rule.startsWith(`-A ${tw} `) && r.rule.includes('End of tier'))!;
  assert.deepEqual(tier.origin, { kind: 'policy', direction: 'ingress', policies: ['shop/db-allow-backend'] });
  const chain = policyChainName('ingress', 'shop/db-allow-backend');
  const allow = rules.filter((r) => r.rule.startsWith(`-A ${chain} `));
  assert.ok(allow.length > 0);
  for (const r of allow) assert.deepEqual(r.origin, { kind: 'policy', direction: 'ingress', policies: ['shop/db-allow-backend'], ruleIndex: 0 });
  // Every rule whose text reads as a policy drop has an origin, and no other rule drops with one.
  for (const r of rules) {
    const direction = felixDropDirection(r.rule);
    if (direction) assert.equal(r.origin?.direction, direction, r.rule);
    else if (r.rule.endsWith('-j DROP')) assert.equal(r.origin, undefined, r.rule);
  }
});

test('a drop by a Felix rule ends the walk DENIED with the policy step after the rule', () => {
  const t = loadTopologyFile('samples/canal-policy.yaml');
  const trace = traceFlow(createEngine(t), { from: 'pod/shop/frontend', to: 'pod/shop/db', proto: 'tcp', port: 5432 });
  assert.equal(trace.disposition, 'DENIED');
  const last = trace.final.slice(-2);
  assert.ok(last[0]?.kind === 'netfilter' && last[0].verdict === 'DROP' && last[0].rule.includes('End of tier'));
  assert.ok(last[1]?.kind === 'policy' && last[1].verdict === 'deny' && last[1].direction === 'ingress');
});
