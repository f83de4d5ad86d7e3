/**
 * Port ranges in the rule evaluator, as iptables and the kernel read them: `--dport a:b` inclusive
 * at both ends with open ends filled (`:b` from 0, `a:` to 65535), multiport's lists of ports and
 * ranges, `--ports` matching either side, and `!` inverting the whole match. Seen on the kernel
 * first (docs/kernel-facts.md, "Port ranges"); a Felix rule for a NetworkPolicy `endPort` range
 * wider than 256 ports is one such range, and the walk now lets its ports through.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { createEngine, traceFlow } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import { felixPolicyRules, policyChainName } from '../../src/engine/cni/calico/felix';
import { evaluateHook } from '../../src/engine/netfilter/evaluate';
import { parseRestore, parseRule } from '../../src/engine/netfilter/rules';
import type { FlowKey } from '../../src/engine/trace/hooks';

const udp = (sport: number, dport: number): FlowKey => ({ src: '10.0.0.1', dst: '10.0.0.2', proto: 'udp', sport, dport });

/** The rules of chain OUTPUT that a flow matches, by their text (every rule has no target, so all are tried). */
function matching(rules: readonly string[], flow: FlowKey): string[] {
  const set = parseRestore(['*filter', ':OUTPUT ACCEPT [0:0]', ...rules.map((r) => `-A OUTPUT ${r}`), 'COMMIT'].join('\n'));
  const result = evaluateHook(set, { node: 'n', hook: 'OUTPUT', flow, mark: 0, newConnection: true, isLocalAddress: () => false }, '10.0.0.9');
  return result.steps.flatMap((s) => (s.kind === 'netfilter' ? [s.rule.slice('-A OUTPUT '.length)] : []));
}

test('--dport a:b holds from a to b inclusive; open ends run from 0 and to 65535; ! inverts', () => {
  const rules = ['-p udp -m udp --dport 1000:2000', '-p udp -m udp ! --dport 1000:2000', '-p udp -m udp --dport :999', '-p udp -m udp --dport 2001:', '-p udp -m udp --sport 7000:7001'];
  // The counters the kernel showed for these ports from source port 7000.
  assert.deepEqual(matching(rules, udp(7000, 1000)), [rules[0], rules[4]]);
  assert.deepEqual(matching(rules, udp(7000, 2000)), [rules[0], rules[4]]);
  assert.deepEqual(matching(rules, udp(7000, 999)), [rules[1], rules[2], rules[4]]);
  assert.deepEqual(matching(rules, udp(7002, 2001)), [rules[1], rules[3]]);
  assert.deepEqual(matching(rules, udp(7000, 0)), [rules[1], rules[2], rules[4]]);
  assert.deepEqual(matching(rules, udp(7000, 65535)), [rules[1], rules[3], rules[4]]);
});

test('multiport: --dports lists ports and ranges, --ports takes either side, ! inverts the list', () => {
  const rules = ['-p udp -m multiport --dports 80,1500:1501', '-p udp -m multiport ! --dports 80,1500:1501', '-p udp -m multiport --ports 7000:7001', '-p udp -m multiport ! --ports 7000:7001', '-p udp -m multiport --sports 53,5353'];
  assert.deepEqual(matching(rules, udp(7000, 1501)), [rules[0], rules[2]]);
  assert.deepEqual(matching(rules, udp(7000, 80)), [rules[0], rules[2]]);
  assert.deepEqual(matching(rules, udp(7000, 1502)), [rules[1], rules[2]]);
  // --ports holds on the destination alone too, and its negation only when neither side is in it.
  assert.deepEqual(matching(rules, udp(53, 7001)), [rules[1], rules[2], rules[4]]);
  assert.deepEqual(matching(rules, udp(5353, 9)), [rules[1], rules[3], rules[4]]);
});

test('a port rule never holds for ICMP, and the proto match still decides TCP against UDP', () => {
  const rules = ['-p tcp -m tcp --dport 1:65535', '-m multiport --ports 0:65535'];
  assert.deepEqual(matching(rules, { src: '10.0.0.1', dst: '10.0.0.2', proto: 'icmp', sport: 0, dport: 0 }), []);
  assert.deepEqual(matching(rules, udp(1, 2)), [rules[1]]);
});

