/**
 * The lab suite: every sample whose dataplane this kernel can build is built in network
 * namespaces, one trace per path kind is sent for real, and every hop must match the capture on
 * its link, every outcome (answered, rejected, no answer) the walk's disposition, and every node's
 * iptables-save the rule view. What the kernel or the lab cannot reproduce is skipped by name,
 * with the reason. Mutation tests then flip one predicted field of a real capture and expect the
 * comparison to catch it.
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { labRefusal, missingFeatures } from '../../src/cli/lab/kernel';
import { teardown } from '../../src/cli/lab/state';
import { labUp } from '../../src/cli/lab/up';
import { verifyAll } from '../../src/cli/lab/verifyRun';
import { labCases, type LabCase } from '../../src/engine/lab/cases';
import { compareStacks } from '../../src/engine/lab/compare';
import { traceMatches, type TraceReport } from '../../src/engine/lab/report';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import type { Header, HeaderStack } from '../../src/engine/trace/types';
import { assertBuilt } from './built';

// Per process, so two runs of the suite on one machine never tear down each other's namespaces.
const prefix = `pwl${process.pid % 100000}-`;
const samplesDir = path.join(__dirname, '..', '..', '..', 'samples');
const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'iptables-save', 'tcpdump', 'nc', 'ping', 'nfacct', 'ipset']);
const missing = refusal ? new Map<string, string>() : missingFeatures(['ipip', 'ipvs'], `${prefix}cap`);

const fixturesDir = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'lab');

function load(file: string): Topology {
  const full = file.startsWith('fixtures/') ? path.join(fixturesDir, file.slice('fixtures/'.length)) : path.join(samplesDir, file);
  const result = loadTopology({ path: full, text: readFileSync(full, 'utf8') }, nodeHost);
  assert.ok(result.value, `${file} gave no topology`);
  return result.value;
}

/** A trace beyond the generated set, from its own source port. */
function policyCase(kind: LabCase['kind'], from: string, to: string, sport: number, port?: number): LabCase {
  return { kind, label: `${from} -> ${to}${port ? `:${port}` : ''}`, request: { from, to, proto: 'tcp', sport, ...(port ? { port } : {}) } };
}

/** Samples run here, with the traces left out and why (each shows as a skipped test). */
const runs: { file: string; leaveOut?: { match: RegExp; why: string }; extra?: readonly LabCase[] }[] = [
  { file: 'seed002-flannel-vxlan.yaml' },
  { file: 'seed002-flannel-host-gw.yaml' },
  { file: 'kube-proxy-features.yaml' },
  { file: 'kubectl-list.yaml' },
  { file: 'egress-snat.yaml' },
  { file: 'kubenet.yaml' },
  { file: 'calico-bgp.yaml' },
  { file: 'calico-vxlan.yaml' },
  { file: 'canal-policy.yaml', extra: [policyCase('NetworkPolicy deny', 'pod/shop/frontend', 'svc/shop/db:5432', 41001)] },
  { file: 'flannel-policy.yaml' },
  { file: 'hostnetwork.yaml' },
  { file: 'multus-macvlan.yaml' },
  { file: 'seed000-flannel-vxlan.yaml' },
  { file: 'aws-vpc-cni.yaml' },
  // Calico BGP with Felix's NetworkPolicy rules: ingress by a named port, and an egress allow-list.
  { file: 'fixtures/calico-bgp-policy.yaml', extra: [policyCase('NetworkPolicy deny', 'pod/default/intruder', 'pod/default/backend-1', 41001, 5678), policyCase('NetworkPolicy deny', 'pod/default/intruder', 'svc/default/backend:80', 41002)] },
];

