/**
 * The walk on random clusters: 1–6 flannel nodes in any backend (on one segment or two), pods with
 * and without hostNetwork, services with and without endpoints, externals near and far, kube-proxy
 * in iptables or IPVS mode; random flows between any of them (pod, node, external, service, bare
 * IP) over tcp, udp and icmp. Every walk must come back (no exception, no endless hop list), with
 * one of the eight dispositions, and every hop's headers consistent with the hop before it.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { dump } from 'js-yaml';
import { formatDiagnostic } from '../../src/engine/diagnostics';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import type { L4Proto } from '../../src/engine/trace/packet';
import type { Disposition, Hop, Ipv4Header, Trace } from '../../src/engine/trace/types';
import { validateTrace } from '../../src/engine/trace/validate';

const dispositions: readonly Disposition[] = ['DELIVERED', 'DENIED', 'DROPPED', 'REJECTED', 'NO_ROUTE', 'LOOP', 'TTL_EXCEEDED', 'EXITS_CLUSTER'];
/** A walk longer than this has not terminated in any sense a user would accept. */
const MAX_HOPS = 64;

interface PodGen {
  readonly node: number;
  readonly app: number;
  readonly namespace: 'default' | 'other';
  readonly hostNetwork: boolean;
}

interface ServiceGen {
  readonly app: number;
  readonly namespace: 'default' | 'other';
  readonly type: 'ClusterIP' | 'NodePort';
  readonly targetPort: 80 | 8080;
  readonly protocol: 'TCP' | 'UDP';
}

interface ClusterGen {
  readonly backend: 'vxlan' | 'host-gw' | 'udp';
  readonly directRouting: boolean;
  readonly ipMasq: boolean;
  readonly proxyMode: 'iptables' | 'ipvs';
  /** Per node: true puts it on the second underlay segment. */
  readonly nodes: readonly boolean[];
  readonly gateway: boolean;
  readonly pods: readonly PodGen[];
  readonly services: readonly ServiceGen[];
  /** Per external: true puts it on the nodes' segment, false far away. */
  readonly externals: readonly boolean[];
}

const clusterArb: fc.Arbitrary<ClusterGen> = fc.integer({ min: 1, max: 6 }).chain((n) =>
  fc.record({
    backend: fc.constantFrom('vxlan' as const, 'host-gw' as const, 'udp' as const),
    directRouting: fc.boolean(),
    ipMasq: fc.boolean(),
    proxyMode: fc.constantFrom('iptables' as const, 'ipvs' as const),
    nodes: fc.array(fc.integer({ min: 0, max: 3 }).map((k) => k === 0), { minLength: n, maxLength: n }),
    gateway: fc.boolean(),
    pods: fc.array(
      fc.record({
        node: fc.integer({ min: 0, max: n - 1 }),
        app: fc.integer({ min: 0, max: 2 }),
        namespace: fc.constantFrom('default' as const, 'other' as const),
        hostNetwork: fc.integer({ min: 0, max: 4 }).map((k) => k === 0),
      }),
      { minLength: 1, maxLength: 10 },
    ),
    services: fc.array(
      fc.record({
        app: fc.integer({ min: 0, max: 3 }),
        namespace: fc.constantFrom('default' as const, 'other' as const),
        type: fc.constantFrom('ClusterIP' as const, 'NodePort' as const),
        targetPort: fc.constantFrom(80 as const, 8080 as const),
        protocol: fc.constantFrom('TCP' as const, 'UDP' as const),
      }),
      { maxLength: 4 },
    ),
    externals: fc.array(fc.boolean(), { maxLength: 2 }),
  }),
);

function nodeAddress(i: number, far: boolean): string {
  return far ? `192.168.51.${10 + i}` : `192.168.50.${10 + i}`;
}

