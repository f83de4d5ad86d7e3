/**
 * The chain index must not change which rules a packet meets: over random long chains of
 * kube-proxy-shaped rules (address, protocol and port keys, port-only keys, unkeyed rules, negated
 * and wider addresses, marks set by earlier rules), the evaluated chain fires exactly the rules a
 * plain first-to-last reading of the chain fires, in the same order.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { evaluateHook } from '../../src/engine/netfilter/evaluate';
import { parseRule, type RuleSet } from '../../src/engine/netfilter/rules';
import type { FlowKey } from '../../src/engine/trace/hooks';
import type { NetfilterStep } from '../../src/engine/trace/types';

const ADDRESSES = ['10.43.0.1', '10.43.0.2', '10.43.0.3', '10.43.1.9'];
const PORTS = [53, 80, 443];
type Proto = 'tcp' | 'udp' | 'icmp';

interface RuleShape {
  readonly proto?: Proto;
  readonly dst?: { readonly address: string; readonly length: 32 | 24; readonly negate: boolean };
  readonly dport?: number;
  readonly src?: string;
  readonly needsMark: boolean;
  readonly target: 'ACCEPT' | 'DROP' | 'MARK';
}

const shape: fc.Arbitrary<RuleShape> = fc.record({
  proto: fc.option(fc.constantFrom<Proto>('tcp', 'udp', 'icmp'), { nil: undefined, freq: 8 }),
  dst: fc.option(fc.record({ address: fc.constantFrom(...ADDRESSES), length: fc.constantFrom<32 | 24>(32, 32, 32, 24), negate: fc.boolean() }), { nil: undefined, freq: 6 }),
  dport: fc.option(fc.constantFrom(...PORTS), { nil: undefined, freq: 8 }),
  src: fc.option(fc.constantFrom('10.42.0.0/16', '10.42.1.0/24'), { nil: undefined, freq: 2 }),
  needsMark: fc.integer({ min: 0, max: 9 }).map((x) => x < 3),
  target: fc.constantFrom<RuleShape['target']>('ACCEPT', 'DROP', 'MARK', 'MARK', 'MARK'),
});

function text(r: RuleShape): string {
  const words = ['-A KUBE-SERVICES'];
  if (r.src) words.push('-s', r.src);
  if (r.dst) words.push(...(r.dst.negate ? ['!'] : []), '-d', `${r.dst.address}/${r.dst.length}`);
  if (r.proto) words.push('-m', r.proto, '-p', r.proto);
  if (r.dport !== undefined) words.push('--dport', String(r.dport));
  if (r.needsMark) words.push('-m', 'mark', '--mark', '0x1/0x1');
  words.push(...(r.target === 'MARK' ? ['-j', 'MARK', '--or-mark', '0x1'] : ['-j', r.target]));
  return words.join(' ');
}

const num = (ip: string): number => ip.split('.').reduce((a, o) => a * 256 + Number(o), 0);
const within = (ip: string, cidr: string): boolean => {
  const [base, length] = cidr.split('/');
  const shift = 32 - Number(length);
  return Math.floor(num(ip) / 2 ** shift) === Math.floor(num(base!) / 2 ** shift);
};

/** A first-to-last reading of the chain: the rules that fire, until a verdict. */
function reference(rules: readonly RuleShape[], flow: FlowKey): string[] {
  const fired: string[] = [];
  let mark = 0;
  for (const r of rules) {
    if (r.src && !within(flow.src, r.src)) continue;
    if (r.dst && within(flow.dst, `${r.dst.address}/${r.dst.length}`) === r.dst.negate) continue;
    if (r.proto && r.proto !== flow.proto) continue;
    if (r.dport !== undefined && (flow.proto === 'icmp' || flow.dport !== r.dport)) continue;
    if (r.needsMark && (mark & 1) === 0) continue;
    fired.push(text(r));
    if (r.target === 'MARK') mark |= 1;
    else break;
  }
  return fired;
}

const flowArb: fc.Arbitrary<FlowKey> = fc.record({
  src: fc.constantFrom('10.42.1.5', '10.42.7.5', '192.168.0.4'),
  dst: fc.constantFrom(...ADDRESSES, '10.43.0.200', '8.8.8.8'),
  proto: fc.constantFrom<Proto>('tcp', 'udp', 'icmp'),
  sport: fc.constant(40000),
  dport: fc.constantFrom(...PORTS, 8080),
}).map((f) => (f.proto === 'icmp' ? { ...f, sport: 0, dport: 0 } : f));

test('an indexed chain fires the rules a first-to-last reading fires, in order', () => {
  fc.assert(
    fc.property(fc.array(shape, { minLength: 40, maxLength: 160 }), fc.array(flowArb, { minLength: 1, maxLength: 12 }), (shapes, flows) => {
      const rules = shapes.map((r, i) => parseRule('filter', text(r), i + 1));
      const set: RuleSet = new Map([['filter', new Map([['FORWARD', [parseRule('filter', '-A FORWARD -j KUBE-SERVICES')]], ['KUBE-SERVICES', rules]])]]);
      for (const flow of flows) {
        const result = evaluateHook(set, { node: 'n', hook: 'FORWARD', flow, mark: 0, newConnection: true, isLocalAddress: () => false }, '192.168.0.4');
        const fired = result.steps.filter((s): s is NetfilterStep => s.kind === 'netfilter' && s.chain === 'KUBE-SERVICES').map((s) => s.rule);
        assert.deepEqual(fired, reference(shapes, flow));
      }
    }),
    { numRuns: 300, seed: 15 },
  );
});

test('a 10,000-service KUBE-SERVICES finds the service rule, the port-only rule and the last rule in order', () => {
  const lines = Array.from({ length: 10_000 }, (_, i) => `-A KUBE-SERVICES -d 10.43.${i >> 8}.${i & 255}/32 -p tcp -m tcp --dport 80 -j MARK --or-mark 0x${(i + 1).toString(16)}`);
  lines.splice(5000, 0, '-A KUBE-SERVICES -p tcp -m tcp --dport 80 -j MARK --or-mark 0x100000');
  lines.push('-A KUBE-SERVICES -j DROP');
  const rules = lines.map((l, i) => parseRule('filter', l, i + 1));
  const set: RuleSet = new Map([['filter', new Map([['OUTPUT', [parseRule('filter', '-A OUTPUT -j KUBE-SERVICES')]], ['KUBE-SERVICES', rules]])]]);
  const run = (dst: string) => evaluateHook(set, { node: 'n', hook: 'OUTPUT', flow: { src: '10.42.0.5', dst, proto: 'tcp', sport: 1, dport: 80 }, mark: 0, newConnection: true, isLocalAddress: () => false }, '192.168.0.4');
  const lineNumbers = (dst: string) => run(dst).steps.filter((s): s is NetfilterStep => s.kind === 'netfilter' && s.chain === 'KUBE-SERVICES').map((s) => s.line);
  assert.deepEqual(lineNumbers('10.43.0.7'), [8, 5001, 10_002]);
  assert.deepEqual(lineNumbers('10.43.30.1'), [5001, 7683, 10_002]);
  assert.equal(run('10.43.30.1').mark, (7682 | 0x100000) >>> 0);
  assert.equal(run('10.43.30.1').verdict, 'DROP');
});
