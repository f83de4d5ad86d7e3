/**
 * Calico in the walk: seed 002's two nodes (master 192.168.205.4 with pod 10.42.0.65, node1
 * 192.168.205.3 with pod 10.42.1.9) on /26 blocks in BGP, IPIP and VXLAN mode; the proxy-ARP
 * gateway; CrossSubnet; the node routes as `ip route` prints them; golden traces.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { calicoVtepMac } from '../../src/engine/cni/calico/builder';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import type { CalicoConfig, CalicoEncapMode, Topology } from '../../src/engine/model/types';
import { renderRoutes } from '../../src/engine/render/routes';
import { renderTrace } from '../../src/engine/render/trace';
import type { TraceRequest } from '../../src/engine/trace/flow';
import type { Header, Hop, Trace } from '../../src/engine/trace/types';
import { acceptAll, allowAll } from '../fixtures/walk/hooks';
import { matchBaseline } from '../harness/baseline';
import { topology } from './cni-fixtures';

function calico(ipipMode: CalicoEncapMode, vxlanMode: CalicoEncapMode = 'Never', natOutgoing = true): CalicoConfig {
  const mtu = vxlanMode !== 'Never' ? 1410 : ipipMode !== 'Never' ? 1440 : 1500;
  return { plugin: 'calico', backend: 'bird', ipipMode, vxlanMode, natOutgoing, blockSize: 26, mtu };
}

/** Seed 002's cluster on Calico blocks; `far` adds a third node on another subnet (for CrossSubnet). */
function cluster(cni: CalicoConfig, options: { gateway?: boolean; far?: boolean } = {}): Topology {
  const gw = options.gateway === false ? {} : { gateway: '192.168.205.1' };
  const t = topology(
    cni,
    '10.42.0.0/16',
    [
      { name: 'master', address: '192.168.205.4', podCIDR: '10.42.0.64/26', mac: '52:54:00:00:00:04', ...gw },
      { name: 'node1', address: '192.168.205.3', podCIDR: '10.42.1.0/26', mac: '52:54:00:00:00:03', ...gw },
      ...(options.far ? [{ name: 'node2', address: '192.168.206.5', podCIDR: '10.42.2.0/26', mac: '52:54:00:00:01:05', ...gw }] : []),
    ],
    [
      { name: 'busybox', node: 'master', ip: '10.42.0.65' },
      { name: 'web-0', node: 'master', ip: '10.42.0.66' },
      { name: 'nginx-1', node: 'node1', ip: '10.42.1.9' },
    ],
  );
  return { ...t, externals: [{ source: t.cluster.source, name: 'client', address: '192.168.205.100', prefixLength: 24, mac: '52:54:00:00:00:64' }] };
}

function run(t: Topology, request: TraceRequest): Trace {
  const r = tryTraceFlow(createEngine(t, { netfilter: acceptAll, policy: allowAll }), request);
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const cross: TraceRequest = { from: 'pod/default/busybox', to: 'ip/10.42.1.9:80' };
const same: TraceRequest = { from: 'pod/default/busybox', to: 'pod/default/web-0', port: 8080 };
const layers = (hs: readonly Header[]): string => hs.map((h) => h.layer).join(',');
const lines = (t: Trace, kind: 'route' | 'neighbour' | 'fdb'): string[] => t.hops.flatMap((h) => h.steps).flatMap((s) => (s.kind === kind ? [s.line ?? ''] : []));

function underlay(t: Trace): Hop {
  const hop = t.hops.find((h) => h.netns === 'host' && h.out === 'eth0');
  assert.ok(hop, 'an underlay hop');
  return hop;
}

test('Calico IPIP, seed 002 shape: the underlay hop is eth, ipv4 (proto 4) node to node, ipv4 pod to pod ttl 63, tcp', () => {
  const t = run(cluster(calico('Always')), cross);
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t).headers;
  assert.equal(layers(hs), 'eth,ipv4,ipv4,tcp');
  assert.deepEqual(hs[0], { layer: 'eth', src: '52:54:00:00:00:04', dst: '52:54:00:00:00:03', type: 'IPv4' });
  assert.deepEqual(hs[1], { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 63, proto: 'ipip', length: 80, df: true, tos: 0 });
  assert.deepEqual(hs[2], { layer: 'ipv4', src: '10.42.0.65', dst: '10.42.1.9', ttl: 63, proto: 'tcp', length: 60, df: true, tos: 0 });
  assert.ok(lines(t, 'route').includes('10.42.1.0/26 via 192.168.205.3 dev tunl0 proto bird onlink'));
  assert.ok(t.hops.flatMap((h) => h.steps).some((s) => s.kind === 'decap' && s.tunnel === 'ipip' && s.device === 'tunl0'));
  // Delivered from node1's cali veth (ee:ee:…) after a second routing hop.
  const last = t.hops[t.hops.length - 1]!;
  assert.equal(last.in, 'tunl0');
  assert.deepEqual(last.headers[0], { layer: 'eth', src: 'ee:ee:ee:ee:ee:ee', dst: '0a:58:0a:2a:01:09', type: 'IPv4' });
  assert.equal(last.headers[1]!.layer === 'ipv4' && last.headers[1]!.ttl, 62);
  assert.equal(t.reply?.disposition, 'DELIVERED');
  assert.equal(layers(underlay(t.reply!).headers), 'eth,ipv4,ipv4,tcp');
});

