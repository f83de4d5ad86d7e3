/**
 * IPVS mode end to end on seed 002 (samples/seed002-ipvs.yaml, through the real loader and the
 * real netfilter and policy hooks): kube-ipvs0 makes every service address local, so a packet for
 * a ClusterIP or a NodePort takes PREROUTING → INPUT → IPVS → POSTROUTING, never FORWARD, on the
 * node that schedules it; the node's own connection is scheduled at OUTPUT; the reply comes back
 * from the service address. Golden traces under test/baselines/proxy/ipvs-walk-*.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost, readSource } from '../../src/cli/nodeHost';
import { hasErrors } from '../../src/engine/diagnostics';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { renderTrace } from '../../src/engine/render/trace';
import type { TraceRequest } from '../../src/engine/trace/flow';
import type { Ipv4Header, Step, Trace } from '../../src/engine/trace/types';
import { matchBaseline } from '../harness/baseline';

const samplePath = path.join(__dirname, '..', '..', '..', 'samples', 'seed002-ipvs.yaml');

/** The sample, with `extra` YAML documents appended (a service the sample does not have). */
function load(extra = ''): Topology {
  const source = readSource(samplePath);
  assert.ok(!('diagnostic' in source));
  const result = loadTopology({ path: source.path, text: extra ? `${source.text}\n---\n${extra}` : source.text }, nodeHost);
  assert.ok(!hasErrors(result.diagnostics) && result.value, result.diagnostics.map((d) => d.message).join('; '));
  return result.value;
}

const topo = load();
const engine = createEngine(topo);

function trace(request: TraceRequest, t = topo): Trace {
  const r = tryTraceFlow(t === topo ? engine : createEngine(t), request);
  assert.ok(r.ok, r.ok ? '' : r.error);
  return r.value.trace;
}

/** Every step of one leg, with where it was taken: `NODE` for a node's host namespace, `NODE pod` for a pod's, `final` after the last hop. */
function steps(leg: Trace): { where: string; step: Step }[] {
  const at = (node: string, netns: string): string => (netns === 'host' ? node : `${node} pod`);
  return [...leg.hops.flatMap((h) => h.steps.map((step) => ({ where: at(h.node, h.netns), step }))), ...leg.final.map((step) => ({ where: 'final', step }))];
}

/** Compact names of the netfilter, IPVS, NAT and route steps taken at `where`, for order checks. */
function path_(leg: Trace, where: string): string[] {
  return steps(leg).filter((s) => s.where === where).flatMap(({ step: s }) => {
    switch (s.kind) {
      case 'netfilter': return [`${s.table}/${s.chain}:${s.verdict}`];
      case 'ipvs': return [`ipvs ${s.realServer}`];
      case 'nat': return [s.type];
      case 'route': return [`route ${s.outDevice}`];
      default: return [];
    }
  });
}

/** The IPv4 header as the destination received it: the innermost of the leg's last hop. */
function delivered(leg: Trace): Ipv4Header {
  const headers = leg.hops.at(-1)!.headers.filter((h): h is Ipv4Header => h.layer === 'ipv4');
  return headers.at(-1)!;
}

function l4(leg: Trace): { sport: number; dport: number } {
  const h = leg.hops.at(-1)!.headers.filter((x) => x.layer === 'tcp').at(-1);
  assert.ok(h && h.layer === 'tcp');
  return { sport: h.sport, dport: h.dport };
}

