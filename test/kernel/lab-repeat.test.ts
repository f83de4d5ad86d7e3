/**
 * `lab verify` is repeatable: one `lab up` of seed 002, then verifies through the CLI itself, one
 * after another, as a user would type them. A finished probe leaves its socket in TIME-WAIT for a
 * minute, so every verify must send from a port no earlier probe in the lab used, and the walk must
 * predict with that same port. A probe that cannot be sent (its port held by a listener here) must
 * say so with its own exit code, never as a difference.
 */

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, before, test } from 'node:test';
import type { Io } from '../../src/cli/command';
import { labRefusal } from '../../src/cli/lab/kernel';
import { readState } from '../../src/cli/lab/state';
import { bound } from '../../src/cli/lab/verify';
import { EXIT_UNSENT } from '../../src/cli/lab/verifyRun';
import { waitFor } from '../../src/cli/lab/waitFor';
import { main } from '../../src/cli/main';
import { nodeHost } from '../../src/cli/nodeHost';
import { firstSourcePort } from '../../src/engine/lab/cases';
import { netnsName } from '../../src/engine/lab/plan';
import { loadTopology } from '../../src/engine/model/load';
import type { HeaderStack } from '../../src/engine/trace/types';

const prefix = `pwr${process.pid % 100000}-`;
const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'iptables-save', 'tcpdump', 'nc', 'ping', 'ss', 'nfacct', 'ipset']);
const file = path.join(__dirname, '..', '..', '..', 'samples', 'seed002-flannel-vxlan.yaml');
const cluster = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!.cluster.name;

async function cli(...args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const io: Io = { out: (t) => out.push(t), err: (t) => err.push(t) };
  const code = await main(['lab', ...args, file, '--prefix', prefix], io);
  return { code, out: out.join('\n'), err: err.join('\n') };
}

const verify = (...args: string[]): ReturnType<typeof cli> => cli('verify', ...args);

/** The flow's own source port on a hop (the last header: a VXLAN hop's outer UDP is not it). */
function sport(stack: HeaderStack | undefined): number | undefined {
  const l4 = stack?.[stack.length - 1];
  return l4?.layer === 'tcp' || l4?.layer === 'udp' ? l4.sport : undefined;
}

before(async () => {
  if (refusal) return;
  const up = await cli('up');
  assert.equal(up.code, 0, up.err);
});

after(async () => {
  if (refusal) return;
  await cli('down');
});

test('lab verify: the same verify ten times in a row on one lab up matches each time, each from a port of its own', { skip: refusal }, async () => {
  const ports: number[] = [];
  for (let i = 1; i <= 10; i++) {
    const r = await verify('--from', 'pod/default/busybox', '--to', 'svc/default/nginx-test-service:80', '--json');
    const report = JSON.parse(r.out) as { verdict: string; traces: { hops: { predicted: HeaderStack; captured?: HeaderStack }[] }[] };
    assert.equal(r.code, 0, `run ${i}: exit ${r.code}\n${r.err}\n${r.out}`);
    assert.equal(report.verdict, 'match', `run ${i}`);
    const first = report.traces[0]!.hops[0]!;
    assert.equal(sport(first.captured), sport(first.predicted), `run ${i}: the walk predicted with the port that was sent`);
    ports.push(sport(first.captured)!);
  }
  assert.equal(new Set(ports).size, 10, `ten runs, ten source ports: ${ports.join(' ')}`);
});

test('lab verify: four different traces verified one after another on one lab up, each twice, all match', { skip: refusal }, async () => {
  const traces = [
    ['--from', 'pod/default/busybox', '--to', 'pod/default/nginx', '--proto', 'icmp'],
    ['--from', 'ext/client', '--to', 'ip/192.168.205.5:32506'],
    ['--from', 'node/master', '--to', 'pod/default/nginx', '--proto', 'udp', '--port', '5353'],
    ['--from', 'pod/default/busybox', '--to', 'ext/client', '--port', '9000'],
  ];
  for (const round of [1, 2]) {
    for (const args of traces) {
      const r = await verify(...args);
      assert.equal(r.code, 0, `round ${round}, ${args.join(' ')}: exit ${r.code}\n${r.err}\n${r.out}`);
      assert.match(r.out, /^MATCH /m);
    }
  }
});

test('lab verify: a probe whose source port is held cannot be sent, and exits 5 saying so, not as a difference', { skip: refusal }, async () => {
  const state = readState(cluster, prefix);
  assert.ok(state, 'the lab records its state');
  const port = firstSourcePort(state.nextSport, 2);
  const busybox = netnsName(prefix, 'pod/default/busybox');
  // Listeners on the very ports the next two probes will bind: the kernel refuses nc's bind.
  const holders = [port, port + 1].map((p) => spawn('ip', ['netns', 'exec', busybox, 'nc', '-l', '-p', String(p)], { stdio: 'ignore' }));
  try {
    assert.ok(await waitFor(() => bound(busybox, port, false) && bound(busybox, port + 1, false), 30_000), `listeners hold ports ${port} and ${port + 1}`);
    const args = ['--from', 'pod/default/busybox', '--to', 'pod/default/nginx', '--port', '9000'];
    const r = await verify(...args);
    assert.equal(r.code, EXIT_UNSENT, `exit ${r.code}\n${r.err}\n${r.out}`);
    assert.match(r.out, /^NOT SENT {2}pod\/default\/busybox -> pod\/default\/nginx/m);
    assert.match(r.out, /could not send: nc: bind failed: Address already in use/);
    assert.match(r.err, /could not send: nc: bind failed: Address already in use/);
    assert.doesNotMatch(r.out, /DIFFER|differ/);
    const json = await verify(...args, '--json');
    assert.equal(json.code, EXIT_UNSENT);
    const report = JSON.parse(json.out) as { verdict: string; match?: boolean; traces: { verdict: string; match?: boolean; unsent?: string }[] };
    assert.deepEqual([report.verdict, report.match, report.traces[0]!.verdict, report.traces[0]!.match], ['could not send', undefined, 'could not send', undefined], 'JSON says neither match nor mismatch');
    assert.match(report.traces[0]!.unsent!, /bind failed/);
    // Those ports are used up by the runs that could not send: the next sends from a free one.
    const next = await verify(...args);
    assert.equal(next.code, 0, `the next run sends from a fresh port: ${next.err}\n${next.out}`);
  } finally {
    for (const h of holders) h.kill();
  }
});