test('Calico BGP: no encapsulation, the route names the peer node as next hop and the frame goes to its MAC', () => {
  const t = run(cluster(calico('Never')), cross);
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t).headers;
  assert.equal(layers(hs), 'eth,ipv4,tcp');
  assert.equal(hs[0]!.layer === 'eth' && hs[0]!.dst, '52:54:00:00:00:03');
  assert.equal(hs[1]!.layer === 'ipv4' && `${hs[1]!.src}>${hs[1]!.dst} ttl ${hs[1]!.ttl}`, '10.42.0.65>10.42.1.9 ttl 63');
  assert.ok(lines(t, 'route').includes('10.42.1.0/26 via 192.168.205.3 dev eth0 proto bird'));
});

test('Calico VXLAN: UDP 4789, VNI 4096, VTEP MACs inside, permanent neighbour and FDB entry written by Felix', () => {
  const topo = cluster(calico('Never', 'Always'));
  const t = run(topo, cross);
  assert.equal(t.disposition, 'DELIVERED');
  const hs = underlay(t).headers;
  assert.equal(layers(hs), 'eth,ipv4,udp,vxlan,eth,ipv4,tcp');
  assert.deepEqual(hs[1], { layer: 'ipv4', src: '192.168.205.4', dst: '192.168.205.3', ttl: 64, proto: 'udp', length: 110, df: false, tos: 0 });
  assert.equal(hs[2]!.layer === 'udp' && hs[2]!.dport, 4789);
  assert.deepEqual(hs[3], { layer: 'vxlan', vni: 4096 });
  const [master, node1] = topo.nodes;
  assert.deepEqual(hs[4], { layer: 'eth', src: calicoVtepMac(master!), dst: calicoVtepMac(node1!), type: 'IPv4' });
  assert.ok(lines(t, 'route').includes('10.42.1.0/26 via 10.42.1.0 dev vxlan.calico onlink'));
  assert.ok(lines(t, 'neighbour').includes(`10.42.1.0 dev vxlan.calico lladdr ${calicoVtepMac(node1!)} PERMANENT`));
  assert.ok(lines(t, 'fdb').includes(`${calicoVtepMac(node1!)} dev vxlan.calico dst 192.168.205.3 self permanent`));
});

test('same node: the pod ARPs for 169.254.1.1, its cali veth answers by proxy with ee:ee:ee:ee:ee:ee, the host routes (TTL 63)', () => {
  for (const cni of [calico('Never'), calico('Always'), calico('Never', 'Always')]) {
    const t = run(cluster(cni), same);
    assert.equal(t.disposition, 'DELIVERED');
    assert.deepEqual(lines(t, 'neighbour')[0], '169.254.1.1 dev eth0 lladdr ee:ee:ee:ee:ee:ee REACHABLE');
    assert.equal(t.hops.length, 2);
    assert.deepEqual(t.hops[0]!.headers[0], { layer: 'eth', src: '0a:58:0a:2a:00:41', dst: 'ee:ee:ee:ee:ee:ee', type: 'IPv4' });
    assert.deepEqual(t.hops[1]!.headers[0], { layer: 'eth', src: 'ee:ee:ee:ee:ee:ee', dst: '0a:58:0a:2a:00:42', type: 'IPv4' });
    assert.equal(t.hops[1]!.headers[1]!.layer === 'ipv4' && t.hops[1]!.headers[1]!.ttl, 63);
    assert.match(lines(t, 'route')[1]!, /^10\.42\.0\.66 dev cali[0-9a-f]{11} scope link$/);
  }
});