/** The cluster as a topology file, written the way a user would write it. */
function topologyText(c: ClusterGen): string {
  const docs: unknown[] = [
    {
      apiVersion: 'packetwalk.io/v1alpha1',
      kind: 'Cluster',
      metadata: { name: 'random' },
      spec: {
        clusterCIDR: '10.42.0.0/16',
        serviceCIDR: '10.43.0.0/16',
        cni: { plugin: 'flannel', backend: c.backend, ipMasq: c.ipMasq, ...(c.backend === 'vxlan' ? { directRouting: c.directRouting } : {}) },
        kubeProxy: { mode: c.proxyMode },
        nodes: c.nodes.map((far, i) => ({
          name: `n${i}`,
          address: nodeAddress(i, far),
          prefixLength: 24,
          ...(c.gateway ? { gateway: far ? '192.168.51.1' : '192.168.50.1' } : {}),
        })),
        externals: c.externals.map((near, i) => ({ name: `x${i}`, address: near ? `192.168.50.${200 + i}` : `203.0.113.${10 + i}`, prefixLength: 24 })),
      },
    },
    ...c.pods.map((p, i) => ({
      apiVersion: 'v1',
      kind: 'Pod',
      metadata: { name: `p${i}`, namespace: p.namespace, labels: { app: `a${p.app}` } },
      spec: { nodeName: `n${p.node}`, ...(p.hostNetwork ? { hostNetwork: true } : {}), containers: [{ name: 'c', ports: [{ containerPort: 80 }, { containerPort: 8080 }] }] },
    })),
    ...c.services.map((s, i) => ({
      apiVersion: 'v1',
      kind: 'Service',
      metadata: { name: `s${i}`, namespace: s.namespace },
      spec: {
        type: s.type,
        clusterIP: `10.43.0.${10 + i}`,
        selector: { app: `a${s.app}` },
        ports: [{ name: 'p', port: 80, targetPort: s.targetPort, protocol: s.protocol, ...(s.type === 'NodePort' ? { nodePort: 30080 + i } : {}) }],
      },
    })),
  ];
  return docs.map((d) => `---\n${dump(d)}`).join('');
}

/** A flow endpoint as the CLI takes it; indexes are folded onto what the cluster has. */
type EndpointGen =
  | { readonly kind: 'pod' | 'node' | 'ext' | 'svc'; readonly index: number }
  | { readonly kind: 'ip'; readonly address: string; readonly port: number | undefined };

const ipArb = fc.oneof(
  fc.tuple(fc.integer({ min: 0, max: 6 }), fc.integer({ min: 0, max: 12 })).map(([a, b]) => `10.42.${a}.${b}`),
  fc.integer({ min: 0, max: 20 }).map((b) => `10.43.0.${b}`),
  fc.integer({ min: 0, max: 20 }).map((b) => `192.168.50.${b}`),
  fc.constantFrom('192.168.51.11', '203.0.113.10', '8.8.8.8', '127.0.0.1', '169.254.1.1', '10.42.255.255'),
);

const ipEndpointArb: fc.Arbitrary<EndpointGen> = fc.record({ kind: fc.constant('ip' as const), address: ipArb, port: fc.option(fc.constantFrom(80, 8080, 53, 30080, 30081), { nil: undefined }) });

/** Sources: mostly what can send (a bare IP sends only when something owns it). */
const fromArb: fc.Arbitrary<EndpointGen> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constantFrom('pod' as const, 'pod' as const, 'node' as const, 'ext' as const), index: fc.nat(20) }), weight: 5 },
  { arbitrary: ipEndpointArb, weight: 1 },
);

const toArb: fc.Arbitrary<EndpointGen> = fc.oneof(
  { arbitrary: fc.record({ kind: fc.constantFrom('pod' as const, 'node' as const, 'ext' as const, 'svc' as const), index: fc.nat(20) }), weight: 3 },
  { arbitrary: ipEndpointArb, weight: 2 },
);

interface FlowGen {
  readonly from: EndpointGen;
  readonly to: EndpointGen;
  readonly proto: L4Proto;
  readonly port: number;
}

const flowArb: fc.Arbitrary<FlowGen> = fc.record({
  from: fromArb,
  to: toArb,
  proto: fc.constantFrom<L4Proto>('tcp', 'udp', 'icmp'),
  port: fc.constantFrom(80, 8080, 53, 30080),
});

/** The endpoint text, or undefined when the cluster has nothing of that kind. */
function endpointText(c: ClusterGen, e: EndpointGen): string | undefined {
  switch (e.kind) {
    case 'pod': {
      const p = c.pods[e.index % Math.max(1, c.pods.length)];
      return p ? `pod/${p.namespace}/p${e.index % c.pods.length}` : undefined;
    }
    case 'node':
      return `node/n${e.index % c.nodes.length}`;
    case 'ext':
      return c.externals.length ? `ext/x${e.index % c.externals.length}` : undefined;
    case 'svc': {
      const s = c.services[e.index % Math.max(1, c.services.length)];
      return s ? `svc/${s.namespace}/s${e.index % c.services.length}` : undefined;
    }
    case 'ip':
      return `ip/${e.address}${e.port !== undefined ? `:${e.port}` : ''}`;
  }
}

/** The innermost addresses and ports of a hop: what the endpoints themselves see. */
function endpointsOf(hop: Hop): string {
  const ip = hop.headers.filter((h): h is Ipv4Header => h.layer === 'ipv4').at(-1);
  const l4 = hop.headers.at(-1);
  const ports = l4 && (l4.layer === 'tcp' || l4.layer === 'udp') ? [l4.sport, l4.dport] : [0, 0];
  return `${ip?.src}:${ports[0]} > ${ip?.dst}:${ports[1]}`;
}

