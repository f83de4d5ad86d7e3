/**
 * Felix's NetworkPolicy rules: their shape on a node, and one source of truth with the policy
 * model: for every ordered pod pair the walk is DENIED, by a rule of an endpoint chain, exactly
 * when the policy hook denies the packet in either direction.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { cniNat } from '../../src/engine/cni/index';
import { caliVethName } from '../../src/engine/cni/calico/veth';
import { createEngine, traceFlow } from '../../src/engine/index';
import type { Topology } from '../../src/engine/model/types';
import { felixDropDirection, felixPolicyRules, policyChainName } from '../../src/engine/cni/calico/felix';
import { createPolicyHook } from '../../src/engine/policy/hook';
import { loadTopologyFile } from '../fixtures/load';

const node = (t: Topology, name: string) => t.nodes.find((n) => n.name === name)!;
const pod = (t: Topology, ns: string, name: string) => t.pods.find((p) => p.namespace === ns && p.name === name)!;

test('canal: the database pod is isolated by its tier, its policy allows only the backend set on 5432', () => {
  const t = loadTopologyFile('samples/canal-policy.yaml');
  const db = pod(t, 'shop', 'db');
  const backend = pod(t, 'shop', 'backend');
  const { rules, ipsets } = felixPolicyRules(t, node(t, db.nodeName));
  const lines = rules.map((r) => r.rule);
  const tw = `cali-tw-${caliVethName(db)}`;
  const chain = policyChainName('ingress', 'shop/db-allow-backend');
  assert.ok(lines.includes(`-A cali-to-wl-dispatch -o ${caliVethName(db)} -g ${tw}`));
  const own = lines.filter((l) => l.startsWith(`-A ${tw} `));
  assert.deepEqual(own.slice(0, 1), [`-A ${tw} -m conntrack --ctstate RELATED,ESTABLISHED -j ACCEPT`], 'conntrack accepts replies first');
  const jump = own.indexOf(`-A ${tw} -m mark --mark 0x0/0x20000 -j ${chain}`);
  const drop = own.findIndex((l) => felixDropDirection(l) === 'ingress' && l.includes('End of tier'));
  assert.ok(jump > 0 && drop > jump, 'the policy runs before the end-of-tier drop');
  const allow = lines.filter((l) => l.startsWith(`-A ${chain} `) && l.includes('--set-xmark 0x10000/0x10000'));
  assert.equal(allow.length, 1);
  const set = /--match-set (\S+) src/.exec(allow[0]!)![1]!;
  assert.match(allow[0]!, /^-A \S+ -p tcp -m set --match-set \S+ src -m tcp --dport 5432 -j MARK/);
  assert.deepEqual(ipsets.find((s) => s.name === set)?.members, [`${backend.ip}/32`]);
  assert.ok(set.length <= 31 && chain.length <= 28, 'names fit iptables and ipset limits');
  // The egress chain of the same pod is not isolated: straight to the namespace profile.
  assert.ok(!lines.some((l) => l.startsWith(`-A cali-fw-${caliVethName(db)} `) && l.includes('End of tier')));
});

test('Felix rules exist only where Felix runs and some policy exists, and join the CNI rules', () => {
  const flannel = loadTopologyFile('samples/flannel-policy.yaml');
  assert.deepEqual(felixPolicyRules(flannel, flannel.nodes[0]!).rules, []);
  const bgp = loadTopologyFile('samples/calico-bgp.yaml');
  assert.deepEqual(felixPolicyRules(bgp, bgp.nodes[0]!).rules, []);
  const fixture = loadTopologyFile('test/fixtures/lab/calico-bgp-policy.yaml');
  const n = node(fixture, 'worker-2');
  const nat = cniNat(fixture, n);
  assert.ok(nat.rules.some((r) => r.rule === '-A FORWARD -j cali-FORWARD' && r.position === 'first' && r.table === 'filter'));
  assert.ok(nat.rules.some((r) => r.rule.startsWith('-A cali-nat-outgoing')), "Felix's NAT rules stay");
  // A named port resolves to each selected pod's own container port, with that pod as destination.
  const backend1 = pod(fixture, 'default', 'backend-1');
  assert.ok(nat.rules.some((r) => r.rule.startsWith(`-A ${policyChainName('ingress', 'default/backend-from-frontend')} -d ${backend1.ip}/32 -p tcp `) && r.rule.includes('--dport 5678')));
});

/** Every ordered pair of pods on the pod network, on each port, the walk against the policy hook. */
function agreement(file: string, ports: readonly number[]): number {
  const t = loadTopologyFile(file);
  const engine = createEngine(t);
  const hook = createPolicyHook(t);
  const pods = t.pods.filter((p) => !p.hostNetwork);
  let denied = 0;
  for (const a of pods) {
    for (const b of pods) {
      if (a === b) continue;
      for (const port of ports) {
        const query = { src: { ip: a.ip, pod: { namespace: a.namespace, name: a.name } }, dst: { ip: b.ip, pod: { namespace: b.namespace, name: b.name } }, protocol: 'TCP' as const, port };
        const model = hook.evaluate('egress', query).verdict === 'deny' || hook.evaluate('ingress', query).verdict === 'deny';
        const trace = traceFlow(engine, { from: `pod/${a.namespace}/${a.name}`, to: `pod/${b.namespace}/${b.name}`, port, proto: 'tcp' });
        const label = `${a.name} -> ${b.name}:${port}`;
        assert.equal(trace.disposition === 'DENIED', model, `${label}: walk ${trace.disposition}, policy ${model ? 'deny' : 'allow'}`);
        if (model) {
          denied++;
          const rule = trace.final.find((s) => s.kind === 'netfilter' && s.verdict === 'DROP');
          assert.ok(rule?.kind === 'netfilter' && felixDropDirection(rule.rule), `${label}: the deny names an endpoint chain's rule`);
          assert.ok(trace.final.some((s) => s.kind === 'policy' && s.verdict === 'deny'), `${label}: and explains it`);
        } else {
          assert.equal(trace.disposition, 'DELIVERED', label);
        }
      }
    }
  }
  return denied;
}

test('canal: the walk denies by Felix rule exactly the pairs the policy model denies', () => {
  assert.ok(agreement('samples/canal-policy.yaml', [5432, 9000]) >= 3);
});

test('calico BGP with ingress and egress policies: walk and model agree pair by pair', () => {
  assert.ok(agreement('test/fixtures/lab/calico-bgp-policy.yaml', [5678, 80, 9000]) >= 10);
});
