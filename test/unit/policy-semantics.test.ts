// One test per semantic rule of NetworkPolicy as the model implements it, plus the explanations,
// the enforcement by CNI and the reach output formats.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Pod, Topology } from '../../src/engine/model/types';
import { cniEnforcesPolicy } from '../../src/engine/cni/index';
import { createPolicyHook } from '../../src/engine/policy/hook';
import { ipToNum as ipv4ToNumber } from '../../src/engine/net/ipv4';
import { compileIpBlock, ipBlockMatches } from '../../src/engine/policy/ipBlock';
import { buildPolicyIndex } from '../../src/engine/policy/policyIndex';
import { policyPortMatches } from '../../src/engine/policy/ports';
import { computeReach } from '../../src/engine/policy/reach';
import { formatReachLines, formatTruthTable } from '../../src/engine/policy/reachText';
import { describeSelector, selectorMatches } from '../../src/engine/policy/selector';
import { expr, podIp, policy, port, rule, sel, withPolicies, xyzTopology } from './policyXyz';

const base = xyzTopology();
const podOf = (t: Topology, ns: string, name: string): Pod => t.pods.find((p) => p.namespace === ns && p.name === name)!;
const q = (t: Topology, from: string, to: string, protocol: 'TCP' | 'UDP' | 'SCTP' = 'TCP', p = 80) => {
  const end = (id: string) => {
    const [ns, name] = id.split('/') as [string, string];
    return { ip: podIp(t, ns, name), pod: { namespace: ns, name } };
  };
  return { src: end(from), dst: end(to), protocol, port: p };
};

test('selector operators: In, NotIn (which also selects a missing key), Exists, DoesNotExist; all ANDed', () => {
  const labels = { pod: 'a', tier: 'web' };
  assert.equal(selectorMatches(sel({}, [expr('pod', 'In', ['a', 'b'])]), labels), true);
  assert.equal(selectorMatches(sel({}, [expr('pod', 'In', ['b'])]), labels), false);
  assert.equal(selectorMatches(sel({}, [expr('pod', 'NotIn', ['b'])]), labels), true);
  assert.equal(selectorMatches(sel({}, [expr('pod', 'NotIn', ['a'])]), labels), false);
  assert.equal(selectorMatches(sel({}, [expr('missing', 'NotIn', ['a'])]), labels), true);
  assert.equal(selectorMatches(sel({}, [expr('tier', 'Exists')]), labels), true);
  assert.equal(selectorMatches(sel({}, [expr('tier', 'DoesNotExist')]), labels), false);
  assert.equal(selectorMatches(sel({}, [expr('gone', 'DoesNotExist')]), labels), true);
  assert.equal(selectorMatches(sel({ pod: 'a' }, [expr('tier', 'In', ['db'])]), labels), false, 'matchLabels AND matchExpressions');
  assert.equal(selectorMatches(sel({ pod: 'a', tier: 'web' }), labels), true);
  assert.equal(selectorMatches(sel(), {}), true, 'the empty selector selects everything');
  assert.equal(describeSelector(sel({ pod: 'b' }, [expr('ns', 'NotIn', ['x']), expr('t', 'Exists'), expr('u', 'DoesNotExist')])), 'pod=b,ns notin (x),t,!u');
  assert.equal(describeSelector(sel()), '(any)');
});

test('ipBlock: inside the CIDR and outside every except; an IPv6 block matches no IPv4 address', () => {
  const b = compileIpBlock({ cidr: '10.42.0.0/16', except: ['10.42.1.0/24', '10.42.0.7/32'] })!;
  assert.equal(ipBlockMatches(b, ipv4ToNumber('10.42.0.6')), true);
  assert.equal(ipBlockMatches(b, ipv4ToNumber('10.42.0.7')), false);
  assert.equal(ipBlockMatches(b, ipv4ToNumber('10.42.1.200')), false);
  assert.equal(ipBlockMatches(b, ipv4ToNumber('10.43.0.1')), false);
  assert.equal(compileIpBlock({ cidr: 'fd00::/8', except: [] }), undefined);
  assert.equal(ipBlockMatches(compileIpBlock({ cidr: '0.0.0.0/0', except: [] })!, ipv4ToNumber('fd00::1')), false);
});

