/**
 * `traceFlow(engine, request)`: resolves the endpoints, starts the packet in the source's
 * namespace, walks it, and on delivery walks the reply back through conntrack's reverse NAT.
 */

import { nodeNetnsId, externalNetnsId } from '../dataplane/derive';
import { podNetnsId } from '../dataplane/bridgePlugin';
import type { Dataplane, NetNamespace } from '../dataplane/types';
import { lookupRoute, sourceAddressFor } from '../dataplane/routing';
import type { Pod, Topology } from '../model/types';
import type { TopologyCaches } from '../model/caches';
import { parseEndpoint, resolveEndpoint, type EndpointSpec, type Parsed, type ResolvedEndpoint } from './endpoint';
import type { NetfilterHook, PolicyHook } from './hooks';
import { newPacket, replyPacket, type L4Proto } from './packet';
import type { Trace } from './types';
import { validateTrace } from './validate';
import { walk } from './walk';
import type { WalkContext } from './walkState';

/** What a trace needs; `createEngine` in `src/engine/index.ts` builds one. */
export interface Engine {
  readonly topology: Topology;
  readonly dataplane: Dataplane;
  readonly netfilter: NetfilterHook;
  readonly policy: PolicyHook;
  /** Pods by IP, hostNetwork pods excluded. */
  readonly podByIp: ReadonlyMap<string, Pod>;
  /** Everything derived from the topology and kept for later walks (see model/caches.ts). */
  readonly caches: TopologyCaches;
}

export interface TraceRequest {
  /** An endpoint as the CLI takes it (`pod/NS/NAME`, …) or already parsed. */
  readonly from: string | EndpointSpec;
  readonly to: string | EndpointSpec;
  readonly proto?: L4Proto;
  /** Destination port when the destination does not carry one (default 80). */
  readonly port?: number;
  /** Source port (default 45678). */
  readonly sport?: number;
  /** Follow this service endpoint (0-based) where kube-proxy load-balances; else the first, or a seeded pick. */
  readonly endpointIndex?: number;
  readonly endpointSeed?: number;
}

function spec(x: string | EndpointSpec): Parsed<EndpointSpec> {
  return typeof x === 'string' ? parseEndpoint(x) : { ok: true, value: x };
}

/** The namespace a source sends from: its pod's, or its node's host for hostNetwork pods and nodes. */
function sourceNamespace(engine: Engine, from: ResolvedEndpoint): NetNamespace | undefined {
  const dp = engine.dataplane;
  if (from.pod) return dp.namespace(from.pod.hostNetwork ? nodeNetnsId(from.pod.nodeName) : podNetnsId(from.pod));
  if (from.external) return dp.namespace(externalNetnsId(from.external));
  if (from.node) return dp.namespace(nodeNetnsId(from.node));
  const owner = dp.ownerOf(from.ip);
  return owner ? dp.namespace(owner.netns) : undefined;
}

/**
 * The address a node's own socket sends from: the kernel's source selection, the route's `src` or
 * else the primary address of its device, so a node reaching a pod over flannel.1 sends from
 * flannel.1's `10.42.0.0`, not from its underlay address. Pods and externals have one address.
 */
function sourceAddress(ns: NetNamespace, from: ResolvedEndpoint, dst: string): string {
  if (ns.kind !== 'host' || !(from.node || from.pod?.hostNetwork)) return from.ip;
  const route = lookupRoute(ns, dst);
  return (route && sourceAddressFor(ns, route)) ?? from.ip;
}

export interface PlannedFlow {
  readonly from: ResolvedEndpoint;
  readonly to: ResolvedEndpoint;
  readonly trace: Trace;
}

/** The trace, or why the request cannot be walked (unknown pod, ambiguous name, …). */
export function tryTraceFlow(engine: Engine, request: TraceRequest): Parsed<PlannedFlow> {
  const fromSpec = spec(request.from);
  if (!fromSpec.ok) return fromSpec;
  const toSpec = spec(request.to);
  if (!toSpec.ok) return toSpec;
  if (fromSpec.value.kind === 'svc') return { ok: false, error: 'a service cannot be a source; trace from one of its pods' };
  const from = resolveEndpoint(engine.topology, fromSpec.value);
  if (!from.ok) return from;
  const to = resolveEndpoint(engine.topology, toSpec.value);
  if (!to.ok) return to;
  const ns = sourceNamespace(engine, from.value);
  if (!ns) return { ok: false, error: `no host in the topology has address ${from.value.ip}` };
  const proto = request.proto ?? 'tcp';
  const packet = newPacket(sourceAddress(ns, from.value, to.value.ip), to.value.ip, proto, to.value.port ?? request.port ?? 80, request.sport);
  const ctx: WalkContext = {
    ...engine,
    ...(request.endpointIndex !== undefined ? { endpointIndex: request.endpointIndex } : {}),
    ...(request.endpointSeed !== undefined ? { endpointSeed: request.endpointSeed } : {}),
  };
  const request1 = walk(ctx, { ns, packet });
  let trace = request1.trace;
  if (request1.delivered) {
    const reply = walk(ctx, { ns: request1.delivered.ns, packet: replyPacket(request1.delivered.packet) }, request1.conntrack);
    trace = { ...trace, reply: reply.trace };
  }
  const problems = validateTrace(trace);
  if (problems.length > 0) throw new Error(`inconsistent trace from ${from.value.label} to ${to.value.label}:\n${problems.join('\n')}`);
  return { ok: true, value: { from: from.value, to: to.value, trace } };
}

/** As `tryTraceFlow`, for callers whose endpoints are known good; a bad endpoint throws with the reason. */
export function traceFlow(engine: Engine, request: TraceRequest): Trace {
  const result = tryTraceFlow(engine, request);
  if (!result.ok) throw new Error(result.error);
  return result.value.trace;
}
