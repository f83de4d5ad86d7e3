/**
 * Conntrack states in the rule evaluator, as the kernel's `conntrack` and `state` matches read
 * them (docs/kernel-facts.md, "Bridged DNAT and hairpin"): a packet with no conntrack entry (the
 * copy a promiscuous bridge passes up to its stack) is INVALID and nothing else, not UNTRACKED,
 * not DNAT; and the nat table never sees it, while a connection's first packet with an entry meets
 * nat and later ones do not.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { evaluateHook } from '../../src/engine/netfilter/evaluate';
import { parseRestore } from '../../src/engine/netfilter/rules';
import type { FlowKey, NetfilterInput } from '../../src/engine/trace/hooks';
import type { NetfilterHookName } from '../../src/engine/trace/types';

const flow: FlowKey = { src: '10.244.0.2', dst: '10.244.0.2', proto: 'tcp', sport: 40011, dport: 80 };

type Packet = Pick<NetfilterInput, 'newConnection' | 'noConntrackEntry' | 'conntrackDnat'>;
const first: Packet = { newConnection: true };
const later: Packet = { newConnection: false };
const dnatted: Packet = { newConnection: false, conntrackDnat: true };
const noEntry: Packet = { newConnection: true, noConntrackEntry: true };

function run(payload: string[], hook: NetfilterHookName, packet: Packet) {
  const input: NetfilterInput = { node: 'n', hook, flow, mark: 0, inDevice: 'cbr0', outDevice: 'cbr0', isLocalAddress: () => false, ...packet };
  return evaluateHook(parseRestore([...payload, ''].join('\n')), input, '10.240.0.4');
}

/** The FORWARD rules (none has a target, so every one is tried) a packet matches, by their matches. */
function matching(rules: readonly string[], packet: Packet): string[] {
  const result = run(['*filter', ':FORWARD ACCEPT [0:0]', ...rules.map((r) => `-A FORWARD ${r}`), 'COMMIT'], 'FORWARD', packet);
  return result.steps.flatMap((s) => (s.kind === 'netfilter' ? [s.rule.slice('-A FORWARD '.length)] : []));
}

const states = ['NEW', 'ESTABLISHED', 'RELATED', 'INVALID', 'UNTRACKED', 'DNAT', 'SNAT'].map((st) => `-m conntrack --ctstate ${st}`);

test('a packet with no conntrack entry is INVALID and in no other state', () => {
  assert.deepEqual(matching(states, noEntry), ['-m conntrack --ctstate INVALID']);
  assert.deepEqual(matching(['-m conntrack --ctstate RELATED,ESTABLISHED', '-m conntrack --ctstate NEW,INVALID', '-m conntrack ! --ctstate INVALID', '-m state --state INVALID'], noEntry), ['-m conntrack --ctstate NEW,INVALID', '-m state --state INVALID']);
});

test('a packet with an entry is never INVALID: NEW first, then ESTABLISHED, DNAT once translated', () => {
  assert.deepEqual(matching(states, first), ['-m conntrack --ctstate NEW']);
  assert.deepEqual(matching(states, later), ['-m conntrack --ctstate ESTABLISHED', '-m conntrack --ctstate RELATED']);
  assert.deepEqual(matching(states, dnatted), ['-m conntrack --ctstate ESTABLISHED', '-m conntrack --ctstate RELATED', '-m conntrack --ctstate DNAT']);
  assert.deepEqual(matching(['-m conntrack ! --ctstate INVALID', '-m state --state INVALID'], first), ['-m conntrack ! --ctstate INVALID']);
});

test("kube-proxy's KUBE-FORWARD drops a packet with no entry on its INVALID rule, before the mark would accept it", () => {
  const payload = [
    '*filter',
    ':FORWARD ACCEPT [0:0]',
    ':KUBE-FORWARD - [0:0]',
    '-A FORWARD -m conntrack --ctstate NEW -m comment --comment "kubernetes service portals" -j KUBE-SERVICES',
    '-A FORWARD -m comment --comment "kubernetes forwarding rules" -j KUBE-FORWARD',
    '-A KUBE-FORWARD -m conntrack --ctstate INVALID -m nfacct --nfacct-name ct_state_invalid_dropped_pkts -j DROP',
    '-A KUBE-FORWARD -m comment --comment "kubernetes forwarding rules" -m mark --mark 0x4000/0x4000 -j ACCEPT',
    'COMMIT',
  ];
  const dropped = run(payload, 'FORWARD', noEntry);
  assert.equal(dropped.verdict, 'DROP');
  assert.deepEqual(dropped.steps.map((s) => (s.kind === 'netfilter' ? `${s.rule} [${s.line}] ${s.verdict}` : s.kind)), [
    `${payload[4]} [5] jump KUBE-FORWARD`,
    `${payload[5]} [6] DROP`,
  ]);
  assert.equal(run(payload, 'FORWARD', first).verdict, 'ACCEPT');
});

test('the nat table never sees a packet with no entry; the first packet of a connection it does', () => {
  const payload = [
    '*nat',
    ':POSTROUTING ACCEPT [0:0]',
    '-A POSTROUTING -m mark --mark 0x4000/0x4000 -j MASQUERADE',
    'COMMIT',
    '*mangle',
    ':POSTROUTING ACCEPT [0:0]',
    '-A POSTROUTING -m conntrack --ctstate INVALID',
    'COMMIT',
  ];
  const at = (packet: Packet) => {
    const input: NetfilterInput = { node: 'n', hook: 'POSTROUTING', flow, mark: 0x4000, outDevice: 'cbr0', outDeviceAddress: '10.244.0.1', isLocalAddress: () => false, ...packet };
    return evaluateHook(parseRestore(payload.join('\n')), input, '10.240.0.4');
  };
  const untouched = at(noEntry);
  assert.deepEqual(untouched.steps.map((s) => (s.kind === 'netfilter' ? `${s.table} ${s.rule}` : s.kind)), ['mangle -A POSTROUTING -m conntrack --ctstate INVALID']);
  assert.deepEqual(untouched.flow, flow);
  assert.equal(at(first).flow.src, '10.244.0.1');
  assert.deepEqual(at(later).flow, flow);
});
