/**
 * kubenet's promiscuous cbr0 held against the kernel: the kubenet sample is built in namespaces
 * (cbr0 promiscuous, the pods' ports hairpin off, kube-proxy's rules), web-0 connects to its own
 * Service, and the node's `iptables-save -c` and a capture on web-0's eth0 say what happened to
 * every SYN kube-proxy sent back to web-0 itself. The walk says the bridged frame stops at the
 * hairpin check and the promiscuous bridge's copy is routed (TTL 63) into FORWARD, where
 * kube-proxy drops it as ctstate INVALID: each such SYN must move exactly that rule and no
 * MASQUERADE, and no copy of it may reach web-0. kube-proxy picks the endpoint at random (each
 * retransmitted SYN anew), so a connection none of whose SYNs went to web-0 is tried again from a
 * fresh source port.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { labRefusal, run } from '../../src/cli/lab/kernel';
import { counters } from './counters';
import { teardown } from '../../src/cli/lab/state';
import { labUp } from '../../src/cli/lab/up';
import { bound, startCapture } from '../../src/cli/lab/verify';
import { waitFor } from '../../src/cli/lab/waitFor';
import { parseTcpdump } from '../../src/engine/lab/tcpdump';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import { saveRule } from '../../src/engine/proxy/save';
import type { Ipv4Header } from '../../src/engine/trace/types';
import { assertBuilt } from './built';

const prefix = `pwhp${process.pid % 100000}-`;
const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'iptables-save', 'tcpdump', 'nc', 'nfacct', 'ipset']);
const file = path.join(__dirname, '..', '..', '..', 'samples', 'kubenet.yaml');

/** How long a capture or a listener may take to come up, and the capture to print, on a loaded machine. */
const READY_MS = 30_000;

test('lab: a pod reaching itself through its Service over promiscuous cbr0 is dropped in FORWARD as INVALID, as the walk says', { skip: refusal }, async () => {
  const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!;
  const engine = createEngine(topology);
  const up = labUp(topology, file, prefix);
  try {
    assertBuilt(up);
    const pod = up.plan.netnsNames.get('pod/default/web-0')!;
    const node = up.plan.netnsNames.get('node/aks-nodepool1-31718369-vmss000000')!;
    assert.match(run(['ip', '-n', node, 'link', 'show', 'cbr0']).stdout, /PROMISC/, 'the lab made cbr0 promiscuous');
    const gateway = /^default via (\S+)/m.exec(run(['ip', '-n', pod, 'route', 'show', 'default']).stdout)?.[1];
    assert.ok(gateway, "web-0 has a default route");
    for (let attempt = 0; ; attempt++) {
      const sport = 40011 + attempt;
      const walked = tryTraceFlow(engine, { from: 'pod/default/web-0', to: 'svc/default/web:80', proto: 'tcp', sport, endpointIndex: 0 });
      assert.ok(walked.ok);
      const { trace } = walked.value;
      assert.equal(trace.disposition, 'DROPPED');
      const named = new Set(trace.final.flatMap((s) => (s.kind === 'netfilter' ? [`${s.table} ${saveRule(s.rule)}`] : [])));
      const dnat = [...named].find((k) => k.startsWith('nat -A KUBE-SEP-') && k.includes('-j DNAT'))!;
      const before = counters(node);
      const listener = spawn('ip', ['netns', 'exec', pod, 'nc', '-l', '-k', '-p', '80'], { stdio: 'ignore' });
      const capture = await startCapture(pod, 'eth0');
      let nc: ReturnType<typeof run>;
      let after: Map<string, number>;
      let text: string;
      try {
        assert.ok(typeof capture !== 'string', capture as string);
        assert.ok(await waitFor(() => bound(pod, 80, false), READY_MS), 'the listener on web-0:80 came up');
        nc = run(['ip', 'netns', 'exec', pod, 'nc', '-z', '-w', '2', '-p', String(sport), '10.0.182.41', '80']);
        after = counters(node);
        // A barrier for the capture: the gateway's echo reply reaches eth0 after every SYN and any
        // copy of one, so once tcpdump has printed it, it has printed all of those.
        assert.equal(run(['ip', 'netns', 'exec', pod, 'ping', '-c', '1', '-W', '5', gateway]).status, 0, `web-0 reaches its gateway ${gateway}`);
        const replied = (): boolean => parseTcpdump(capture.text()).some((p) => p.headers.some((h) => h.layer === 'icmp' && h.type === 'echo reply'));
        assert.ok(await waitFor(replied, READY_MS), 'the capture printed the echo reply after the SYNs');
      } finally {
        text = typeof capture === 'string' ? '' : await capture.stop();
        listener.kill();
      }
      const moved = (k: string): number => (after.get(k) ?? 0) - (before.get(k) ?? 0);
      const toSelf = moved(dnat);
      if (toSelf === 0 && attempt < 8) continue;
      assert.ok(toSelf > 0, `after ${attempt + 1} connections kube-proxy never sent a SYN back to web-0`);
      const sep = dnat.split(' ')[2]!;
      const invalid = [...after.keys()].find((k) => k.startsWith('filter -A KUBE-FORWARD') && k.includes('--ctstate INVALID'))!;
      assert.equal(moved(invalid), toSelf, 'each SYN to itself dropped in FORWARD as INVALID');
      // kube-proxy's MASQUERADE, the one a marked hairpin would take. kubenet's SNAT for traffic
      // leaving 10.0.0.0/8 cannot match the copy, but the node's own multicast (IGMP reports after
      // its links come up) does move it now and then, so it says nothing here.
      const masqueraded = [...after.keys()].filter((k) => k.startsWith('nat -A KUBE-POSTROUTING') && k.includes('-j MASQUERADE') && moved(k) > 0);
      assert.deepEqual(masqueraded, [], 'nat never saw the copy');
      // The rules only this endpoint has ran once per SYN to web-0; the shared ones at least as often.
      for (const k of named) {
        if (k.includes(` ${sep} `)) assert.equal(moved(k), toSelf, `${k}: named by the walk, run once per SYN to web-0`);
        else assert.ok(moved(k) >= toSelf, `${k}: named by the walk, run for every SYN to web-0`);
      }
      // No listener on web-1: a SYN balanced there is refused; one kept by web-0 times out.
      assert.notEqual(nc.status, 0, 'the connection fails');
      const packets = parseTcpdump(text).filter((p) => p.headers.some((h) => h.layer === 'tcp'));
      const ip = (h: (typeof packets)[number]): Ipv4Header | undefined => h.headers.find((x): x is Ipv4Header => x.layer === 'ipv4');
      assert.equal(packets.filter((p) => ip(p)?.src === '10.244.0.2' && ip(p)?.dst === '10.244.0.2').length, 0, 'no copy of its own SYN reaches web-0');
      const sent = trace.hops[0]!.headers.find((x): x is Ipv4Header => x.layer === 'ipv4')!;
      const syns = packets.filter((p) => ip(p)?.src === sent.src);
      assert.ok(syns.length >= toSelf && syns.every((p) => ip(p)?.dst === sent.dst && ip(p)?.ttl === sent.ttl), 'the SYNs leave web-0 as the walk sends them');
      break;
    }
  } finally {
    teardown(topology.cluster.name, prefix);
  }
});