test('ports: protocol must match, endPort is inclusive, a named port must name a container port of that protocol and number', () => {
  const xa = podOf(base, 'x', 'a');
  assert.equal(policyPortMatches(port(80, 'UDP'), 'TCP', 80, xa), false);
  assert.equal(policyPortMatches(port(undefined, 'UDP'), 'UDP', 12345, xa), true, 'no port: every port of the protocol');
  assert.equal(policyPortMatches(port(80, 'TCP', 82), 'TCP', 82, xa), true);
  assert.equal(policyPortMatches(port(80, 'TCP', 82), 'TCP', 83, xa), false);
  assert.equal(policyPortMatches(port('serve-81-udp', 'UDP'), 'UDP', 81, xa), true);
  assert.equal(policyPortMatches(port('serve-81-udp', 'TCP'), 'TCP', 81, xa), false, 'the named port is UDP, the rule says TCP');
  assert.equal(policyPortMatches(port('serve-81-tcp', 'TCP'), 'TCP', 80, xa), false, 'serve-81-tcp is 81, not 80');
  assert.equal(policyPortMatches(port('serve-81-tcp', 'TCP'), 'TCP', 81, undefined), false, 'no destination pod: a named port cannot resolve');
});

test('a deny names the isolating policies, the direction and why each rule missed', () => {
  const t = withPolicies(base, [
    policy('deny-ingress', 'x', sel(), { ingress: [] }),
    policy('a-from-b-81', 'x', sel({ pod: 'a' }), { ingress: [rule([{ podSelector: sel({ pod: 'b' }) }], [port(81)])] }),
  ]);
  const hook = createPolicyHook(t);
  const fromC = hook.evaluate('ingress', q(t, 'x/c', 'x/a'));
  assert.equal(fromC.verdict, 'deny');
  assert.equal(fromC.direction, 'ingress');
  assert.equal(fromC.enforced, true);
  assert.equal(fromC.policy, 'x/deny-ingress');
  assert.equal(fromC.ruleIndex, undefined);
  assert.equal(
    fromC.reason,
    'x/a is isolated for ingress by x/deny-ingress, x/a-from-b-81 and no rule allows TCP 80 from x/c: x/deny-ingress has no ingress rules (denies all); ' +
      'x/a-from-b-81 rule 0: x/c matches none of its from peers (pods pod=b in namespace x)',
  );
  const fromB = hook.evaluate('ingress', q(t, 'x/b', 'x/a'));
  assert.equal(fromB.verdict, 'deny');
  assert.match(fromB.reason, /x\/a-from-b-81 rule 0: TCP 80 is not among its ports \(TCP\/81\)$/);
});

test('an allow under isolation names the policy, the rule index and the rule source', () => {
  const allow = policy('a-from-y', 'x', sel({ pod: 'a' }), { ingress: [rule([{ podSelector: sel({ pod: 'none' }) }]), rule([{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'y' }) }])] });
  const t = withPolicies(base, [allow]);
  const step = createPolicyHook(t).evaluate('ingress', q(t, 'y/c', 'x/a'));
  assert.equal(step.verdict, 'allow');
  assert.equal(step.policy, 'x/a-from-y');
  assert.equal(step.ruleIndex, 1);
  assert.deepEqual(step.source, allow.ingress[1]!.source);
  assert.equal(step.reason, 'x/a-from-y ingress rule 1 allows TCP 80 from y/c (from all pods in namespaces kubernetes.io/metadata.name=y; ports any port)');
});

test('a pod no policy selects is not isolated, and the step names no policy', () => {
  const t = withPolicies(base, [policy('deny-a', 'x', sel({ pod: 'a' }), { ingress: [] })]);
  const step = createPolicyHook(t).evaluate('ingress', q(t, 'x/a', 'x/b'));
  assert.equal(step.verdict, 'allow');
  assert.equal(step.policy, undefined);
  assert.match(step.reason, /^x\/b is not isolated for ingress: no policy in namespace x with policyTypes Ingress selects it$/);
});

test('policyTypes decide isolation: an Egress-only policy with ingress rules does not isolate ingress', () => {
  const t = withPolicies(base, [policy('egress-only', 'x', sel(), { ingress: [rule([{ podSelector: sel({ pod: 'none' }) }])], egress: [rule()], policyTypes: ['Egress'] })]);
  const hook = createPolicyHook(t);
  assert.equal(hook.evaluate('ingress', q(t, 'y/a', 'x/a')).verdict, 'allow');
  assert.equal(hook.evaluate('ingress', q(t, 'y/a', 'x/a')).policy, undefined);
  assert.equal(hook.evaluate('egress', q(t, 'x/a', 'y/a')).policy, 'x/egress-only');
});