function reversed(hop: Hop): string {
  const [src, dst] = endpointsOf(hop).split(' > ');
  return `${dst} > ${src}`;
}

function checkTrace(trace: Trace, label: string): void {
  assert.ok(dispositions.includes(trace.disposition), `${label}: disposition ${trace.disposition}`);
  assert.ok(trace.hops.length <= MAX_HOPS, `${label}: ${trace.hops.length} hops`);
  assert.deepEqual(validateTrace(trace), [], `${label}: inconsistent headers`);
  if (trace.reply) {
    assert.equal(trace.disposition, 'DELIVERED', `${label}: only a delivered request has a reply`);
    checkTrace(trace.reply, `${label} (reply)`);
    // Conntrack undoes every NAT on the way back: the sender sees the reply come from where it sent.
    const first = trace.hops[0];
    const last = trace.reply.hops.at(-1);
    if (first && last && trace.reply.disposition === 'DELIVERED') assert.equal(endpointsOf(last), reversed(first), `${label}: reply addresses`);
  }
}

test('random clusters and flows: every walk terminates with a disposition and consistent headers', () => {
  let walked = 0;
  const seen = new Set<Disposition>();
  fc.assert(
    fc.property(clusterArb, fc.array(flowArb, { minLength: 1, maxLength: 8 }), (cluster, flows) => {
      const text = topologyText(cluster);
      const loaded = loadTopology({ path: 'random.yaml', text }, noIncludes);
      const errors = loaded.diagnostics.filter((d) => d.severity === 'error');
      assert.deepEqual(errors.map(formatDiagnostic), [], text);
      assert.ok(loaded.value, 'a topology');
      const engine = createEngine(loaded.value);
      for (const flow of flows) {
        const from = endpointText(cluster, flow.from);
        const to = endpointText(cluster, flow.to);
        if (!from || !to) continue;
        const label = `${from} → ${to} ${flow.proto}`;
        let result: ReturnType<typeof tryTraceFlow>;
        try {
          result = tryTraceFlow(engine, { from, to, proto: flow.proto, port: flow.port });
        } catch (e) {
          assert.fail(`${label} threw: ${(e as Error).stack}\n${text}`);
        }
        // A request the endpoint syntax or the cluster cannot resolve is refused with a reason, not walked.
        if (!result.ok) {
          assert.match(result.error, /\S/);
          continue;
        }
        checkTrace(result.value.trace, label);
        seen.add(result.value.trace.disposition);
        walked++;
      }
    }),
    // A fixed seed keeps the suite repeatable; PW_PROPERTY_SEED and PW_PROPERTY_RUNS search further by hand.
    { numRuns: Number(process.env.PW_PROPERTY_RUNS ?? 120), seed: Number(process.env.PW_PROPERTY_SEED ?? 20240601), endOnFailure: true, includeErrorInReport: true },
  );
  // The generator reaches the interesting cases, not only refusals.
  assert.ok(walked > 200, `only ${walked} flows were walked`);
  for (const d of ['DELIVERED', 'NO_ROUTE', 'EXITS_CLUSTER'] as const) assert.ok(seen.has(d), `no random flow ended ${d}: ${[...seen].join(', ')}`);
});

// Found by the property above: the reply between two pods of one node is bridged, not routed, and
// br_netfilter still gives it to conntrack, so the client sees the service address answer.
test('a same-node service reply is un-DNATed on the bridge', () => {
  const cluster: ClusterGen = {
    backend: 'vxlan', directRouting: false, ipMasq: true, proxyMode: 'iptables', nodes: [false], gateway: false, externals: [],
    pods: [{ node: 0, app: 0, namespace: 'default', hostNetwork: false }, { node: 0, app: 1, namespace: 'default', hostNetwork: false }],
    services: [{ app: 0, namespace: 'default', type: 'ClusterIP', targetPort: 8080, protocol: 'TCP' }],
  };
  const loaded = loadTopology({ path: 'same-node.yaml', text: topologyText(cluster) }, noIncludes);
  assert.ok(loaded.value);
  const result = tryTraceFlow(createEngine(loaded.value), { from: 'pod/default/p1', to: 'svc/default/s0' });
  assert.ok(result.ok);
  const { trace } = result.value;
  assert.equal(trace.reply?.disposition, 'DELIVERED');
  assert.equal(endpointsOf(trace.hops.at(-1)!), '10.42.0.3:45678 > 10.42.0.2:8080');
  assert.equal(endpointsOf(trace.reply!.hops.at(-1)!), '10.43.0.10:80 > 10.42.0.3:45678');
  assert.ok(trace.reply!.hops.at(-1)!.steps.some((s) => s.kind === 'nat' && s.type === 'un-DNAT'), 'the bridge hop names the un-DNAT');
});
