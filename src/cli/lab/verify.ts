/**
 * `lab verify` for one trace request: capture on the link of every predicted hop, send the packet
 * for real from its source namespace (a listener waiting where it should be delivered), read the
 * captures back, and compare each hop with the packet seen on its link. Where kube-proxy picks an
 * endpoint at random (`-m statistic --mode random`), every alternative is walked and captured,
 * and the one the kernel took is the one compared. A probe that never left its source (the tool
 * could not bind its port, a capture never started) is reported as not sent, never as a difference.
 */

import { spawn, type ChildProcess } from 'node:child_process';
import { bestMatch, type CapturedPacket, type Engine, type Header, type HeaderStack, type Hop, type HopReport, type LabPlan, netnsId, observedOutcome, parseTcpdump, predictedOutcome, type Trace, traceMatches, type TraceReport, type TraceRequest, tryTraceFlow } from '../../engine/index';
import { run } from './kernel';
import { waitFor } from './waitFor';

export type { HopReport, TraceReport } from '../../engine/index';

function innermost<L extends Header['layer']>(stack: HeaderStack, layer: L): Extract<Header, { layer: L }> | undefined {
  for (let i = stack.length - 1; i >= 0; i--) if (stack[i]!.layer === layer) return stack[i] as Extract<Header, { layer: L }>;
  return undefined;
}

export interface Capture {
  /** What tcpdump has printed so far. */
  readonly text: () => string;
  readonly stop: () => Promise<string>;
}

/** How long tcpdump may take to say it is listening, and a listener to bind, on a loaded machine. */
const READY_MS = 30_000;
/**
 * How long the captures are read after the probe while they do not yet show every packet the walk
 * predicts. A trace the kernel agrees with ends the wait as soon as its last packet is printed; only
 * a difference waits this long, so nothing late is taken for missing.
 */
const SETTLE_MS = 10_000;

/**
 * tcpdump on one link, returned once it says it is listening (so nothing sent after is missed), or
 * why it never did. `-p`: a bridge put in promiscuous mode by a capture also passes every frame it
 * forwards up to its own stack, which routes a second copy (docs/kernel-facts.md); the capture
 * must not do that.
 */
