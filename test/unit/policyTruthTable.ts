/**
 * Expected truth tables written the way upstream's e2e cases write them (Reachability with
 * ExpectPeer / ExpectAllIngress / ExpectAllEgress / Expect), and the check that a topology's
 * computed matrix equals one on every pair. Upstream ignores a pod's traffic to itself; here it is
 * always allowed (it never leaves the pod), so the diagonal is asserted as allowed.
 */

import assert from 'node:assert/strict';
import type { Protocol, Topology } from '../../src/engine/model/types';
import { policyStep } from '../../src/engine/policy/hook';
import { buildPolicyIndex } from '../../src/engine/policy/policyIndex';
import { computeReach } from '../../src/engine/policy/reach';

export interface PeerSpec {
  readonly ns?: string;
  readonly pod?: string;
}

export class Expected {
  private readonly values = new Map<string, boolean>();

  constructor(readonly pods: readonly string[], initial: boolean) {
    for (const f of pods) for (const t of pods) this.values.set(`${f}>${t}`, initial);
  }

  private matches(id: string, p: PeerSpec): boolean {
    const [ns, name] = id.split('/');
    return (p.ns === undefined || p.ns === ns) && (p.pod === undefined || p.pod === name);
  }

  expect(from: string, to: string, value: boolean): this {
    assert.ok(this.values.has(`${from}>${to}`), `no pair ${from} => ${to}`);
    this.values.set(`${from}>${to}`, value);
    return this;
  }

  expectPeer(from: PeerSpec, to: PeerSpec, value: boolean): this {
    for (const f of this.pods) for (const t of this.pods) if (this.matches(f, from) && this.matches(t, to)) this.values.set(`${f}>${t}`, value);
    return this;
  }

  expectAllIngress(to: string, value: boolean): this {
    for (const f of this.pods) this.values.set(`${f}>${to}`, value);
    return this;
  }

  expectAllEgress(from: string, value: boolean): this {
    for (const t of this.pods) this.values.set(`${from}>${t}`, value);
    return this;
  }

  get(from: string, to: string): boolean {
    return from === to || this.values.get(`${from}>${to}`)!;
  }
}

function table(pods: readonly string[], value: (f: string, t: string) => boolean): string {
  return ['     ' + pods.join(' '), ...pods.map((f) => `${f}  ${pods.map((t) => (value(f, t) ? '.' : 'X')).join('   ')}`)].join('\n');
}

/**
 * Asserts the reach matrix for (protocol, port) equals the expectation on every ordered pair, and
 * that the walk's per-packet verdicts (egress at the source, then ingress at the destination) agree
 * with the matrix on every pair, so the indexed fast path and the explained path cannot drift.
 */
export function assertTruthTable(t: Topology, protocol: Protocol, port: number, build: (e: Expected) => void): void {
  const index = buildPolicyIndex(t);
  const m = computeReach(index, { protocol, port });
  const pods = m.endpoints.filter((e) => e.pod).map((e) => e.id);
  const expected = new Expected(pods, true);
  build(expected);
  const at = (id: string): number => m.endpoints.findIndex((e) => e.id === id);
  const actual = (f: string, to: string): boolean => m.rows[at(f)]!.has(at(to));
  const walked = (f: string, to: string): boolean => {
    if (f === to) return true;
    const a = m.endpoints[at(f)]!;
    const b = m.endpoints[at(to)]!;
    const q = { src: { ip: a.ip, pod: { namespace: a.pod!.namespace, name: a.pod!.name } }, dst: { ip: b.ip, pod: { namespace: b.pod!.namespace, name: b.pod!.name } }, protocol, port };
    return policyStep(index, 'egress', q).verdict === 'allow' && policyStep(index, 'ingress', q).verdict === 'allow';
  };
  assert.equal(pods.length, 9, 'the xyz model has nine pods, so 81 pairs');
  assert.equal(table(pods, actual), table(pods, (f, to) => expected.get(f, to)), `${protocol} ${port}: reach matrix (actual) vs expected`);
  assert.equal(table(pods, walked), table(pods, actual), `${protocol} ${port}: per-packet verdicts vs reach matrix`);
}
