// The upstream NetworkPolicy e2e cases (test/e2e/network/netpol/network_policy.go), each written
// from its description on the full x/y/z × a/b/c model and asserted on all 81 pairs.
import { test } from 'node:test';
import type { NetworkPolicy, Topology } from '../../src/engine/model/types';
import { assertTruthTable, type Expected } from './policyTruthTable';
import { expr, namespace, podIp, policy, port, rule, sel, withPolicies, xyzTopology } from './policyXyz';

const NS_LABEL = 'kubernetes.io/metadata.name';
const base = xyzTopology();
const on = (...policies: NetworkPolicy[]): Topology => withPolicies(base, policies);
const nsSel = (ns: string) => sel({ [NS_LABEL]: ns });
const podSel = (name: string) => sel({ pod: name });
const denyIngressX = policy('deny-ingress', 'x', sel(), { ingress: [] });
const allDenied = (e: Expected): void => void e.expectPeer({}, { ns: 'x' }, false);

test("should support a 'default-deny-ingress' policy", () => {
  assertTruthTable(on(denyIngressX), 'TCP', 80, allDenied);
});

test("should support a 'default-deny-all' policy", () => {
  assertTruthTable(on(policy('deny-all', 'x', sel(), { ingress: [], egress: [] })), 'TCP', 80, (e) => {
    e.expectPeer({}, { ns: 'x' }, false).expectPeer({ ns: 'x' }, {}, false);
  });
});

test('should enforce policy to allow traffic from pods within server namespace based on PodSelector', () => {
  const p = policy('x-a-allows-x-b', 'x', podSel('a'), { ingress: [rule([{ podSelector: podSel('b') }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
});

test('should enforce policy to allow ingress traffic for a target', () => {
  const allowAllToA = policy('allow-all-to-a', 'x', podSel('a'), { ingress: [rule([{ podSelector: sel(), namespaceSelector: sel() }])] });
  assertTruthTable(on(policy('deny-all', 'x', sel(), { ingress: [] }), allowAllToA), 'TCP', 80, (e) => {
    e.expectAllIngress('x/a', true).expectAllIngress('x/b', false).expectAllIngress('x/c', false);
  });
});

test('should enforce policy to allow ingress traffic from pods in all namespaces', () => {
  const p = policy('allow-from-another-ns', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: sel() }])] });
  assertTruthTable(on(p), 'TCP', 80, () => undefined);
});

const fromNsYOnly = (e: Expected): void => void e.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expectPeer({ ns: 'z' }, { ns: 'x', pod: 'a' }, false);

test('should enforce policy to allow traffic only from a different namespace, based on NamespaceSelector', () => {
  const p = policy('allow-client-a-via-ns-selector', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }])] });
  assertTruthTable(on(p), 'TCP', 80, fromNsYOnly);
});

test('should enforce policy based on PodSelector with MatchExpressions', () => {
  const p = policy('x-a-allows-x-b', 'x', podSel('a'), { ingress: [rule([{ podSelector: sel({}, [expr('pod', 'In', ['b'])]) }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
});

test('should enforce policy based on NamespaceSelector with MatchExpressions', () => {
  const p = policy('allow-ns-y-match-selector', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: sel({}, [expr(NS_LABEL, 'In', ['y'])]) }])] });
  assertTruthTable(on(p), 'TCP', 80, fromNsYOnly);
});

test('should enforce policy based on PodSelector or NamespaceSelector', () => {
  const p = policy('allow-ns-y-match-selector', 'x', podSel('a'), {
    ingress: [rule([{ namespaceSelector: sel({}, [expr(NS_LABEL, 'NotIn', ['x'])]) }, { podSelector: podSel('b') }])],
  });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expect('x/a', 'x/a', false).expect('x/c', 'x/a', false));
});

test('should enforce policy based on PodSelector and NamespaceSelector', () => {
  const p = policy('allow-ns-y-podselector-and-nsselector', 'x', podSel('a'), {
    ingress: [rule([{ namespaceSelector: sel({}, [expr(NS_LABEL, 'NotIn', ['x'])]), podSelector: podSel('b') }])],
  });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('y/b', 'x/a', true).expect('z/b', 'x/a', true));
});

