/**
 * `lab verify` for one trace: capture on the link of every predicted hop, send the trace's packet
 * for real from its source namespace (a listener waiting where it should be delivered), read the
 * captures back, and compare each hop with the packet seen on its link.
 */

import { spawn } from 'node:child_process';
import { bestMatch, type FieldDifference } from '../../engine/lab/compare';
import type { LabPlan } from '../../engine/lab/plan';
import { parseTcpdump } from '../../engine/lab/tcpdump';
import type { Dataplane } from '../../engine/dataplane/types';
import type { Header, HeaderStack, Hop, Trace } from '../../engine/trace/types';
import { run } from './kernel';

export interface HopReport {
  readonly hop: number;
  readonly where: string;
  readonly predicted: HeaderStack;
  readonly captured?: HeaderStack;
  readonly differences: readonly FieldDifference[];
}

function netnsIdOf(hop: Hop): string {
  return hop.netns === 'host' ? `node/${hop.node}` : hop.netns;
}

function innermost<L extends Header['layer']>(stack: HeaderStack, layer: L): Extract<Header, { layer: L }> | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.layer === layer) return stack[i] as Extract<Header, { layer: L }>;
  return undefined;
}

function capture(ns: string, dev: string, seconds: number): Promise<string> {
  return new Promise((resolve) => {
    const p = spawn('ip', ['netns', 'exec', ns, 'timeout', String(seconds), 'tcpdump', '-i', dev, '-e', '-vv', '-n', '-l', '-U', '(arp or ip) and not igmp'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    p.stdout.on('data', (d: Buffer) => (out += d.toString()));
    p.on('close', () => resolve(out));
  });
}

const sleep = (ms: number): Promise<void> => new Promise((r) => setTimeout(r, ms));

/** Sends the trace's first packet and compares every hop. Skips the source port for random-fully MASQUERADE. */
export async function verifyTrace(dp: Dataplane, plan: LabPlan, trace: Trace): Promise<HopReport[]> {
  const first = trace.hops[0];
  if (!first) return [];
  const nsName = (id: string): string => plan.netnsNames.get(id) ?? id;
  const ip = innermost(first.headers, 'ipv4')!;
  const tcp = innermost(first.headers, 'tcp');
  const udp = innermost(first.headers, 'udp');
  const last = trace.hops[trace.hops.length - 1]!;
  const deliveredTo = innermost(last.headers, 'ipv4');
  const owner = deliveredTo ? dp.ownerOf(deliveredTo.dst) : undefined;
  const listenPort = innermost(last.headers, 'tcp')?.dport ?? innermost(last.headers, 'udp')?.dport;
  const captures = trace.hops.map((h) => capture(nsName(netnsIdOf(h)), h.out, 4));
  const listener = owner && listenPort !== undefined
    ? spawn('ip', ['netns', 'exec', nsName(owner.netns), 'timeout', '4', 'nc', '-l', ...(udp ? ['-u'] : []), '-p', String(listenPort)], { stdio: 'ignore' })
    : undefined;
  await sleep(1000);
  const src = nsName(netnsIdOf(first));
  if (tcp) run(['ip', 'netns', 'exec', src, 'nc', '-z', '-w', '2', '-p', String(tcp.sport), ip.dst, String(tcp.dport)]);
  else if (udp) run(['ip', 'netns', 'exec', src, 'sh', '-c', `echo x | nc -u -w 1 -p ${udp.sport} ${ip.dst} ${udp.dport}`]);
  else run(['ip', 'netns', 'exec', src, 'ping', '-c', '1', '-W', '1', ip.dst]);
  const texts = await Promise.all(captures);
  listener?.kill();
  // The port MASQUERADE --random-fully picks is the kernel's secret from that hop on.
  const masqueradeAt = trace.hops.findIndex((h) => h.steps.some((s) => s.kind === 'nat' && s.type === 'MASQUERADE'));
  return trace.hops.map((h, i) => {
    const packets = parseTcpdump(texts[i]!).map((p) => p.headers).filter((s) => s[1]?.layer !== 'arp');
    const randomPort = masqueradeAt >= 0 && i >= masqueradeAt;
    const m = bestMatch(h.headers, packets, randomPort ? { skip: new Set(['tcp.sport', 'udp.sport']) } : {});
    return { hop: i, where: `${h.node} ${h.netns} ${h.out}`, predicted: h.headers, captured: m.captured, differences: m.differences };
  });
}