test('ports are read as iptables reads them, and what iptables refuses is refused', () => {
  const m = (text: string) => parseRule('filter', `-A X ${text}`).matches;
  assert.deepEqual(m('--dport 7:7'), [{ kind: 'dport', negate: false, ranges: [{ from: 7, to: 7 }] }]);
  assert.deepEqual(m('-m multiport ! --ports 53,1000:'), [{ kind: 'port', negate: true, ranges: [{ from: 53, to: 53 }, { from: 1000, to: 65535 }] }]);
  assert.throws(() => m('--dport 2000:1000'), /min > max/);
  assert.throws(() => m('--dport 70000'), /bad port/);
});

test('a long chain indexed by port still tries range rules for every port they cover', () => {
  // Past 32 rules the chain is indexed by single ports; a range rule must stay in the list tried for all.
  const rules = Array.from({ length: 40 }, (_, i) => `-p udp -m udp --dport ${20000 + i}`);
  rules.splice(20, 0, '-p udp -m udp --dport 1000:2000', '-p udp -m multiport --dports 20005,3000:3001');
  assert.deepEqual(matching(rules, udp(9, 1234)), ['-p udp -m udp --dport 1000:2000']);
  assert.deepEqual(matching(rules, udp(9, 3001)), ['-p udp -m multiport --dports 20005,3000:3001']);
  assert.deepEqual(matching(rules, udp(9, 20005)), ['-p udp -m udp --dport 20005', '-p udp -m multiport --dports 20005,3000:3001']);
});

const CANAL = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: ranges}
spec:
  clusterCIDR: 10.244.0.0/16
  serviceCIDR: 10.96.0.0/12
  cni: {plugin: canal, backend: vxlan}
  nodes:
  - {name: node-a, address: 192.168.56.11, podCIDR: 10.244.0.0/24, gateway: 192.168.56.1}
  - {name: node-b, address: 192.168.56.12, podCIDR: 10.244.1.0/24, gateway: 192.168.56.1}
---
apiVersion: v1
kind: Pod
metadata: {name: client, namespace: default, labels: {app: client}}
spec: {nodeName: node-a, containers: [{name: c, image: busybox}]}
---
apiVersion: v1
kind: Pod
metadata: {name: media, namespace: default, labels: {app: media}}
spec: {nodeName: node-b, containers: [{name: m, image: media}]}
---
apiVersion: networking.k8s.io/v1
kind: NetworkPolicy
metadata: {name: rtp-range, namespace: default}
spec:
  podSelector: {matchLabels: {app: media}}
  policyTypes: [Ingress]
  ingress:
  - from: [{podSelector: {matchLabels: {app: client}}}]
    ports: [{protocol: UDP, port: 10000, endPort: 20000}]
`;

test('Felix: an endPort range of 10,001 ports is one --dport a:b rule, and the walk admits exactly its ports', () => {
  const loaded = loadTopology({ path: 'ranges.yaml', text: CANAL }, nodeHost);
  assert.ok(loaded.value, 'the topology loads');
  const t = loaded.value;
  const chain = policyChainName('ingress', 'default/rtp-range');
  const allow = felixPolicyRules(t, t.nodes[1]!).rules.filter((r) => r.rule.startsWith(`-A ${chain} `) && r.rule.includes('--set-xmark'));
  assert.equal(allow.length, 1, 'one rule, not one per port');
  assert.match(allow[0]!.rule, / -p udp .* -m udp --dport 10000:20000 -j MARK/);
  const engine = createEngine(t);
  const at = (port: number) => traceFlow(engine, { from: 'pod/default/client', to: 'pod/default/media', port, proto: 'udp' }).disposition;
  for (const port of [10000, 15000, 20000]) assert.equal(at(port), 'DELIVERED', `UDP ${port} is inside the range`);
  for (const port of [9999, 20001]) assert.equal(at(port), 'DENIED', `UDP ${port} is outside the range`);
});