test('pod → ClusterIP: local on kube-ipvs0, PREROUTING → INPUT → IPVS → POSTROUTING, never FORWARD on master', () => {
  const t = trace({ from: 'pod/default/busybox', to: 'svc/default/nginx-test-service:80' });
  assert.equal(t.disposition, 'DELIVERED');
  const master = path_(t, 'master');
  const at = (name: string): number => master.findIndex((x) => x.startsWith(name));
  assert.ok(master.includes('nat/KUBE-SERVICES:ACCEPT'), 'KUBE-CLUSTER-IP accepts in PREROUTING, no DNAT there');
  assert.equal(master[at('route')], 'route kube-ipvs0', 'the routing decision finds the local route on kube-ipvs0');
  assert.ok(at('nat/KUBE-SERVICES') < at('route kube-ipvs0') && at('route kube-ipvs0') < at('filter/KUBE-IPVS-FILTER:RETURN'));
  assert.ok(at('filter/KUBE-IPVS-FILTER:RETURN') < at('ipvs'), 'IPVS takes the packet after the filter table at LOCAL_IN');
  assert.ok(at('ipvs') < at('route flannel.1') && at('route flannel.1') < at('nat/POSTROUTING'), 'then routed to the real server and through POSTROUTING');
  assert.ok(!master.some((x) => x.startsWith('filter/FORWARD')), 'IPVS sends it on itself: no FORWARD on the scheduling node');
  const ipvs = steps(t).find((s) => s.step.kind === 'ipvs')!.step;
  assert.deepEqual(ipvs, { kind: 'ipvs', service: 'TCP  10.43.6.58:80 rr', realServer: '10.42.1.6:80', scheduler: 'rr', alternatives: [{ realServer: '10.42.1.6:80', weight: 1 }, { realServer: '10.42.2.6:80', weight: 1 }] });
  const routeStep = steps(t).find((s) => s.step.kind === 'route' && s.step.outDevice === 'kube-ipvs0')!.step;
  assert.equal(routeStep.kind === 'route' && routeStep.line, 'local 10.43.6.58 dev kube-ipvs0 proto kernel scope host src 10.43.6.58');
  assert.deepEqual([delivered(t).src, delivered(t).dst, delivered(t).ttl], ['10.42.0.65', '10.42.1.6', 62], 'pod source kept (no MASQUERADE mark), TTL down once per routing node');
  assert.equal(delivered(t.reply!).src, '10.43.6.58', 'the reply leg restores the ClusterIP as source');
  assert.equal(l4(t.reply!).sport, 80);
  matchBaseline('proxy/ipvs-walk-pod-clusterip.trace.txt', renderTrace(t, 'pod/default/busybox -> svc/default/nginx-test-service:80 (ipvs)'));
});