/** What the kernel here cannot build, and what the lab does not run. */
const skipped: { file: string; why: string }[] = [
  { file: 'calico-ipip.yaml', why: `ipip: ${missing.get('ipip') ?? 'present here, but the lab has not been checked against it'}` },
  { file: 'netpol-xyz.yaml', why: `Calico IPIP: ${missing.get('ipip') ?? 'present here, but the lab has not been checked against it'}` },
  { file: 'seed002-ipvs.yaml', why: `IPVS: ${missing.get('ipvs') ?? 'present here, but the lab has not been checked against it'}` },
  { file: 'seed003-flannel-udp.yaml', why: 'flannel udp encapsulates in flanneld, a userspace daemon the lab does not run: packets into flannel0 go nowhere' },
  { file: 'weave-sleeve.yaml', why: 'weave sleeve encapsulates in the weaver process, which the lab does not run' },
  {
    file: 'weave-fastdp.yaml',
    why: "weave fastdp's vport picks the VNI per peer pair (8193, 12289 …) in the Open vSwitch datapath; a Linux vxlan device has one VNI for send and receive, so frames arriving with another VNI find no device and are dropped, and with no all-zeros FDB entry the ARP broadcast never leaves; emulating it needs tc flower's tunnel_key, which this kernel lacks ('TC classifier not found')",
  },
];

const seen = new Set<string>();
const reports: TraceReport[] = [];

function describe(r: TraceReport): string {
  const lines = [`${r.label}: ${r.error ?? ''}`];
  for (const h of r.hops) if (h.differences.length) lines.push(`  hop ${h.hop} ${h.where}: ${h.differences.map((d) => `${d.field} ${d.predicted} != ${d.captured}`).join('; ')}`);
  for (const h of r.reply ?? []) if (h.differences.length) lines.push(`  reply hop ${h.hop} ${h.where}: ${h.differences.map((d) => `${d.field} ${d.predicted} != ${d.captured}`).join('; ')}`);
  if (r.outcome && r.outcome.predicted !== r.outcome.observed) lines.push(`  outcome ${r.outcome.predicted} != ${r.outcome.observed}`);
  return lines.join('\n');
}

for (const run of runs) {
  test(`lab: ${run.file} matches the kernel hop by hop`, { skip: refusal }, async (t) => {
    const topology = load(run.file);
    const cases: LabCase[] = [];
    for (const c of [...labCases(topology), ...(run.extra ?? [])]) {
      if (run.leaveOut?.match.test(c.label)) await t.test(`${c.label}`, { skip: run.leaveOut.why }, () => {});
      else cases.push(c);
    }
    assert.ok(cases.length >= 2, `${run.file} gives traces to send`);
    const up = labUp(topology, run.file, prefix);
    try {
      assertBuilt(up);
      const { traces, saves } = await verifyAll(topology, up.plan, cases);
      reports.push(...traces);
      for (const r of traces) seen.add(`${run.file} ${r.label}`);
      const bad = traces.filter((r) => !traceMatches(r));
      assert.deepEqual(bad.map(describe), [], `${bad.length} of ${traces.length} traces differ from the kernel`);
      for (const s of saves) assert.deepEqual({ node: s.node, error: s.error, differences: s.differences }, { node: s.node, error: undefined, differences: [] });
    } finally {
      teardown(topology.cluster.name, prefix);
    }
  });
}

for (const s of skipped) test(`lab: ${s.file}`, { skip: refusal ?? s.why }, () => {});

