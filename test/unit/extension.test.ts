import assert from 'node:assert/strict';
import { test } from 'node:test';
import { buildGraph, buildTraceView, changedFields, deriveDataplane, formatStep } from '../../src/engine/index';
import type { Trace } from '../../src/engine/trace/types';
import { describeAt, describeCidr, freeAddress } from '../../src/extension/describe';
import { AnchorMemory } from '../../src/extension/anchorMemory';
import { isTopologyFileName, isTopologyText } from '../../src/extension/detect';
import { traceToMarkdown } from '../../src/extension/exportTrace';
import { podIpFix } from '../../src/extension/podIpFix';
import { destinationChoices, recentFirst, remember, sourceChoices } from '../../src/extension/pick';
import { flannelTopology } from './extension-fixture';

test('topology files are recognised by the Cluster apiVersion or the .packetwalk.yaml name, not by a comment', () => {
  assert.equal(isTopologyText('# x\n---\napiVersion: packetwalk.io/v1alpha1\nkind: Cluster\n'), true);
  assert.equal(isTopologyText("apiVersion: 'packetwalk.io/v1alpha1'\n"), true);
  assert.equal(isTopologyText('# apiVersion: packetwalk.io/v1alpha1\napiVersion: v1\nkind: Pod\n'), false);
  assert.equal(isTopologyText('apiVersion: apps/v1\nkind: Deployment\n'), false);
  assert.equal(isTopologyFileName('/x/lab.packetwalk.yaml'), true);
  assert.equal(isTopologyFileName('/x/lab.yaml'), false);
});

test('the graph puts each node in a compound with its NIC, cni0, flannel.1 and pods, and ties the service to its endpoint pods', () => {
  const g = buildGraph(deriveDataplane(flannelTopology()), { collapseThreshold: 100, expanded: new Set() });
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  assert.equal(byId.get('bridge:node1')?.label, 'cni0');
  assert.equal(byId.get('bridge:node1')?.parent, 'node:node1');
  assert.equal(byId.get('tunnel:master')?.label, 'flannel.1');
  assert.equal(byId.get('pod:default/nginx-0')?.parent, 'node:node1');
  assert.equal(byId.get('pod:default/nginx-0')?.sourceLine, 25);
  assert.ok(byId.has('underlay:192.168.205.0/24'));
  assert.deepEqual(g.edges.filter((e) => e.kind === 'endpoint').map((e) => [e.source, e.target]), [['svc:default/nginx', 'pod:default/nginx-0']]);
  assert.ok(g.edges.some((e) => e.source === 'ext:client' && e.target === 'underlay:192.168.205.0/24'));
  assert.deepEqual(g.collapsed, []);
});

test('over the threshold, pods collapse to a count per node, except on nodes the user expanded', () => {
  const g = buildGraph(deriveDataplane(flannelTopology(30)), { collapseThreshold: 10, expanded: new Set(['node1']) });
  assert.deepEqual(g.collapsed, ['master']);
  const agg = g.nodes.find((n) => n.id === 'pods:master');
  assert.equal(agg?.count, 30);
  assert.equal(g.nodes.filter((n) => n.kind === 'pod').length, 30);
  assert.equal(g.nodes.filter((n) => n.kind === 'pod' && n.parent === 'node:master').length, 0);
});

test('a cluster of many nodes collapses each node to one element, endpoints tied to the node, the expanded one in full', () => {
  const g = buildGraph(deriveDataplane(flannelTopology(30)), { collapseThreshold: 10, expanded: new Set(['master']), compactAbove: 1 });
  const byId = new Map(g.nodes.map((n) => [n.id, n]));
  assert.deepEqual(g.collapsed, ['node1']);
  const node1 = byId.get('node:node1');
  assert.equal(node1?.kind, 'node');
  assert.equal(node1?.count, 30);
  assert.equal(node1?.label, 'node1 · 30 pods');
  assert.equal(g.nodes.filter((n) => n.parent === 'node:node1').length, 0, 'no NIC, bridge, tunnel or pods inside a compact node');
  assert.ok(g.edges.some((e) => e.id === 'link:node1' && e.source === 'node:node1' && e.target === 'underlay:192.168.205.0/24'));
  assert.deepEqual(g.edges.filter((e) => e.kind === 'endpoint').map((e) => [e.source, e.target]), [['svc:default/nginx', 'node:node1']]);
  assert.equal(byId.get('bridge:master')?.parent, 'node:master');
  assert.equal(g.nodes.filter((n) => n.kind === 'pod' && n.parent === 'node:master').length, 30);
  // At or under the node count, collapsing keeps the compound with a pod count inside.
  const small = buildGraph(deriveDataplane(flannelTopology(30)), { collapseThreshold: 10, expanded: new Set(), compactAbove: 2 });
  assert.equal(small.nodes.find((n) => n.id === 'pods:node1')?.parent, 'node:node1');
});