export async function startCapture(ns: string, dev: string): Promise<Capture | string> {
  const p = spawn('ip', ['netns', 'exec', ns, 'tcpdump', '-p', '-i', dev, '-e', '-vv', '-n', '-l', '-U', '(arp or ip) and not igmp'], { stdio: ['ignore', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  let ended = false;
  const closed = new Promise<void>((done) =>
    p.on('close', () => {
      ended = true;
      done();
    }),
  );
  p.stdout.on('data', (d: Buffer) => (out += d.toString()));
  p.stderr.on('data', (d: Buffer) => (err += d.toString()));
  const capture: Capture = {
    text: () => out,
    stop: async () => {
      p.kill('SIGINT');
      await closed;
      return out;
    },
  };
  // A device tcpdump cannot open ends the process at once; the hop then shows nothing captured.
  if (await waitFor(() => ended || err.includes('listening on'), READY_MS)) return capture;
  p.kill('SIGKILL');
  await closed;
  return `tcpdump on ${dev} in ${ns} did not start listening within ${READY_MS / 1000} s`;
}

/** How many endpoints kube-proxy (or IPVS) chooses among on this trace's path. */
function alternativesOf(trace: Trace): number {
  let n = 1;
  for (const s of [...trace.hops.flatMap((h) => h.steps), ...trace.final]) {
    if ((s.kind === 'netfilter' || s.kind === 'ipvs') && s.alternatives) n = Math.max(n, s.alternatives.length);
  }
  return n;
}

function linkKey(ns: string, dev: string): string {
  return `${ns} ${dev}`;
}

interface Listener {
  readonly proc: ChildProcess;
  /** Bound and waiting, or already gone. */
  readonly ready: () => boolean;
  /** The process ended (before the probe: it never listened). */
  readonly gone: () => boolean;
  readonly where: string;
}

/** Whether a socket of this protocol is bound to the port in the namespace, as `ss` lists it. */
export function bound(ns: string, port: number, udp: boolean): boolean {
  return run(['ip', 'netns', 'exec', ns, 'ss', '-Hln', udp ? '-u' : '-t', 'sport', '=', `:${port}`]).stdout.trim() !== '';
}

/**
 * A TCP listener answers a SYN with a SYN-ACK by itself; UDP has no answer of its own, so a UDP
 * listener echoes the first datagram back from the address it was sent to (bound to it, so the
 * reply's source is that address whatever the node's routes would choose). Each is stopped when
 * the captures are; the `timeout` only ends one a crashed run left behind.
 */
function listen(ns: string, at: { ip: string; port: number }, udp: boolean): Listener {
  const where = `${at.ip}:${at.port} in ${ns}`;
  let ended = false;
  const track = (proc: ChildProcess): ChildProcess => proc.once('close', () => (ended = true));
  if (udp && hasPython) {
    const echo = `import socket\ns=socket.socket(socket.AF_INET,socket.SOCK_DGRAM)\ns.bind(('${at.ip}',${at.port}))\nprint('bound',flush=True)\nd,a=s.recvfrom(65535)\ns.sendto(d,a)`;
    const proc = track(spawn('ip', ['netns', 'exec', ns, 'timeout', '120', 'python3', '-c', echo], { stdio: ['ignore', 'pipe', 'ignore'] }));
    // Interpreter start-up takes a while under load: ready once it says the socket is bound.
    let said = false;
    proc.stdout!.once('data', () => (said = true));
    return { proc, where, ready: () => said || ended, gone: () => ended };
  }
  const proc = track(spawn('ip', ['netns', 'exec', ns, 'timeout', '120', 'nc', '-l', ...(udp ? ['-u'] : []), '-p', String(at.port)], { stdio: 'ignore' }));
  return { proc, where, ready: () => ended || bound(ns, at.port, udp), gone: () => ended };
}

const hasPython = run(['sh', '-c', 'command -v python3']).status === 0;

const randomisingNat = / -j (MASQUERADE|SNAT)\b.*--random/;

/** Compares one walked trace with the captures; the port a `--random(-fully)` MASQUERADE or SNAT picks is skipped from that hop on. */
function compareTrace(trace: Trace, packetsOn: (hop: Hop) => CapturedPacket[]): HopReport[] {
  // Only a randomising rule hides the port: plain MASQUERADE keeps it (docs/kernel-facts.md).
  const masqueradeAt = trace.hops.findIndex((h) => h.steps.some((s) => s.kind === 'netfilter' && randomisingNat.test(s.rule)));
  return trace.hops.map((h, i) => {
    const packets = packetsOn(h).map((p) => p.headers).filter((s) => s[1]?.layer !== 'arp');
    const randomPort = masqueradeAt >= 0 && i >= masqueradeAt;
    const m = bestMatch(h.headers, packets, randomPort ? { skip: new Set(['tcp.sport', 'udp.sport']) } : {});
    return { hop: i, where: `${h.node} ${h.netns} ${h.out}`, predicted: h.headers, ...(m.captured ? { captured: m.captured } : {}), differences: m.differences };
  });
}

/**
 * The reply leg's hops against the same captures. Where the request's source port was randomised,
 * the reply carries that unknown port as its destination until conntrack un-SNATs it.
 */
function compareReply(trace: Trace, packetsOn: (hop: Hop) => CapturedPacket[]): HopReport[] {
  const reply = trace.reply;
  if (!reply) return [];
  const randomised = trace.hops.some((h) => h.steps.some((s) => s.kind === 'netfilter' && randomisingNat.test(s.rule)));
  const unSnatAt = reply.hops.findIndex((h) => h.steps.some((s) => s.kind === 'nat' && s.type === 'un-SNAT'));
  return reply.hops.map((h, i) => {
    const packets = packetsOn(h).map((p) => p.headers).filter((s) => s[1]?.layer !== 'arp');
    const randomPort = randomised && (unSnatAt < 0 || i < unSnatAt);
    const m = bestMatch(h.headers, packets, randomPort ? { skip: new Set(['tcp.dport', 'udp.dport']) } : {});
    return { hop: i, where: `${h.node} ${h.netns} ${h.out}`, predicted: h.headers, ...(m.captured ? { captured: m.captured } : {}), differences: m.differences };
  });
}

/** Whether the kernel answers this trace's packet so its reply can be captured: a SYN-ACK, an echo reply, or the UDP listener's echo. */
function answered(trace: Trace): boolean {
  if (trace.disposition !== 'DELIVERED' || !trace.reply) return false;
  return trace.hops[0]?.headers.at(-1)?.layer !== 'udp' || hasPython;
}

const differenceCount = (hops: readonly HopReport[]): number => hops.reduce((n, h) => n + h.differences.length, 0);

/** Sends the request's packet once and reports every hop of the trace the kernel followed. */
export async function verifyRequest(engine: Engine, plan: LabPlan, request: TraceRequest, label: string, kind?: string): Promise<TraceReport> {
  const first = tryTraceFlow(engine, request);
  if (!first.ok) return { label, ...(kind ? { kind } : {}), disposition: 'NO_ROUTE', hops: [], error: first.error };
  const base = first.value.trace;
  const n = alternativesOf(base);
  const traces = n > 1 ? Array.from({ length: n }, (_, i) => tryTraceFlow(engine, { ...request, endpointIndex: i })).flatMap((r) => (r.ok ? [r.value.trace] : [])) : [base];
  return verifyTraces(engine, plan, traces, label, kind);
}

/** One probe's traces and what to hold the captures against: the first link, the flow's addresses, the links that must stay silent. */
interface Probe {
  readonly label: string;
  readonly kind?: string;
  readonly traces: readonly Trace[];
  readonly start: Hop;
  readonly src: string;
  readonly sport?: number;
  readonly silent?: readonly { netns: string; node: string; device: string }[];
  readonly nsName: (id: string) => string;
}

/**
 * The report for what the captures show: the alternative whose links saw the packet, compared hop
 * by hop, replies included, with the outcome on the source's own link and any silence after a deny.
 */
function judge(probe: Probe, texts: ReadonlyMap<string, CapturedPacket[]>): TraceReport {
  const { label, kind, traces, start, silent, nsName } = probe;
  const ip = innermost(start.headers, 'ipv4')!;
  const packetsOn = (h: Hop): CapturedPacket[] => texts.get(linkKey(nsName(netnsId(h.ref)), h.out)) ?? [];
  const compared = traces.map((t) => compareTrace(t, packetsOn));
  const replies = traces.map((t) => (answered(t) ? compareReply(t, packetsOn) : []));
  // The path the kernel took is the one whose links saw the packet; field differences break ties,
  // then the longer path: a walk that ends early (a hairpin dropped) matches its one hop as well as
  // the path the kernel really took does, which also matches every hop after it.
  const score = (hops: readonly HopReport[]): [number, number, number] => [hops.filter((h) => h.differences.some((d) => d.field === 'packet' || d.field === 'layers')).length, differenceCount(hops), -hops.length];
  const better = (a: readonly number[], b: readonly number[]): boolean => {
    const i = a.findIndex((x, j) => x !== b[j]);
    return i >= 0 && a[i]! < b[i]!;
  };
  let best = 0;
  compared.forEach((hops, i) => {
    if (better(score(hops), score(compared[best]!))) best = i;
  });
  const chosen = traces[best]!;
  const predicted = predictedOutcome(chosen);
  // Only Felix's rules put NetworkPolicy into the lab's iptables; a deny the walk decides by
  // NetworkPolicy alone (weave) has nothing in the kernel to hold against.
  const enforcedDeny = chosen.disposition === 'DENIED' && !silent;
  const unique = [...new Map((silent ?? []).map((l) => [linkKey(l.netns, l.device), l])).values()];
  const silence = silent && {
    where: unique.map((l) => `${l.node} host ${l.device}`).join(', '),
    seen: unique.reduce((n, l) => n + (texts.get(linkKey(nsName(l.netns), l.device))?.filter((p) => sameFlow(p.headers, ip.src, probe.sport)).length ?? 0), 0),
  };
  return {
    label,
    ...(kind ? { kind } : {}),
    disposition: chosen.disposition,
    ...(traces.length > 1 ? { alternative: { index: best, of: traces.length } } : {}),
    hops: compared[best]!,
    ...(replies[best]!.length > 0 ? { reply: replies[best]! } : {}),
    ...(predicted && !enforcedDeny ? { outcome: { predicted, observed: observedOutcome(packetsOn(start), ip.src) } } : {}),
    ...(silence ? { silence } : {}),
    ...(enforcedDeny ? { unchecked: "the policy's deny: this CNI's NetworkPolicy enforcement is not rendered into the lab's iptables" } : {}),
  };
}

/**
 * What the kernel's dataplane answers a send with (no route, a netfilter DROP or REJECT in OUTPUT, a
 * refused connection): the kernel's verdict on the packet, held against the walk like any other.
 */
const dataplaneAnswer = /Network is unreachable|No route to host|Operation not permitted|Connection refused|Connection timed out/;

/** Why the sending tool says it could not send (it could not bind its source port, it did not run), or undefined. */
function sendFailure(r: { status: number | null; stderr: string }): string | undefined {
  const said = r.stderr.trim();
  if (r.status === 0 || said === '' || dataplaneAnswer.test(said)) return undefined;
  return said.split('\n')[0];
}

/**
 * Sends the probe: nc for TCP (the listener answers) and UDP (as many payload bytes as the walk's
 * datagram carries, so lengths compare too), ping for ICMP.
 */
function send(src: string, start: Hop): { status: number | null; stderr: string } {
  const ip = innermost(start.headers, 'ipv4')!;
  // The flow's own transport is the last header: a VXLAN hop's outer UDP is not it.
  const l4 = start.headers[start.headers.length - 1];
  if (l4?.layer === 'tcp') return run(['ip', 'netns', 'exec', src, 'nc', '-z', '-w', '2', '-p', String(l4.sport), ip.dst, String(l4.dport)]);
  if (l4?.layer === 'udp') return run(['ip', 'netns', 'exec', src, 'sh', '-c', `printf %s ${'x'.repeat(Math.max(1, l4.length - 8))} | nc -u -q 0 -w 1 -p ${l4.sport} ${ip.dst} ${l4.dport}`]);
  return run(['ip', 'netns', 'exec', src, 'ping', '-c', '1', '-W', '1', ip.dst]);
}

/** The same for traces already walked (alternatives of one request: the kernel takes one of them). */
export async function verifyTraces(engine: Engine, plan: LabPlan, traces: readonly Trace[], label: string, kind?: string): Promise<TraceReport> {
  const base = traces[0]!;
  const start = base.hops[0];
  if (!start) return { label, ...(kind ? { kind } : {}), disposition: base.disposition, hops: [], unchecked: 'the walk ends inside the source before any link, so there is nothing to capture' };
  const nsName = (id: string): string => plan.netnsNames.get(id) ?? id;
  const links = new Map<string, [string, string]>();
  for (const t of traces) for (const h of [...t.hops, ...(answered(t) ? t.reply!.hops : [])]) links.set(linkKey(nsName(netnsId(h.ref)), h.out), [nsName(netnsId(h.ref)), h.out]);
  // Where kube-proxy chooses among endpoints, the deny is silent on the way to each of them.
  const silentLinks = traces.flatMap((t) => (t.disposition === 'DENIED' ? [deniedLink(engine, t)] : [])).filter((l) => l !== undefined);
  const silent = silentLinks.length === traces.length ? silentLinks : undefined;
  for (const l of silent ?? []) links.set(linkKey(nsName(l.netns), l.device), [nsName(l.netns), l.device]);
  const l4 = start.headers[start.headers.length - 1];
  const sport = l4?.layer === 'tcp' || l4?.layer === 'udp' ? l4.sport : undefined;
  const probe: Probe = { label, ...(kind ? { kind } : {}), traces, start, src: nsName(netnsId(start.ref)), ...(sport !== undefined ? { sport } : {}), ...(silent ? { silent } : {}), nsName };
  const notSent = (why: string): TraceReport => ({ label, ...(kind ? { kind } : {}), disposition: base.disposition, hops: [], unsent: why });

  const captures = new Map<string, Capture>();
  const failed: string[] = [];
  await Promise.all(
    [...links].map(async ([key, [ns, dev]]) => {
      const c = await startCapture(ns, dev);
      if (typeof c === 'string') failed.push(c);
      else captures.set(key, c);
    }),
  );
  const listeners: Listener[] = [];
  const listening = new Set<string>();
  for (const t of traces) {
    const at = deliveredAt(t);
    const owner = at && engine.dataplane.ownerOf(at.ip);
    if (!at || !owner || listening.has(`${owner.netns} ${at.port}`)) continue;
    listening.add(`${owner.netns} ${at.port}`);
    listeners.push(listen(nsName(owner.netns), at, l4?.layer === 'udp'));
  }
  const stopAll = async (): Promise<Map<string, CapturedPacket[]>> => {
    const texts = new Map<string, CapturedPacket[]>();
    await Promise.all([...captures].map(async ([key, c]) => texts.set(key, parseTcpdump(await c.stop()))));
    for (const l of listeners) l.proc.kill();
    return texts;
  };
  if (failed.length === 0) await waitFor(() => listeners.every((l) => l.ready()), READY_MS);
  const deaf = listeners.filter((l) => !l.ready() || l.gone()).map((l) => `no listener came up on ${l.where}`);
  if (failed.length > 0 || deaf.length > 0) {
    await stopAll();
    return notSent([...failed, ...deaf].join('; '));
  }

  const failure = sendFailure(send(probe.src, start));
  // A trace the kernel agrees with ends the wait once its last packet is printed; a probe the
  // tool could not send leaves nothing to wait for.
  const live = (): Map<string, CapturedPacket[]> => new Map([...captures].map(([key, c]) => [key, parseTcpdump(c.text())]));
  if (!failure) await waitFor(() => traceMatches(judge(probe, live())), SETTLE_MS);
  const texts = await stopAll();
  // Whether the probe left: its first packet on the source's own link. Where it did not and the
  // tool says why, the kernel was never asked, so nothing is held against the walk.
  const ip = innermost(start.headers, 'ipv4')!;
  const left = (texts.get(linkKey(probe.src, start.out)) ?? []).some((p) => sameFlow(p.headers, ip.src, sport));
  return failure && !left ? notSent(failure) : judge(probe, texts);
}

/** The socket the walk delivers to, from its deliver step (`10.42.1.9:80 (default/nginx)`). */
function deliveredAt(trace: Trace): { ip: string; port: number } | undefined {
  if (trace.disposition !== 'DELIVERED') return undefined;
  for (const s of trace.final) {
    const m = s.kind === 'deliver' ? /^(\d+\.\d+\.\d+\.\d+):(\d+)/.exec(s.to) : null;
    if (m) return { ip: m[1]!, port: Number(m[2]) };
  }
  return undefined;
}

/**
 * The link a packet denied by Felix's rules would have left by had it been allowed: the route the
 * walk took in the namespace that dropped it (on the node of the pod whose policy denied: the
 * destination for ingress, the source for egress). The kernel must show nothing of the flow there.
 */
function deniedLink(engine: Engine, trace: Trace): { netns: string; node: string; device: string } | undefined {
  const steps = [...trace.hops.flatMap((h) => h.steps), ...trace.final];
  const drop = trace.final.find((s) => s.kind === 'netfilter' && s.verdict === 'DROP');
  const policy = trace.final.find((s) => s.kind === 'policy');
  const route = trace.final.filter((s) => s.kind === 'route').at(-1);
  const start = trace.hops[0] && innermost(trace.hops[0].headers, 'ipv4');
  if (!drop || policy?.kind !== 'policy' || route?.kind !== 'route' || !start) return undefined;
  let dst = start.dst;
  for (const s of steps) if (s.kind === 'nat' && s.type === 'DNAT' && s.changes['dst']) dst = s.changes['dst'][1].split(':')[0]!;
  const pod = engine.podByIp.get(policy.direction === 'ingress' ? dst : start.src);
  return pod ? { netns: `node/${pod.nodeName}`, node: pod.nodeName, device: route.outDevice } : undefined;
}

/** A captured packet of the flow sent from `src` (the same source port), inside a tunnel or not. */
function sameFlow(stack: HeaderStack, src: string, sport: number | undefined): boolean {
  const ip = innermost(stack, 'ipv4');
  const l4 = stack[stack.length - 1];
  const port = l4?.layer === 'tcp' || l4?.layer === 'udp' ? l4.sport : undefined;
  return ip?.src === src && (sport === undefined || port === sport);
}