test('lab: at least 25 distinct traces were held against the kernel, with every path kind', { skip: refusal }, () => {
  assert.ok(seen.size >= 25, `${seen.size} traces`);
  const kinds = new Set(reports.map((r) => r.kind));
  for (const k of ['same-node pod-to-pod', 'cross-node pod-to-pod', 'pod-to-node', 'node-to-pod', 'pod-to-ClusterIP', 'external-to-NodePort', 'pod-to-external', 'service without endpoints']) assert.ok(kinds.has(k), `a ${k} trace was verified`);
  assert.ok(reports.some((r) => r.disposition === 'REJECTED' && r.outcome?.observed.startsWith('rejected')), 'a REJECT was seen as an ICMP error');
  assert.ok(reports.some((r) => r.disposition === 'DROPPED' && r.outcome?.observed === 'no answer'), 'a DROP (externalTrafficPolicy Local) was seen as silence');
  assert.ok(reports.some((r) => r.hops.some((h) => h.predicted.some((x) => x.layer === 'vxlan'))), 'a VXLAN hop was compared');
  // Reply legs are compared hop by hop too: SYN-ACKs, the UDP listener's echo, over VXLAN and through un-DNAT.
  const replies = reports.flatMap((r) => r.reply ?? []);
  assert.ok(replies.length >= 50, `${replies.length} reply hops compared`);
  assert.ok(replies.some((h) => h.captured?.some((x) => x.layer === 'tcp' && x.flags === 'S.')), 'a SYN-ACK was compared');
  assert.ok(replies.some((h) => h.captured?.some((x) => x.layer === 'udp' && x.sport === 53)), 'a UDP answer from a DNS endpoint was compared');
  assert.ok(replies.some((h) => h.predicted.some((x) => x.layer === 'vxlan')), 'a reply crossed VXLAN');
  // NetworkPolicy in Felix's iptables: a deny is silence after the veth, an allow is delivered.
  const denies = reports.filter((r) => r.disposition === 'DENIED' && r.silence);
  assert.ok(denies.length >= 2 && denies.every((r) => r.silence!.seen === 0 && r.outcome?.observed === 'no answer'), `${denies.length} policy denies seen as silence`);
  assert.ok(reports.some((r) => r.kind === 'NetworkPolicy allow' && r.outcome?.observed === 'answered'), 'a policy allow was delivered and answered');
  assert.ok(reports.some((r) => r.label.startsWith('pod/default/intruder') && r.disposition === 'DENIED'), 'an egress deny was checked');
  assert.ok(reports.some((r) => r.label.includes('pod/shop/') && r.disposition === 'DENIED'), 'a Canal deny was checked');
  assert.ok(reports.some((r) => r.label.includes('kube-dns') && r.hops.some((h) => h.predicted[1]?.layer === 'ipv4' && h.predicted[1].ttl === 64 && h.where.includes('host veth'))), 'the bridged DNAT to coredns was compared');
});

test('lab: each flipped field of a captured hop is caught', { skip: refusal }, () => {
  // Every hop that matched: flip one field at a time in the prediction and expect a difference.
  let flips = 0;
  for (const r of reports) {
    for (const h of [...r.hops, ...(r.reply ?? [])]) {
      if (!h.captured || h.differences.length) continue;
      const mutate = (i: number, field: string, value: unknown): HeaderStack => h.predicted.map((x, j) => (j === i ? ({ ...x, [field]: value } as Header) : x));
      h.predicted.forEach((x, i) => {
        const changes: [string, unknown][] = [];
        if (x.layer === 'eth') changes.push(['src', '52:54:00:ff:ff:ff'], ['dst', '52:54:00:ff:ff:fe']);
        if (x.layer === 'ipv4') changes.push(['src', '10.99.99.99'], ['dst', '10.99.99.98'], ['ttl', x.ttl - 1], ['df', !x.df], ['length', x.length + 4]);
        if (x.layer === 'tcp') changes.push(['dport', x.dport + 1], ['flags', 'R']);
        if (x.layer === 'vxlan') changes.push(['vni', x.vni + 1]);
        for (const [field, value] of changes) {
          assert.notDeepEqual(compareStacks(mutate(i, field, value), h.captured!), [], `${r.label} hop ${h.hop}: flipping ${x.layer}.${field} is caught`);
          flips++;
        }
      });
      // A missing or extra header is a different shape.
      assert.notDeepEqual(compareStacks(h.predicted.slice(1), h.captured), [], 'a dropped header is caught');
    }
  }
  assert.ok(flips > 200, `${flips} flips tried`);
});