test('the pod IP quick fix is keyed on the diagnostic code PW4001 and offers a free address of the pod\'s node', () => {
  const topology = flannelTopology(3);
  // nginx-1 (line 35) on node1 typed an address outside 10.42.1.0/24; .9-.11 are taken by nginx-0..2.
  const fix = podIpFix('PW4001', '  podIP: 10.42.7.10', 36, topology);
  assert.deepEqual(fix && { ip: fix.ip, offset: fix.offset, free: fix.free }, { ip: '10.42.7.10', offset: 9, free: '10.42.1.2' });
  assert.match(fix?.title ?? '', /node1's podCIDR 10\.42\.1\.0\/24/);
  assert.equal(podIpFix({ value: 'PW4001', target: 'x' }, '10.42.7.10', 36, topology)?.free, '10.42.1.2', 'VS Code may carry the code as {value, target}');
  // The same words under another code are not this fix's business.
  assert.equal(podIpFix('PW3002', 'podIP: 10.42.7.10 outside podCIDR', 36, topology), undefined);
  assert.equal(podIpFix(undefined, 'podIP: 10.42.7.10', 36, topology), undefined);
  // A full podCIDR offers nothing rather than a taken address.
  const full = flannelTopology(1);
  const node1 = full.nodes.find((n) => n.name === 'node1')!;
  const crowded = { ...full, nodes: full.nodes.map((n) => (n === node1 ? { ...n, podCIDR: '10.42.1.8/31' } : n)) };
  assert.equal(podIpFix('PW4001', '10.42.7.10', 26, crowded), undefined);
});

const inner = [
  { layer: 'eth', src: '0a:58:0a:2a:00:41', dst: '0a:58:0a:2a:00:01', type: 'IPv4' },
  { layer: 'ipv4', src: '10.42.0.65', dst: '10.43.6.58', ttl: 64, proto: 'tcp', length: 60, df: true, tos: 0 },
  { layer: 'tcp', sport: 40000, dport: 80, flags: 'S' },
] as const;

const sampleTrace: Trace = {
  disposition: 'DELIVERED',
  hops: [
    { node: 'master', netns: 'pod/default/client-0', ref: { kind: 'pod', node: 'master', namespace: 'default', name: 'client-0' }, out: 'eth0', headers: inner, steps: [{ kind: 'route', table: 'main', line: 'default via 10.42.0.1 dev eth0', outDevice: 'eth0', nextHop: '10.42.0.1' }] },
    {
      node: 'master', netns: 'host', ref: { kind: 'host', node: 'master' }, in: 'cni0', out: 'enp0s1',
      headers: [
        { layer: 'eth', src: '52:54:00:00:00:04', dst: '52:54:00:00:00:03', type: 'IPv4' },
        { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 64, proto: 'udp', length: 110, df: false, tos: 0 },
        { layer: 'udp', sport: 51000, dport: 8472, length: 90 },
        { layer: 'vxlan', vni: 1 },
        { layer: 'eth', src: 'aa:aa:aa:aa:aa:01', dst: 'aa:aa:aa:aa:aa:02', type: 'IPv4' },
        { layer: 'ipv4', src: '10.42.0.65', dst: '10.42.1.9', ttl: 63, proto: 'tcp', length: 60, df: true, tos: 0 },
        { layer: 'tcp', sport: 40000, dport: 80, flags: 'S' },
      ],
      steps: [
        { kind: 'netfilter', table: 'nat', chain: 'KUBE-SEP-X', rule: '-A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination 10.42.1.9:80', line: 42, verdict: 'DNAT' },
        { kind: 'nat', type: 'DNAT', changes: { dst: ['10.43.6.58:80', '10.42.1.9:80'] } },
        { kind: 'encap', tunnel: 'vxlan', device: 'flannel.1', line: 'aa:aa:aa:aa:aa:02 dev flannel.1 dst 192.168.205.3 self permanent' },
      ],
    },
  ],
  final: [{ kind: 'deliver', to: '10.42.1.9:80 (nginx-0/c)' }],
};

test('a hop that encapsulates marks the new outer headers whole and the inner fields a step changed', () => {
  const changed = changedFields(sampleTrace.hops[0]!.headers, sampleTrace.hops[1]!.headers);
  assert.deepEqual(changed.filter((c) => c.endsWith('.*')), ['0.*', '1.*', '2.*', '3.*']);
  assert.ok(changed.includes('5.dst'), 'DNAT changed the inner destination');
  assert.ok(changed.includes('5.ttl'), 'forwarding decremented the TTL');
  assert.ok(!changed.includes('6.dport'), 'the port did not change');
  assert.deepEqual(changedFields(undefined, inner), []);
});

test('trace hops are placed on graph elements and each step says where a click leads', () => {
  const view = buildTraceView(deriveDataplane(flannelTopology()), sampleTrace, 'client → nginx');
  assert.deepEqual(view.hops.map((h) => h.path), [['pod:default/client-0'], ['nic:master']]);
  const nf = view.hops[1]!.steps[0]!;
  assert.deepEqual(nf.target, { type: 'rules', node: 'master', view: 'iptables', line: 42, search: '-A KUBE-SEP-X -p tcp -m tcp -j DNAT --to-destination 10.42.1.9:80' });
  assert.equal(view.hops[1]!.title, '2. master host cni0 -> enp0s1', "the CLI's words for where the hop is");
  assert.equal(view.hops[1]!.steps[1]!.text, formatStep(sampleTrace.hops[1]!.steps[1]!), "the CLI's line for the step");
  assert.equal(view.hops[1]!.steps[1]!.text, 'DNAT: dst 10.43.6.58:80 -> 10.42.1.9:80');
  assert.equal(view.final[0]!.text, 'deliver to 10.42.1.9:80 (nginx-0/c)');
});

test('the Markdown export prints each hop header outer to inner, tcpdump style', () => {
  const md = traceToMarkdown('client → nginx', sampleTrace);
  assert.match(md, /Disposition: \*\*DELIVERED\*\*/);
  const hop2 = md.slice(md.indexOf('## 2.'));
  const order = ['ipv4 192.168.205.4 > 192.168.205.3', 'udp 51000 > 8472', 'vxlan vni 1', 'ipv4 10.42.0.65 > 10.42.1.9 ttl 63'].map((s) => hop2.indexOf(s));
  assert.ok(order.every((i) => i > 0));
  assert.deepEqual([...order].sort((a, b) => a - b), order);
});

test('hovers: a pod shows its node, IP and the services selecting it; a service its endpoints and kube-proxy chain', () => {
  const t = flannelTopology();
  const pod = describeAt(t, 'cluster.yaml', 27, 'nginx', () => 'veth1234abcd')!.join('\n');
  assert.match(pod, /node: `node1` \(192\.168\.205\.3\)/);
  assert.match(pod, /IP: `10\.42\.1\.9`/);
  assert.match(pod, /services: `default\/nginx`/);
  assert.match(pod, /host veth: `veth1234abcd`/);
  const svc = describeAt(t, 'cluster.yaml', 101, undefined)!.join('\n');
  assert.match(svc, /endpoints: `10\.42\.1\.9`/);
  // kube-proxy hashes "default/nginx:http" + "tcp".
  assert.match(svc, /KUBE-SVC-[A-Z2-7]{16}/);
  assert.equal(describeAt(t, 'other.yaml', 27, 'nginx'), undefined);
});

test("kube-proxy's chain name for upstream's ns1/svc1:p80 is the one its tests expect", async () => {
  const { serviceChains, servicePortName } = await import('../../src/engine/proxy/names');
  assert.equal(serviceChains(servicePortName('ns1', 'svc1', 'p80'), 'tcp').svc, 'KUBE-SVC-XPGD46QRK7WJZT7O');
});

test('a CIDR hover gives the range and who uses it', () => {
  const lines = describeCidr(flannelTopology(), '10.42.0.0/16').join('\n');
  assert.match(lines, /`10\.42\.0\.0` – `10\.42\.255\.255` \(65536 addresses\)/);
  assert.match(lines, /the cluster CIDR/);
  assert.match(lines, /podCIDR of node `master` \(10\.42\.0\.0\/24\)/);
  assert.match(lines, /2 pod IPs/);
});

test('the quick fix picks the first free host-local address, skipping the gateway and used ones', () => {
  assert.equal(freeAddress('10.42.1.0/24', new Set(['10.42.1.2', '10.42.1.3'])), '10.42.1.4');
  assert.equal(freeAddress('10.42.1.0/30', new Set(['10.42.1.2'])), undefined);
});

test('quick picks offer recent choices first, services per port as destinations', () => {
  const t = flannelTopology();
  const recent = remember(remember([], 'pod/default/nginx-0', 5), 'ext/client', 5);
  assert.deepEqual(recent, ['ext/client', 'pod/default/nginx-0']);
  assert.deepEqual(sourceChoices(t, recent).slice(0, 2).map((c) => c.spec), ['ext/client', 'pod/default/nginx-0']);
  const dst = destinationChoices(t, []);
  assert.equal(dst[0]!.spec, 'svc/default/nginx:80');
  assert.equal(dst[0]!.port, 80);
  assert.deepEqual(recentFirst(dst, ['node/master']).map((c) => c.spec)[0], 'node/master');
  assert.deepEqual(remember(['a', 'b', 'c'], 'c', 2), ['c', 'a']);
});

test('lens anchors of an answer thrown away (an edit came while loading) stay for the next answer of the same generation', () => {
  const memory = new AnchorMemory();
  const doc = 'file:///c.packetwalk.yaml';
  const anchors = { kinds: new Uint8Array([0]), lines: new Uint32Array([12]), ports: new Uint32Array([0]), names: 'default\ta\t', firstNode: 'n1' };
  // Edit 1's answer: a new topology (generation 2) with its anchors, arriving after edit 2 was made.
  memory.note(doc, { generation: 2, anchors });
  // Edit 2 has errors: the worker keeps generation 2 and sends no anchors.
  memory.note(doc, { generation: 2, anchors: undefined });
  assert.equal(memory.of(doc, 2), anchors);
  // A later topology without anchors of its own has none of the old ones.
  assert.equal(memory.of(doc, 3), undefined);
  memory.forget(doc);
  assert.equal(memory.of(doc, 2), undefined);
});