test('enforcement follows the CNI: Calico, Canal and Weave enforce; flannel, kubenet and aws-vpc only report', () => {
  assert.deepEqual(
    (['calico', 'canal', 'weave', 'flannel', 'kubenet', 'aws-vpc'] as const).map(cniEnforcesPolicy),
    [true, true, true, false, false, false],
  );
  const deny = [policy('deny-ingress', 'x', sel(), { ingress: [] })];
  const onFlannel = withPolicies(xyzTopology('flannel'), deny);
  const step = createPolicyHook(onFlannel).evaluate('ingress', q(onFlannel, 'y/a', 'x/a'));
  assert.equal(step.verdict, 'deny', 'the policy still says deny');
  assert.equal(step.enforced, false);
  assert.match(step.reason, /\(not enforced: flannel does not implement NetworkPolicy\)$/);
  const m = computeReach(buildPolicyIndex(onFlannel), { protocol: 'TCP', port: 80 });
  assert.equal(m.enforced, false);
});

test('replies of allowed connections are allowed even where the reverse direction is denied', () => {
  const t = withPolicies(base, [policy('deny-all', 'y', sel(), { ingress: [], egress: [] })]);
  const hook = createPolicyHook(t);
  const reply = { ...q(t, 'y/a', 'x/a'), reply: true };
  assert.equal(hook.evaluate('egress', q(t, 'y/a', 'x/a')).verdict, 'deny');
  const step = hook.evaluate('egress', reply);
  assert.equal(step.verdict, 'allow');
  assert.match(step.reason, /reply of an allowed connection/);
});

test("traffic between a pod and its own node is allowed under default deny; another node's is not", () => {
  const t = withPolicies(base, [policy('deny-all', 'x', sel(), { ingress: [], egress: [] })]);
  const hook = createPolicyHook(t);
  const xa = podOf(t, 'x', 'a');
  const own = t.nodes.find((n) => n.name === xa.nodeName)!;
  const other = t.nodes.find((n) => n.name !== xa.nodeName)!;
  const probe = (ip: string) => hook.evaluate('ingress', { src: { ip }, dst: { ip: xa.ip, pod: { namespace: 'x', name: 'a' } }, protocol: 'TCP', port: 80 });
  assert.equal(probe(own.address).verdict, 'allow');
  assert.match(probe(own.address).reason, /own node node-0/);
  assert.equal(probe(other.address).verdict, 'deny');
  // On Calico, tunl0 holds the block's first address: the node too.
  assert.equal(probe('10.42.0.0').verdict, 'allow');
  const egress = hook.evaluate('egress', { src: { ip: xa.ip, pod: { namespace: 'x', name: 'a' } }, dst: { ip: own.address }, protocol: 'UDP', port: 53 });
  assert.equal(egress.verdict, 'allow');
});

test("on Calico the block's first address is tunl0's, and an address a pod holds is never taken for the node", () => {
  const t = withPolicies(base, [policy('deny-all', 'x', sel(), { ingress: [] })]);
  const index = buildPolicyIndex(t);
  assert.ok(index.nodeAddresses.get('node-0')!.has('10.42.0.0'));
  assert.ok(!index.nodeAddresses.get('node-0')!.has('10.42.0.1'), 'Calico has no cni0 at .1');
  const squatter: Topology = { ...t, pods: t.pods.map((p) => (p.namespace === 'y' && p.name === 'b' ? { ...p, ip: '10.42.0.0' } : p)) };
  assert.ok(!buildPolicyIndex(squatter).nodeAddresses.get('node-0')!.has('10.42.0.0'));
});

test('hostNetwork pods are never selected by a policy, and podSelector peers do not match them', () => {
  const t0 = withPolicies(base, [
    policy('deny-all', 'x', sel(), { ingress: [] }),
    policy('y-from-pod-h', 'y', sel({ pod: 'b' }), { ingress: [rule([{ podSelector: sel({ pod: 'h' }), namespaceSelector: sel() }])] }),
  ]);
  const host: Pod = { ...podOf(t0, 'x', 'a'), name: 'h', labels: { pod: 'h' }, hostNetwork: true, ip: '192.168.205.11', nodeName: 'node-1' };
  const t: Topology = { ...t0, pods: [...t0.pods, host] };
  const hook = createPolicyHook(t);
  const toHost = hook.evaluate('ingress', { src: { ip: podIp(t, 'y', 'a'), pod: { namespace: 'y', name: 'a' } }, dst: { ip: host.ip, pod: { namespace: 'x', name: 'h' } }, protocol: 'TCP', port: 80 });
  assert.equal(toHost.verdict, 'allow', 'deny-all in x does not select a hostNetwork pod');
  const fromHost = hook.evaluate('ingress', { src: { ip: host.ip, pod: { namespace: 'x', name: 'h' } }, dst: { ip: podIp(t, 'y', 'b'), pod: { namespace: 'y', name: 'b' } }, protocol: 'TCP', port: 80 });
  assert.equal(podOf(t, 'y', 'b').nodeName, 'node-0', 'y/b is not on the hostNetwork pod\'s node');
  assert.equal(fromHost.verdict, 'deny', 'pod=h names no pod-network pod');
});

