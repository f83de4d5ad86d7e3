// Connection sets on the upstream xyz model: the e2e cases for named ports, endPort, SCTP/UDP and
// ipBlock asserted as whole sets, and a cross-check that every set agrees with the per-port matrix.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { NetworkPolicy } from '../../src/engine/model/types';
import { analyseConnections, formatSet, intersectSets, rulePortSet, setHas, unionSets, type ConnectionSet } from '../../src/engine/policy/connections';
import { buildPolicyIndex } from '../../src/engine/policy/policyIndex';
import { computeReach } from '../../src/engine/policy/reach';
import { PROTOCOLS, podIp, policy, port, rule, sel, withPolicies, xyzTopology } from './policyXyz';

const NS_LABEL = 'kubernetes.io/metadata.name';
const base = xyzTopology();
const podSel = (name: string) => sel({ pod: name });
const nsSel = (ns: string) => sel({ [NS_LABEL]: ns });

/** The formatted connection set of every ordered pair of distinct pods, as `from>to`. */
function sets(policies: NetworkPolicy[]): Map<string, string> {
  const index = buildPolicyIndex(withPolicies(base, policies));
  const analysis = analyseConnections(index);
  const out = new Map<string, string>();
  index.endpoints.forEach((f, i) => index.endpoints.forEach((t, j) => void (i !== j && out.set(`${f.id}>${t.id}`, formatSet(analysis.pair(i, j))))));
  return out;
}

test('port range sets merge adjacent ranges, intersect, and print in TCP, UDP, SCTP order', () => {
  const a: ConnectionSet = { TCP: [[80, 80], [443, 443]], UDP: [[53, 53]], SCTP: [] };
  const b: ConnectionSet = { TCP: [[81, 90], [8080, 8090]], UDP: [], SCTP: [[9, 9]] };
  assert.equal(formatSet(unionSets(a, b)), 'TCP 80-90,443,8080-8090; UDP 53; SCTP 9');
  assert.equal(formatSet(intersectSets(unionSets(a, b), { TCP: [[85, 500]], UDP: [], SCTP: [] })), 'TCP 85-90,443');
  assert.equal(formatSet(intersectSets(a, b)), 'No Connections');
  assert.equal(formatSet(rulePortSet([], undefined)), 'All Connections');
  assert.equal(formatSet(rulePortSet([port(undefined, 'UDP')], undefined)), 'UDP 1-65535');
});

test('named ports resolve per destination pod and protocol; a destination without the name gets nothing', () => {
  const dst = base.pods.find((p) => p.namespace === 'x' && p.name === 'a')!;
  assert.equal(formatSet(rulePortSet([port('serve-81-tcp'), port('serve-80-udp', 'UDP'), port('serve-80-udp', 'TCP')], dst)), 'TCP 81; UDP 80');
  assert.equal(formatSet(rulePortSet([port('serve-81-tcp')], undefined)), 'No Connections');
});

test('e2e "should allow ingress access on one named port": every pod of x accepts only TCP 81', () => {
  const s = sets([policy('allow-all', 'x', sel(), { ingress: [rule([], [port('serve-81-tcp')])] })]);
  assert.equal(s.get('y/b>x/a'), 'TCP 81');
  assert.equal(s.get('x/c>x/b'), 'TCP 81');
  assert.equal(s.get('x/a>y/a'), 'All Connections');
});

test('e2e "should allow egress access on one named port": x reaches the named port of each destination', () => {
  const s = sets([policy('allow-egress', 'x', sel(), { egress: [rule([], [port('serve-80-tcp')])] })]);
  assert.equal(s.get('x/a>z/c'), 'TCP 80');
  assert.equal(s.get('y/a>x/a'), 'All Connections');
});

test('endPort: the range, merged with a single port beside it', () => {
  const s = sets([policy('allow-81-to-90', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: sel() }], [port(81, 'TCP', 90), port(91, 'TCP')])] })]);
  assert.equal(s.get('z/c>x/a'), 'TCP 81-91');
});

test('UDP and SCTP ports stay on their protocol (e2e "using UDP/SCTP: should enforce policy based on Ports")', () => {
  const s = sets([policy('p', 'x', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port(81, 'UDP'), port(81, 'SCTP')])] })]);
  assert.equal(s.get('y/c>x/a'), 'UDP 81; SCTP 81');
  assert.equal(s.get('z/c>x/a'), 'No Connections');
});

test('e2e "deny all egress but allow DNS": TCP 53 and UDP 53 everywhere from x', () => {
  const s = sets([policy('dns', 'x', sel(), { egress: [rule([], [port(53, 'UDP'), port(53, 'TCP')])] })]);
  assert.equal(s.get('x/a>y/b'), 'TCP 53; UDP 53');
});

test('e2e ipBlock with except: x/a reaches everyone but x/b; ingress and egress intersect', () => {
  const xb = podIp(base, 'x', 'b');
  const egress = policy('cidr', 'x', podSel('a'), { egress: [rule([{ ipBlock: { cidr: '0.0.0.0/0', except: [`${xb}/32`] } }], [port(80), port(81)])] });
  const ingress = policy('in', 'y', podSel('b'), { ingress: [rule([], [port(81, 'TCP', 100)])] });
  const s = sets([egress, ingress]);
  assert.equal(s.get('x/a>x/b'), 'No Connections');
  assert.equal(s.get('x/a>z/c'), 'TCP 80-81');
  assert.equal(s.get('x/a>y/b'), 'TCP 81');
});

const crossCheckCases: NetworkPolicy[][] = [
  [],
  [policy('deny-all', 'x', sel(), { ingress: [], egress: [] })],
  [policy('named', 'x', sel(), { ingress: [rule([{ namespaceSelector: nsSel('y') }], [port('serve-81-tcp'), port('serve-80-sctp', 'SCTP')])] })],
  [policy('range', 'y', podSel('b'), { ingress: [rule([{ podSelector: podSel('a'), namespaceSelector: sel() }], [port(81, 'TCP', 90), port(53, 'UDP')])] })],
  [
    policy('dns', 'x', sel(), { egress: [rule([], [port(53, 'UDP'), port(53, 'TCP')]), rule([{ ipBlock: { cidr: `${podIp(base, 'z', 'a')}/32`, except: [] } }])] }),
    policy('in', 'z', podSel('a'), { ingress: [rule([{ namespaceSelector: nsSel('x') }], [port('serve-80-udp', 'UDP'), port(undefined, 'SCTP')])] }),
  ],
];
const probes = [1, 52, 53, 54, 79, 80, 81, 82, 89, 90, 91, 65535];

test('every connection set contains a probe port exactly when the per-port reach matrix allows it', () => {
  for (const policies of crossCheckCases) {
    const index = buildPolicyIndex(withPolicies(base, policies));
    const analysis = analyseConnections(index);
    const n = index.endpoints.length;
    const pairSets = Array.from({ length: n }, (_, f) => Array.from({ length: n }, (_, t) => analysis.pair(f, t)));
    for (const protocol of PROTOCOLS) {
      for (const p of probes) {
        const m = computeReach(index, { protocol, port: p });
        for (let f = 0; f < n; f++) {
          for (let t = 0; t < n; t++) {
            if (f === t) continue;
            const what = `${policies.map((x) => x.name).join('+') || 'none'}: ${index.endpoints[f]!.id} => ${index.endpoints[t]!.id} ${protocol} ${p}`;
            assert.equal(setHas(pairSets[f]![t]!, protocol, p), m.rows[f]!.has(t), what);
          }
        }
      }
    }
  }
});