test('should enforce policy based on Multiple PodSelectors and NamespaceSelectors', () => {
  const p = policy('allow-ns-y-z-pod-b-c', 'x', podSel('a'), {
    ingress: [rule([{ namespaceSelector: sel({}, [expr(NS_LABEL, 'NotIn', ['x'])]), podSelector: sel({}, [expr('pod', 'In', ['b', 'c'])]) }])],
  });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectPeer({ ns: 'x' }, { ns: 'x', pod: 'a' }, false).expect('y/a', 'x/a', false).expect('z/a', 'x/a', false));
});

test('should enforce policy based on any PodSelectors', () => {
  const p = policy('allow-ns-x-pod-b-c', 'x', podSel('a'), { ingress: [rule([{ podSelector: podSel('b') }, { podSelector: podSel('c') }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('x/b', 'x/a', true).expect('x/c', 'x/a', true));
});

const fromYPodA = policy('allow-ns-y-pod-a-via-namespace-pod-selector', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y'), podSelector: podSel('a') }])] });
const onlyYaToXa = (e: Expected): void => void e.expectAllIngress('x/a', false).expect('y/a', 'x/a', true);

test('should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector', () => {
  assertTruthTable(on(fromYPodA), 'TCP', 80, onlyYaToXa);
});

const port81FromY = policy('allow-client-a-via-ns-selector', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port(81, 'TCP')])] });

test('should enforce policy based on Ports', () => {
  assertTruthTable(on(port81FromY), 'TCP', 81, fromNsYOnly);
  assertTruthTable(on(port81FromY), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
});

test('should enforce multiple, stacked policies with overlapping podSelectors', () => {
  assertTruthTable(on(port81FromY), 'TCP', 81, fromNsYOnly);
  assertTruthTable(on(port81FromY), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
  const port80FromY = policy('allow-client-a-via-ns-selector-80', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port(80, 'TCP')])] });
  assertTruthTable(on(port81FromY, port80FromY), 'TCP', 80, fromNsYOnly);
});

test('should support allow-all policy', () => {
  const p = policy('allow-all', 'x', sel(), { ingress: [rule()] });
  assertTruthTable(on(p), 'TCP', 80, () => undefined);
  assertTruthTable(on(p), 'TCP', 81, () => undefined);
});

test('should allow ingress access on one named port', () => {
  const p = policy('allow-all', 'x', sel(), { ingress: [rule([], [port('serve-81-tcp')])] });
  assertTruthTable(on(p), 'TCP', 81, () => undefined);
  assertTruthTable(on(p), 'TCP', 80, allDenied);
});

test('should allow ingress access from namespace on one named port', () => {
  const p = policy('allow-client-a-via-ns-selector-80', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port('serve-80-tcp', 'TCP')])] });
  assertTruthTable(on(p), 'TCP', 80, fromNsYOnly);
  assertTruthTable(on(p), 'TCP', 81, (e) => e.expectAllIngress('x/a', false));
});

test('should allow egress access on one named port', () => {
  const p = policy('allow-egress', 'x', sel(), { egress: [rule([], [port('serve-80-tcp')])] });
  assertTruthTable(on(p), 'TCP', 80, () => undefined);
  assertTruthTable(on(p), 'TCP', 81, (e) => e.expectPeer({ ns: 'x' }, {}, false));
});

test('should enforce updated policy', () => {
  assertTruthTable(on(policy('allow-all-mutate-to-deny-all', 'x', sel(), { ingress: [rule()] })), 'TCP', 81, () => undefined);
  assertTruthTable(on(policy('allow-all-mutate-to-deny-all', 'x', sel(), { ingress: [] })), 'TCP', 81, allDenied);
});

test('should allow ingress access from updated namespace', () => {
  const p = policy('allow-client-a-via-ns-selector', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: sel({ ns2: 'updated' }) }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
  const relabelled: Topology = { ...on(p), namespaces: base.namespaces.map((n) => (n.name === 'y' ? namespace('y', { ns2: 'updated' }) : n)) };
  assertTruthTable(relabelled, 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expectPeer({ ns: 'y' }, {}, true));
});

