/**
 * br_netfilter held against the kernel by rule counters: seed 000 is built in namespaces, a TCP
 * connection goes from one coredns pod to the other over cni0 (bridged, no NAT), and the master's
 * `iptables-save -c` before and after says which rules the kernel ran. Every rule whose counter
 * moved must be one the walk names on the bridged hop of the request or the reply; the nat rules,
 * which see only a connection's first packet, must have moved exactly as often as the request
 * names them; and every rule the request names must have moved.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { labRefusal } from '../../src/cli/lab/kernel';
import { counters } from './counters';
import { teardown } from '../../src/cli/lab/state';
import { labUp } from '../../src/cli/lab/up';
import { verifyAll } from '../../src/cli/lab/verifyRun';
import { traceMatches } from '../../src/engine/lab/report';
import { createEngine, tryTraceFlow, type TraceRequest } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import { saveRule } from '../../src/engine/proxy/save';
import type { Hop } from '../../src/engine/trace/types';
import { assertBuilt } from './built';

const prefix = `pwb${process.pid % 100000}-`;
const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'iptables-save', 'tcpdump', 'nc', 'nfacct', 'ipset']);
const file = path.join(__dirname, '..', '..', '..', 'samples', 'seed000-flannel-vxlan.yaml');

/** How often the hop names each rule, keyed as `counters` keys them. */
function named(hop: Hop | undefined): Map<string, number> {
  const out = new Map<string, number>();
  for (const s of hop?.steps ?? []) {
    if (s.kind !== 'netfilter') continue;
    const key = `${s.table} ${saveRule(s.rule)}`;
    out.set(key, (out.get(key) ?? 0) + 1);
  }
  return out;
}

test('lab: the rules br_netfilter runs for a bridged pod-to-pod connection are the ones the walk names', { skip: refusal }, async () => {
  const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!;
  const engine = createEngine(topology);
  const up = labUp(topology, file, prefix);
  try {
    assertBuilt(up);
    // The node itself sometimes sends during the window (a NEW connection through OUTPUT and nat
    // POSTROUTING: IGMP reports, seen under load), which no bridged frame explains. A window where
    // OUTPUT moved is measured again, with a fresh source port so nat sees a new connection.
    for (let attempt = 0; ; attempt++) {
      const request: TraceRequest = { from: 'pod/kube-system/coredns-7bdc4cb885-6kzwr', to: 'pod/kube-system/coredns-7bdc4cb885-g5n5w', proto: 'tcp', port: 53, sport: 41053 + attempt };
      const walked = tryTraceFlow(engine, request);
      assert.ok(walked.ok);
      const { trace } = walked.value;
      const bridged = trace.hops.find((h) => h.netns === 'host');
      const replyBridged = trace.reply?.hops.find((h) => h.netns === 'host');
      assert.ok(bridged && replyBridged, 'both legs are bridged on the master');
      const master = up.plan.netnsNames.get(`node/${bridged.node}`)!;
      const before = counters(master);
      const { traces } = await verifyAll(topology, up.plan, [{ kind: 'same-node pod-to-pod', label: 'coredns -> coredns over cni0', request }]);
      assert.ok(traces.every(traceMatches), 'the headers match hop by hop');
      const after = counters(master);
      const moved = [...after].filter(([k, n]) => n !== (before.get(k) ?? 0)).map(([k, n]) => [k, n - (before.get(k) ?? 0)] as const);
      if (moved.some(([k]) => /^\w+ -A OUTPUT /.test(k)) && attempt < 3) continue;
      const request1 = named(bridged);
      const either = new Set([...request1.keys(), ...named(replyBridged).keys()]);
      assert.ok(moved.length > 0, 'the connection moved some counters');
      assert.deepEqual(moved.filter(([k]) => !either.has(k)).map(([k]) => k), [], 'no rule ran that the walk does not name');
      for (const [k, n] of moved) if (k.startsWith('nat ')) assert.equal(n, request1.get(k), `${k}: nat sees the first packet only`);
      assert.deepEqual([...request1.keys()].filter((k) => !moved.some(([m]) => m === k)), [], 'every rule the request names ran');
      assert.ok([...request1.keys()].some((k) => k.startsWith('filter -A FLANNEL-FWD')) && [...request1.keys()].some((k) => k.startsWith('nat -A POSTROUTING')));
      break;
    }
  } finally {
    teardown(topology.cluster.name, prefix);
  }
});