test('no default route on the node: proxy ARP has nothing to answer for, so the pod cannot reach its gateway (as the kernel does)', () => {
  const topo = cluster(calico('Always'), { gateway: false });
  const engine = createEngine(topo, { netfilter: acceptAll, policy: allowAll });
  assert.match(engine.dataplane.notes.join('\n'), /master has no default route: its cali veths cannot answer the pods' ARP for 169\.254\.1\.1/);
  const r = tryTraceFlow(engine, same);
  assert.ok(r.ok);
  assert.equal(r.value.trace.disposition, 'DROPPED');
  assert.equal(r.value.trace.hops.length, 0);
});

test('Canal, same node (cali veths on flannel): proxy ARP answers once the node has its default route', () => {
  const base = cluster(calico('Never'));
  const canal: Topology = { ...base, cluster: { ...base.cluster, cni: { plugin: 'canal', flannel: { backend: 'vxlan', vni: 1, port: 8472, mtu: 1450, directRouting: false, ipMasq: true } } } };
  const t = run(canal, same);
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops[1]!.headers[1]!.layer === 'ipv4' && t.hops[1]!.headers[1]!.ttl, 63);
});

test('CrossSubnet: peers on the node\'s own subnet are routed directly, the one beyond is tunnelled', () => {
  const ipip = createEngine(cluster(calico('CrossSubnet'), { far: true })).dataplane.namespace('node/master')!;
  const ipipRoutes = renderRoutes(ipip);
  assert.match(ipipRoutes, /^10\.42\.1\.0\/26 via 192\.168\.205\.3 dev eth0 proto bird $/m);
  assert.match(ipipRoutes, /^10\.42\.2\.0\/26 via 192\.168\.206\.5 dev tunl0 proto bird onlink $/m);
  const vxlan = createEngine(cluster(calico('Never', 'CrossSubnet'), { far: true })).dataplane.namespace('node/master')!;
  const vxlanRoutes = renderRoutes(vxlan);
  assert.match(vxlanRoutes, /^10\.42\.1\.0\/26 via 192\.168\.205\.3 dev eth0 proto 80 onlink $/m);
  assert.match(vxlanRoutes, /^10\.42\.2\.0\/26 via 10\.42\.2\.0 dev vxlan\.calico onlink $/m);
  assert.match(vxlanRoutes, /^blackhole 10\.42\.0\.64\/26 proto 80 $/m);
  // Across subnets the IPIP packet still gets there: through the tunnel, addressed to node2 itself.
  const t = run(cluster(calico('CrossSubnet'), { far: true }), { from: 'pod/default/busybox', to: 'ip/10.42.2.1:80' });
  assert.notEqual(t.disposition, 'NO_ROUTE');
});

const modes = { bgp: calico('Never'), ipip: calico('Always'), vxlan: calico('Never', 'Always') };

for (const [mode, cni] of Object.entries(modes)) {
  test(`show --table routes for a Calico ${mode} node, as \`ip route\` prints it`, () => {
    const text = renderRoutes(createEngine(cluster(cni)).dataplane.namespace('node/master')!);
    matchBaseline(`walk/calico-${mode}.routes.txt`, text);
    assert.match(text, /^10\.42\.0\.65 dev cali[0-9a-f]{11} scope link $/m);
  });

  test(`golden traces: Calico ${mode}, across nodes and on one node`, () => {
    matchBaseline(`walk/calico-${mode}-cross.trace.txt`, renderTrace(run(cluster(cni), cross), `calico ${mode} across nodes`));
    matchBaseline(`walk/calico-${mode}-same.trace.txt`, renderTrace(run(cluster(cni), same), `calico ${mode} same node`));
  });
}