test('should allow ingress access from updated pod', () => {
  const p = policy('allow-client-a-via-pod-selector', 'x', podSel('a'), { ingress: [rule([{ podSelector: sel({ pod: 'b', pod2: 'updated' }) }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
  const relabelled: Topology = { ...on(p), pods: base.pods.map((q) => (q.namespace === 'x' && q.name === 'b' ? { ...q, labels: { pod: 'b', pod2: 'updated' } } : q)) };
  assertTruthTable(relabelled, 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
});

test('should deny ingress from pods on other namespaces', () => {
  const p = policy('deny-empty-policy', 'x', sel(), { ingress: [rule([{ podSelector: sel() }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectPeer({ ns: 'y' }, { ns: 'x' }, false).expectPeer({ ns: 'z' }, { ns: 'x' }, false));
});

test('should deny ingress access to updated pod', () => {
  const p = policy('deny-ingress-via-label-selector', 'x', sel({ target: 'isolated' }), { ingress: [] });
  assertTruthTable(on(p), 'TCP', 80, () => undefined);
  const relabelled: Topology = { ...on(p), pods: base.pods.map((q) => (q.namespace === 'x' && q.name === 'a' ? { ...q, labels: { pod: 'a', target: 'isolated' } } : q)) };
  assertTruthTable(relabelled, 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
});

test('should deny egress from pods based on PodSelector', () => {
  assertTruthTable(on(policy('deny-egress-pod-a', 'x', podSel('a'), { egress: [] })), 'TCP', 80, (e) => e.expectAllEgress('x/a', false));
});

test('should deny egress from all pods in a namespace', () => {
  assertTruthTable(on(policy('deny-egress-ns-x', 'x', sel(), { egress: [] })), 'TCP', 80, (e) => e.expectPeer({ ns: 'x' }, {}, false));
});

test('should work with Ingress, Egress specified together', () => {
  const p = policy('allow-client-a-via-pod-selector', 'x', podSel('a'), {
    ingress: [rule([{ podSelector: podSel('b') }])],
    egress: [rule([], [port(80)])],
    policyTypes: ['Egress', 'Ingress'],
  });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false).expect('x/b', 'x/a', true));
  assertTruthTable(on(p), 'TCP', 81, (e) => e.expectAllIngress('x/a', false).expectAllEgress('x/a', false).expect('x/b', 'x/a', true));
});

test('should support denying of egress traffic on the client side (even if the server explicitly allows this traffic)', () => {
  const egress = policy('allow-to-ns-y-pod-a', 'x', podSel('a'), { egress: [rule([{ namespaceSelector: nsSel('y'), podSelector: podSel('a') }])] });
  const fromXa = rule([{ namespaceSelector: nsSel('x'), podSelector: podSel('a') }]);
  const onYa = policy('allow-from-xa-on-ya-match-selector', 'y', podSel('a'), { ingress: [fromXa] });
  const onYb = policy('allow-from-xa-on-yb-match-selector', 'y', podSel('b'), { ingress: [fromXa] });
  assertTruthTable(on(egress, onYa, onYb), 'TCP', 80, (e) => {
    e.expectPeer({ ns: 'x', pod: 'a' }, {}, false)
      .expectPeer({}, { ns: 'y', pod: 'a' }, false)
      .expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y', pod: 'a' }, true)
      .expectPeer({}, { ns: 'y', pod: 'b' }, false);
  });
});

test('should enforce egress policy allowing traffic to a server in a different namespace based on PodSelector and NamespaceSelector', () => {
  const p = policy('allow-to-ns-y-pod-a', 'x', podSel('a'), { egress: [rule([{ namespaceSelector: nsSel('y'), podSelector: podSel('a') }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllEgress('x/a', false).expect('x/a', 'y/a', true));
});

test('should enforce ingress policy allowing any port traffic to a server on a specific protocol', () => {
  const p = policy('allow-ingress-by-proto', 'x', podSel('a'), { ingress: [rule([], [port(undefined, 'TCP')])] });
  assertTruthTable(on(p), 'TCP', 80, () => undefined);
  assertTruthTable(on(p), 'UDP', 80, (e) => e.expectPeer({}, { ns: 'x', pod: 'a' }, false));
});

test('should enforce multiple ingress policies with ingress allow-all policy taking precedence', () => {
  const only80 = policy('allow-ingress-port-80', 'x', sel(), { ingress: [rule([], [port(80)])] });
  assertTruthTable(on(only80), 'TCP', 81, allDenied);
  assertTruthTable(on(only80, policy('allow-ingress', 'x', sel(), { ingress: [rule()] })), 'TCP', 81, () => undefined);
});

test('should enforce multiple egress policies with egress allow-all policy taking precedence', () => {
  const only80 = policy('allow-egress-port-80', 'x', sel(), { egress: [rule([], [port(80)])] });
  assertTruthTable(on(only80), 'TCP', 81, (e) => e.expectPeer({ ns: 'x' }, {}, false));
  assertTruthTable(on(only80, policy('allow-egress', 'x', sel(), { egress: [rule()] })), 'TCP', 81, () => undefined);
});

test('should stop enforcing policies after they are deleted', () => {
  assertTruthTable(on(policy('deny-all', 'x', sel(), { ingress: [], egress: [] })), 'TCP', 80, (e) => e.expectPeer({ ns: 'x' }, {}, false).expectPeer({}, { ns: 'x' }, false));
  assertTruthTable(on(), 'TCP', 80, () => undefined);
});

test('should allow egress access to server in CIDR block', () => {
  const p = policy('allow-client-a-via-cidr-egress-rule', 'x', podSel('a'), { egress: [rule([{ ipBlock: { cidr: `${podIp(base, 'y', 'b')}/32`, except: [] } }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllEgress('x/a', false).expect('x/a', 'y/b', true));
});

/** upstream's makeLargeCIDRForIP: the pod's IPv4 address masked to /4. */
function largeCidr(ip: string): string {
  const first = Number(ip.split('.')[0]) & 0xf0;
  return `${first}.0.0.0/4`;
}
const exceptXb = policy('allow-client-a-via-cidr-egress-rule', 'x', podSel('a'), {
  egress: [rule([{ ipBlock: { cidr: largeCidr(podIp(base, 'x', 'b')), except: [`${podIp(base, 'x', 'b')}/32`] } }])],
});

test('should enforce except clause while egress access to server in CIDR block', () => {
  assertTruthTable(on(exceptXb), 'TCP', 80, (e) => e.expect('x/a', 'x/b', false));
});

test('should ensure an IP overlapping both IPBlock.CIDR and IPBlock.Except is allowed', () => {
  assertTruthTable(on(exceptXb), 'TCP', 80, (e) => e.expect('x/a', 'x/b', false));
  // Upstream updates the same policy (same name) to allow only x/b's address.
  const updated = policy('allow-client-a-via-cidr-egress-rule', 'x', podSel('a'), { egress: [rule([{ ipBlock: { cidr: `${podIp(base, 'x', 'b')}/32`, except: [] } }])] });
  assertTruthTable(on(updated), 'TCP', 80, (e) => e.expectAllEgress('x/a', false).expect('x/a', 'x/b', true));
  // Both present: the /32 allows what the other's except left out, so x/a reaches everyone.
  assertTruthTable(on(exceptXb, { ...updated, name: 'allow-x-b' }), 'TCP', 80, () => undefined);
});

test('should enforce policies to check ingress and egress policies can be controlled independently based on PodSelector', () => {
  const allowEgress = policy('allow-egress-for-target', 'x', podSel('a'), { egress: [rule()] });
  assertTruthTable(on(allowEgress), 'TCP', 80, () => undefined);
  const denyIngress = policy('deny-ingress-via-label-selector', 'x', podSel('a'), { ingress: [] });
  assertTruthTable(on(allowEgress, denyIngress), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
});

test("should not mistakenly treat 'protocol: SCTP' as 'protocol: TCP', even if the plugin doesn't support SCTP", () => {
  const sctp81 = policy('allow-only-sctp-ingress-on-port-81', 'x', podSel('a'), { ingress: [rule([], [port(81, 'SCTP')])] });
  assertTruthTable(on(denyIngressX, sctp81), 'TCP', 81, allDenied);
});

test("should properly isolate pods that are selected by a policy allowing SCTP, even if the plugin doesn't support SCTP", () => {
  const sctp80 = policy('allow-only-sctp-ingress-on-port-80', 'x', podSel('a'), { ingress: [rule([], [port(80, 'SCTP')])] });
  assertTruthTable(on(sctp80), 'TCP', 81, (e) => e.expectAllIngress('x/a', false));
});

test('should not allow access by TCP when a policy specifies only UDP', () => {
  const udp81 = policy('allow-only-udp-ingress-on-port-81', 'x', podSel('a'), { ingress: [rule([], [port(81, 'UDP')])] });
  assertTruthTable(on(udp81), 'TCP', 81, (e) => e.expectAllIngress('x/a', false));
});

test('should enforce policy to allow traffic based on NamespaceSelector with MatchLabels using default ns label', () => {
  const p = policy('allow-client-a-via-ns-selector-for-immutable-ns-label', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }])] });
  assertTruthTable(on(p), 'TCP', 80, fromNsYOnly);
});

test('should enforce policy based on NamespaceSelector with MatchExpressions using default ns label', () => {
  const p = policy('allow-ns-y-match-selector-for-immutable-ns-label', 'x', podSel('a'), { egress: [rule([{ namespaceSelector: sel({}, [expr(NS_LABEL, 'NotIn', ['y'])]) }])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectPeer({ ns: 'x', pod: 'a' }, { ns: 'y' }, false));
});

for (const protocol of ['UDP', 'SCTP'] as const) {
  test(`using ${protocol}: should support a 'default-deny-ingress' policy`, () => {
    assertTruthTable(on(policy('deny-all', 'x', sel(), { ingress: [] })), protocol, 80, allDenied);
  });

  test(`using ${protocol}: should enforce policy based on Ports`, () => {
    const p = policy('allow-ingress-on-port-81-ns-x', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port(81, protocol)])] });
    assertTruthTable(on(p), protocol, 81, fromNsYOnly);
    // The same port over TCP is not what the rule names.
    assertTruthTable(on(p), 'TCP', 81, (e) => e.expectAllIngress('x/a', false));
  });

  test(`using ${protocol}: should enforce policy to allow traffic only from a pod in a different namespace based on PodSelector and NamespaceSelector`, () => {
    assertTruthTable(on(fromYPodA), protocol, 80, onlyYaToXa);
  });
}

test('deny all egress but allow DNS (UDP and TCP 53) to anywhere', () => {
  const p = policy('default-deny-egress-allow-dns', 'x', sel(), { egress: [rule([], [port(53, 'UDP'), port(53, 'TCP')])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectPeer({ ns: 'x' }, {}, false));
  assertTruthTable(on(p), 'UDP', 53, () => undefined);
  assertTruthTable(on(p), 'TCP', 53, () => undefined);
  assertTruthTable(on(p), 'SCTP', 53, (e) => e.expectPeer({ ns: 'x' }, {}, false));
});

test('endPort: a port range allows every port in it and none outside', () => {
  const p = policy('allow-81-to-90', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: sel() }], [port(81, 'TCP', 90)])] });
  assertTruthTable(on(p), 'TCP', 80, (e) => e.expectAllIngress('x/a', false));
  assertTruthTable(on(p), 'TCP', 81, () => undefined);
  assertTruthTable(on(p), 'TCP', 90, () => undefined);
  assertTruthTable(on(p), 'TCP', 91, (e) => e.expectAllIngress('x/a', false));
});

test('a policy in another namespace does not isolate pods with the same labels elsewhere', () => {
  assertTruthTable(on(policy('deny-a', 'y', podSel('a'), { ingress: [] })), 'TCP', 80, (e) => e.expectAllIngress('y/a', false));
});