test('externals: ipBlock peers match them, named ports never resolve for them, and reach lists them', () => {
  const ext = { source: base.cluster.source, name: 'client', address: '192.168.205.100', prefixLength: 24, mac: '52:54:00:00:00:64' };
  const t0: Topology = { ...base, externals: [ext, { ...ext, name: 'far', address: '203.0.113.9' }] };
  const t = withPolicies(t0, [
    policy('a-from-lan', 'x', sel({ pod: 'a' }), { ingress: [rule([{ ipBlock: { cidr: '192.168.205.0/24', except: ['192.168.205.0/28'] } }])] }),
    policy('b-egress-named', 'x', sel({ pod: 'b' }), { egress: [rule([], [port('serve-80-tcp')])] }),
  ]);
  const m = computeReach(buildPolicyIndex(t), { protocol: 'TCP', port: 80 });
  const lines = formatReachLines(m);
  assert.ok(lines.includes('ext/client => x/a : TCP 80'));
  assert.ok(!lines.includes('y/a => x/a : TCP 80'), 'pods are not in the LAN block');
  assert.ok(lines.includes('x/b => y/a : TCP 80'), 'the named port resolves on the destination pod');
  assert.ok(!lines.includes('x/b => ext/client : TCP 80'), 'an external has no named ports');
  assert.ok(lines.includes('x/a => ext/client : TCP 80'));
  assert.equal(lines.filter((l) => l.startsWith('x/a => x/a')).length, 0, 'no pod-to-itself lines');
  const table = formatTruthTable(m).split('\n');
  assert.equal(table.at(-2), `ext/client\t${'.\t\t'.repeat(10)}-\t`, 'ext to ext has no verdict, itself is loopback');
  assert.ok(!lines.includes('ext/far => x/a : TCP 80'), 'outside the block');
  assert.ok(!lines.some((l) => l.startsWith('ext/client => ext/')), 'no external-to-external lines');
});

test('the matrix prints as upstream TruthTable.PrettyPrint: tab separated, "-\\t" corner, each mark followed by a tab', () => {
  const t = withPolicies(base, [policy('deny-ingress', 'x', sel(), { ingress: [] })]);
  const table = formatTruthTable(computeReach(buildPolicyIndex(t), { protocol: 'TCP', port: 80 })).split('\n');
  assert.equal(table[0], '-\t\tx/a\tx/b\tx/c\ty/a\ty/b\ty/c\tz/a\tz/b\tz/c');
  assert.equal(table[1], 'x/a\t.\t\tX\t\tX\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t');
  assert.equal(table[4], 'y/a\tX\t\tX\t\tX\t\t.\t\t.\t\t.\t\t.\t\t.\t\t.\t');
  assert.equal(table.length, 10);
});

test('reach lines: ns/a => ns/b : PROTO PORT for each allowed ordered pair, sources in file order', () => {
  const t = withPolicies(base, [policy('deny-ingress', 'x', sel(), { ingress: [] })]);
  const lines = formatReachLines(computeReach(buildPolicyIndex(t), { protocol: 'UDP', port: 81 }));
  assert.equal(lines.length, 9 * 8 - 6 * 3 - 3 * 2, 'every pair but those into x (self pairs are not listed)');
  assert.equal(lines[0], 'x/a => y/a : UDP 81');
  assert.ok(!lines.some((l) => / => x\//.test(l)));
});

test('a namespace the file never declares still has its automatic name label', () => {
  const t: Topology = { ...withPolicies(base, [policy('from-y', 'x', sel({ pod: 'a' }), { ingress: [rule([{ namespaceSelector: sel({ 'kubernetes.io/metadata.name': 'y' }) }])] })]), namespaces: [] };
  const hook = createPolicyHook(t);
  assert.equal(hook.evaluate('ingress', q(t, 'y/a', 'x/a')).verdict, 'allow');
  assert.equal(hook.evaluate('ingress', q(t, 'z/a', 'x/a')).verdict, 'deny');
});