test('the second endpoint, on another node, is what --endpoint 1 follows', () => {
  const t = trace({ from: 'pod/default/busybox', to: 'svc/default/nginx-test-service:80', endpointIndex: 1 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(delivered(t).dst, '10.42.2.6');
  assert.equal(t.hops.at(-1)!.node, 'node2');
});

test('node → ClusterIP: the source is the ClusterIP (route src), IPVS at OUTPUT before the filter table, MASQUERADE on the way out', () => {
  const t = trace({ from: 'node/master', to: 'svc/default/nginx-test-service:80' });
  assert.equal(t.disposition, 'DELIVERED');
  const master = path_(t, 'master');
  assert.deepEqual(master.slice(0, 9), [
    'nat/OUTPUT:jump KUBE-SERVICES', 'nat/KUBE-SERVICES:jump KUBE-MARK-MASQ', 'nat/KUBE-MARK-MASQ:MARK', 'nat/KUBE-SERVICES:jump KUBE-NODE-PORT', 'nat/KUBE-SERVICES:ACCEPT',
    'ipvs 10.42.1.6:80', 'DNAT', 'filter/OUTPUT:jump KUBE-IPVS-OUT-FILTER', 'route flannel.1',
  ]);
  const masq = steps(t).find((s) => s.step.kind === 'nat' && s.step.type === 'MASQUERADE')!.step;
  assert.deepEqual(masq.kind === 'nat' && masq.changes, { src: ['10.43.6.58:45678', '10.42.0.0:45678'] }, 'marked because 10.43.6.58 is outside the cluster CIDR; MASQUERADE takes flannel.1\'s address');
  assert.equal(delivered(t).src, '10.42.0.0');
  const reply = path_(t.reply!, 'final');
  assert.equal(reply[0], 'un-SNAT');
  assert.equal(reply.at(-1), 'un-DNAT', 'the reply is un-DNATed at LOCAL_IN, after the filter table');
  const last = t.reply!.final.find((s) => s.kind === 'deliver');
  assert.equal(last?.kind === 'deliver' && last.to, '10.43.6.58:45678/tcp (host master)');
  matchBaseline('proxy/ipvs-walk-node-clusterip.trace.txt', renderTrace(t, 'node/master -> svc/default/nginx-test-service:80 (ipvs)'));
});

test('ext → NodePort: KUBE-NODE-PORT-TCP marks it, IPVS on the node address, MASQUERADE; the reply comes from the NodePort', () => {
  const t = trace({ from: 'ext/client', to: 'ip/192.168.205.5:32506' });
  assert.equal(t.disposition, 'DELIVERED');
  const node2 = path_(t, 'node2');
  assert.ok(node2.includes('nat/KUBE-NODE-PORT:jump KUBE-MARK-MASQ'));
  assert.ok(node2.indexOf('route enp0s1') < node2.indexOf('ipvs 10.42.1.6:80'), 'local on the NIC, so INPUT, then IPVS');
  assert.ok(!node2.some((x) => x.startsWith('filter/FORWARD')));
  assert.ok(node2.includes('nat/KUBE-POSTROUTING:MASQUERADE'));
  assert.deepEqual([delivered(t).src, delivered(t).dst], ['10.42.2.0', '10.42.1.6'], 'masqueraded to flannel.1 of node2');
  assert.deepEqual([delivered(t.reply!).src, delivered(t.reply!).dst, l4(t.reply!).sport], ['192.168.205.5', '192.168.205.100', 32506]);
  matchBaseline('proxy/ipvs-walk-ext-nodeport.trace.txt', renderTrace(t, 'ext/client -> 192.168.205.5:32506 (ipvs)'));
});

test('ext → NodePort with the endpoint on the same node: IPVS sends it into cni0, masqueraded to cni0\'s address', () => {
  const t = trace({ from: 'ext/client', to: 'ip/192.168.205.5:32506', endpointIndex: 1 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual([delivered(t).src, delivered(t).dst], ['10.42.2.1', '10.42.2.6']);
  assert.equal(delivered(t.reply!).src, '192.168.205.5');
});

test('pod → its own node\'s NodePort: IPVS on master; another node\'s NodePort is only forwarded by master', () => {
  const own = trace({ from: 'pod/default/busybox', to: 'ip/192.168.205.4:32506' });
  assert.equal(own.disposition, 'DELIVERED');
  const master = path_(own, 'master');
  assert.ok(master.includes('ipvs 10.42.1.6:80') && master.includes('nat/KUBE-POSTROUTING:MASQUERADE'));
  assert.ok(!master.some((x) => x.startsWith('filter/FORWARD')));
  assert.deepEqual([delivered(own.reply!).src, l4(own.reply!).sport], ['192.168.205.4', 32506]);
  matchBaseline('proxy/ipvs-walk-pod-nodeport.trace.txt', renderTrace(own, 'pod/default/busybox -> 192.168.205.4:32506 (ipvs)'));
  const other = trace({ from: 'pod/default/busybox', to: 'ip/192.168.205.5:32506' });
  assert.equal(other.disposition, 'DELIVERED');
  assert.ok(path_(other, 'master').some((x) => x.startsWith('filter/FORWARD')), 'not local on master: forwarded');
  assert.ok(path_(other, 'node2').includes('ipvs 10.42.1.6:80'), 'node2 schedules it');
});

test('a ClusterIP without endpoints: the virtual server has no real servers, IPVS answers ICMP port unreachable', () => {
  const t = load(['apiVersion: v1', 'kind: Service', 'metadata: {name: empty, namespace: default}', 'spec:', '  clusterIP: 10.43.9.9', '  selector: {app: nothing}', '  ports: [{port: 80, protocol: TCP, targetPort: 80}]'].join('\n'));
  const r = trace({ from: 'pod/default/busybox', to: 'svc/default/empty:80' }, t);
  assert.equal(r.disposition, 'REJECTED');
  const master = path_(r, 'final');
  assert.ok(master.includes('route kube-ipvs0') && master.includes('filter/KUBE-IPVS-FILTER:RETURN'), 'local, and a service port: KUBE-IPVS-FILTER lets it on to IPVS');
  assert.ok(r.final.some((s) => s.kind === 'note' && /rejected with icmp-port-unreachable/.test(s.text)), 'ip_vs_leave: ICMP, not a TCP reset');
});

test('another port on a ClusterIP is rejected by KUBE-IPVS-FILTER before it reaches the node\'s sockets', () => {
  const r = trace({ from: 'pod/default/busybox', to: 'ip/10.43.6.58:22' });
  assert.equal(r.disposition, 'REJECTED');
  assert.ok(path_(r, 'final').includes('filter/KUBE-IPVS-FILTER:REJECT'));
});
