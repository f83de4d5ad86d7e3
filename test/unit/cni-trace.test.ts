/**
 * Walks across each builder's state: pod to pod on one node and across nodes. The cross-node
 * cases need walk features these CNIs rely on (a bridge port leading into another bridge and a
 * vxlan port with per-entry VNI for weave, proxy ARP on cali veths for Canal, the cloud route
 * table for kubenet, VPC delivery to the ENI holding a secondary IP for AWS); until the walk has
 * them they are marked todo, with the outcome a real cluster shows.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine } from '../../src/engine/index';
import { traceFlow } from '../../src/engine/trace/flow';
import type { Header, Trace } from '../../src/engine/trace/types';
import type { Pod, Topology } from '../../src/engine/model/types';
import { weaveCluster, weaveVethName as weaveVethNameOf } from '../../src/engine/cni/weave/builder';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { lookupPolicyRoute } from '../../src/engine/dataplane/routing';
import { awsVethName } from '../../src/engine/cni/awsvpc/builder';
import { bridgePluginVethName } from '../../src/engine/net/derivedNames';
import { formatRoute } from '../../src/engine/render/routes';
import { formatRule, renderRules } from '../../src/engine/render/rules';
import { validateTrace } from '../../src/engine/trace/validate';
import { topology } from './cni-fixtures';
import { loadTopologyFile } from '../fixtures/load';

const three = (ips: readonly [string, string, string]) => [
  { name: 'a', node: 'node1', ip: ips[0] },
  { name: 'b', node: 'node1', ip: ips[1] },
  { name: 'c', node: 'node2', ip: ips[2] },
];

const weave = (mode: 'fastdp' | 'sleeve') =>
  topology({ plugin: 'weave', mode, mtu: 1376 }, '10.32.0.0/12', [
    { name: 'node1', address: '192.168.1.11', podCIDR: '10.32.0.0/24' },
    { name: 'node2', address: '192.168.1.12', podCIDR: '10.40.0.0/24' },
  ], three(['10.32.0.2', '10.32.0.3', '10.40.0.1']));

const kubenet = topology({ plugin: 'kubenet', mtu: 1500 }, '10.244.0.0/16', [
  { name: 'node1', address: '10.128.0.2', podCIDR: '10.244.0.0/24', gateway: '10.128.0.1' },
  { name: 'node2', address: '10.128.0.3', podCIDR: '10.244.1.0/24', gateway: '10.128.0.1' },
], three(['10.244.0.2', '10.244.0.3', '10.244.1.2']));

const canal = topology({ plugin: 'canal', flannel: { backend: 'vxlan', vni: 1, port: 8472, mtu: 1450, directRouting: false, ipMasq: true } }, '10.244.0.0/16', [
  // Proxy ARP on the cali veth answers only when the host has a route out another device (seen on
  // the kernel), so the nodes need the default route every real node has.
  { name: 'node1', address: '192.168.205.4', podCIDR: '10.244.0.0/24', gateway: '192.168.205.1' },
  { name: 'node2', address: '192.168.205.3', podCIDR: '10.244.1.0/24', gateway: '192.168.205.1' },
], three(['10.244.0.2', '10.244.0.3', '10.244.1.2']));

const aws = topology({ plugin: 'aws-vpc', mtu: 9001, externalSnat: false, excludeSnatCidrs: [] }, '192.168.0.0/16', [
  { name: 'node1', address: '192.168.1.10', podCIDR: '192.168.1.0/24', gateway: '192.168.1.1', enis: [{ name: 'eth0', mac: '02:aa:00:00:00:10', primary: '192.168.1.10', secondary: ['192.168.1.20', '192.168.1.21'] }] },
  { name: 'node2', address: '192.168.1.11', podCIDR: '192.168.2.0/24', gateway: '192.168.1.1', enis: [{ name: 'eth0', mac: '02:aa:00:00:00:11', primary: '192.168.1.11', secondary: ['192.168.1.40'] }] },
], three(['192.168.1.20', '192.168.1.21', '192.168.1.40']));

const pods = { a: { namespace: 'default', name: 'a' }, c: { namespace: 'default', name: 'c' } } as const;

/** The host veth name depends only on the pod's namespace and name. */
function weaveVethName(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return weaveVethNameOf(pod as Pod);
}

function bridgeIpOf(node: string): string {
  return weaveCluster(weave('fastdp'))!.byName.get(node)!.bridgeIp;
}

function loadSample(name: string): Topology {
  return loadTopologyFile(`samples/${name}`);
}

function walk(t: Topology, to: string): Trace {
  return traceFlow(createEngine(t), { from: 'pod/default/a', to, port: 80 });
}

/** The header stack of a hop as `layer` names with the fields a reader checks. */
function stack(headers: readonly Header[]): string {
  return headers
    .map((h) => {
      switch (h.layer) {
        case 'ipv4':
          return `ipv4 ${h.src}>${h.dst} ttl ${h.ttl}`;
        case 'udp':
          return `udp ${h.dport}`;
        case 'vxlan':
          return `vxlan ${h.vni}`;
        case 'tcp':
          return `tcp ${h.dport}`;
        default:
          return h.layer;
      }
    })
    .join(', ');
}

test('weave, same node: switched on the weave bridge, TTL untouched', () => {
  const t = walk(weave('fastdp'), 'pod/default/b');
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(t.hops.map((h) => stack(h.headers)), ['eth, ipv4 10.32.0.2>10.32.0.3 ttl 64, tcp 80', 'eth, ipv4 10.32.0.2>10.32.0.3 ttl 64, tcp 80']);
  assert.ok(t.hops[1]!.steps.some((s) => s.kind === 'bridge' && s.bridge === 'weave'));
});

test('kubenet, same node: switched on cbr0', () => {
  const t = walk(kubenet, 'pod/default/b');
  assert.equal(t.disposition, 'DELIVERED');
  assert.ok(t.hops.some((h) => h.steps.some((s) => s.kind === 'bridge' && s.bridge === 'cbr0')));
});

test('AWS VPC CNI, same node: routed by the host through the /32 eni route, TTL 63', () => {
  const t = walk(aws, 'pod/default/b');
  assert.equal(t.disposition, 'DELIVERED');
  const last = t.hops[t.hops.length - 1]!;
  assert.equal(stack(last.headers), 'eth, ipv4 192.168.1.20>192.168.1.21 ttl 63, tcp 80');
  assert.ok(last.steps.some((s) => s.kind === 'route' && /^192\.168\.1\.21 dev eni[0-9a-f]{11} scope link$/.test(s.line)));
});

test('weave fastdp, across nodes: bridge to datapath to the vxlan vport, VXLAN on 6784 with the peer-pair VNI, inner frame untouched', () => {
  const t = walk(weave('fastdp'), 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(t.hops.map((h) => `${h.node} ${h.in ?? '-'}>${h.out}`), [
    'node1 ->eth0',
    `node1 ${weaveVethName(pods.a)}>vethwe-bridge`,
    'node1 vethwe-datapath>eth0',
    'node2 vxlan-6784>vethwe-datapath',
    `node2 vethwe-bridge>${weaveVethName(pods.c)}`,
  ]);
  const underlay = t.hops[2]!;
  assert.equal(stack(underlay.headers), `eth, ipv4 192.168.1.11>192.168.1.12 ttl 64, udp 6784, vxlan ${1 | (2 << 12)}, eth, ipv4 10.32.0.2>10.40.0.1 ttl 64, tcp 80`);
  // The VXLAN payload is the pod's own frame: pod a's MAC to pod c's MAC.
  assert.deepEqual(underlay.headers[4], { layer: 'eth', src: '0a:58:0a:20:00:02', dst: '0a:58:0a:28:00:01', type: 'IPv4' });
  assert.ok(underlay.steps.some((s) => s.kind === 'fdb' && s.line === '0a:58:0a:28:00:01 dev vxlan-6784 dst 192.168.1.12 vni 8193 self permanent'));
  assert.ok(t.hops[3]!.steps.some((s) => s.kind === 'decap' && s.device === 'vxlan-6784'));
  // Pod a resolved pod c by ARP across both nodes' bridges: the answer is pod c's own MAC.
  assert.ok(t.hops[0]!.steps.some((s) => s.kind === 'neighbour' && s.line === '10.40.0.1 dev eth0 lladdr 0a:58:0a:28:00:01 REACHABLE' && s.resolvedByArp));
  assert.deepEqual(validateTrace(t), []);
});

test('weave sleeve, across nodes: weaver sends the frame in UDP 6783 to the peer, 62 bytes over the inner packet', () => {
  const t = walk(weave('sleeve'), 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  const underlay = t.hops.find((h) => h.out === 'eth0' && h.netns === 'host')!;
  assert.equal(stack(underlay.headers), 'eth, ipv4 192.168.1.11>192.168.1.12 ttl 64, udp 6783, eth, ipv4 10.32.0.2>10.40.0.1 ttl 64, tcp 80');
  const outer = underlay.headers[1] as Extract<Header, { layer: 'ipv4' }>;
  assert.equal(outer.length, 60 + 62);
  assert.equal(outer.df, true);
  assert.deepEqual(underlay.headers[2], { layer: 'udp', sport: 6783, dport: 6783, length: 102 });
  assert.equal(underlay.in, 'vethwe-pcap');
  assert.ok(underlay.steps.some((s) => s.kind === 'encap' && s.tunnel === 'sleeve'));
  const last = t.hops[t.hops.length - 1]!;
  assert.equal(last.out, weaveVethName(pods.c));
  assert.ok(last.steps.some((s) => s.kind === 'decap' && s.tunnel === 'sleeve'));
  assert.deepEqual(validateTrace(t), []);
});

test('weave, pod to the other node\'s weave bridge address: ARP answered by that bridge, delivered to its host', () => {
  const t = walk(weave('fastdp'), `ip/${bridgeIpOf('node2')}`);
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops[t.hops.length - 1]!.node, 'node2');
});

test('canal, same node: proxy ARP on the cali veth, routed by the host', () => {
  const t = walk(canal, 'pod/default/b');
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(stack(t.hops[t.hops.length - 1]!.headers), 'eth, ipv4 10.244.0.2>10.244.0.3 ttl 63, tcp 80');
});

test('canal, across nodes: flannel VXLAN on 8472', () => {
  const t = walk(canal, 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  assert.ok(t.hops.some((h) => stack(h.headers) === 'eth, ipv4 192.168.205.4>192.168.205.3 ttl 64, udp 8472, vxlan 1, eth, ipv4 10.244.0.2>10.244.1.2 ttl 63, tcp 80'));
});

test('kubenet, across nodes: via the cloud router, whose route table sends the podCIDR to node2; every router decrements the TTL', () => {
  const t = walk(kubenet, 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(
    t.hops.map((h) => `${h.node} ${h.netns} ${h.out}: ${stack(h.headers)}`),
    [
      'node1 pod/default/a eth0: eth, ipv4 10.244.0.2>10.244.1.2 ttl 64, tcp 80',
      'node1 host eth0: eth, ipv4 10.244.0.2>10.244.1.2 ttl 63, tcp 80',
      'cloud-router router/cloud-router eth0: eth, ipv4 10.244.0.2>10.244.1.2 ttl 62, tcp 80',
      'node2 host cbr0: eth, ipv4 10.244.0.2>10.244.1.2 ttl 61, tcp 80',
      `node2 host ${bridgePluginVethName('default', 'c')}: eth, ipv4 10.244.0.2>10.244.1.2 ttl 61, tcp 80`,
    ],
  );
  const [, fromNode1, fromRouter] = t.hops;
  assert.ok(fromNode1!.steps.some((s) => s.kind === 'route' && s.line === 'default via 10.128.0.1 dev eth0'));
  assert.ok(fromRouter!.steps.some((s) => s.kind === 'route' && s.line === '10.244.1.0/24 via 10.128.0.3 dev eth0'));
  // The router answers ARP for the gateway; the frame it sends is addressed to node2's NIC.
  const eth = (i: number) => t.hops[i]!.headers[0] as Extract<Header, { layer: 'eth' }>;
  assert.equal(eth(1).dst, eth(2).src);
  assert.equal(eth(2).dst, '52:54:00:00:00:03');
  assert.deepEqual(validateTrace(t), []);
});

test('kubenet without a default gateway: nothing routes the other podCIDR', () => {
  const noGateway = topology({ plugin: 'kubenet', mtu: 1500 }, '10.244.0.0/16', [
    { name: 'node1', address: '10.128.0.2', podCIDR: '10.244.0.0/24' },
    { name: 'node2', address: '10.128.0.3', podCIDR: '10.244.1.0/24' },
  ], three(['10.244.0.2', '10.244.0.3', '10.244.1.2']));
  const t = walk(noGateway, 'pod/default/c');
  assert.equal(t.disposition, 'NO_ROUTE');
  assert.equal(t.hops.length, 1);
});

test('kubenet sample: web-0 reaches web-1 on the other node through the cloud router', () => {
  const loaded = loadSample('kubenet.yaml');
  const t = traceFlow(createEngine(loaded), { from: 'pod/default/web-0', to: 'pod/default/web-1', port: 80 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(t.hops.map((h) => h.netns), ['pod/default/web-0', 'host', 'router/cloud-router', 'host', 'host']);
  assert.equal(stack(t.hops[3]!.headers), 'eth, ipv4 10.244.0.2>10.244.1.2 ttl 61, tcp 80');
  assert.deepEqual(validateTrace(t), []);
});

test('AWS VPC CNI, across nodes: the VPC answers ARP with the MAC of the ENI holding the secondary IP, no encapsulation', () => {
  const t = walk(aws, 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(t.hops.map((h) => `${h.node} ${h.netns} ${h.out}: ${stack(h.headers)}`).slice(0, 2), [
    'node1 pod/default/a eth0: eth, ipv4 192.168.1.20>192.168.1.40 ttl 64, tcp 80',
    'node1 host eth0: eth, ipv4 192.168.1.20>192.168.1.40 ttl 63, tcp 80',
  ]);
  const underlay = t.hops[1]!;
  assert.equal((underlay.headers[0] as Extract<Header, { layer: 'eth' }>).dst, '52:54:00:00:00:11');
  assert.ok(underlay.steps.some((s) => s.kind === 'route' && s.rule === '32766:\tfrom all lookup main' && s.line === '192.168.1.0/24 dev eth0 proto kernel scope link src 192.168.1.10'));
  // On node2 the per-pod rule sends the packet to main, where the /32 names the pod's eni veth.
  const last = t.hops[t.hops.length - 1]!;
  assert.equal(last.node, 'node2');
  assert.ok(last.steps.some((s) => s.kind === 'route' && s.rule === '512:\tfrom all to 192.168.1.40 lookup main' && /^192\.168\.1\.40 dev eni[0-9a-f]{11} scope link$/.test(s.line)));
  assert.equal(stack(last.headers), 'eth, ipv4 192.168.1.20>192.168.1.40 ttl 62, tcp 80');
  assert.deepEqual(validateTrace(t), []);
});

/** node1 has a secondary ENI eth1 whose secondary IP 192.168.1.51 pod a holds. */
const awsSecondary = topology({ plugin: 'aws-vpc', mtu: 9001, externalSnat: false, excludeSnatCidrs: [] }, '192.168.0.0/16', [
  { name: 'node1', address: '192.168.1.10', podCIDR: '192.168.1.0/24', gateway: '192.168.1.1', enis: [{ name: 'eth0', mac: '02:aa:00:00:00:10', primary: '192.168.1.10', secondary: ['192.168.1.20'] }, { name: 'eth1', mac: '02:aa:00:00:01:10', primary: '192.168.1.50', secondary: ['192.168.1.51'] }] },
  { name: 'node2', address: '192.168.1.11', podCIDR: '192.168.2.0/24', gateway: '192.168.1.1', enis: [{ name: 'eth0', mac: '02:aa:00:00:00:11', primary: '192.168.1.11', secondary: ['192.168.1.40'] }] },
], [
  { name: 'a', node: 'node1', ip: '192.168.1.51' },
  { name: 'b', node: 'node1', ip: '192.168.1.20' },
  { name: 'c', node: 'node2', ip: '192.168.1.40' },
]);

test('AWS VPC CNI, pod on a secondary ENI: rule 1536 sends it out eth1 via the VPC router, which delivers to the owning ENI', () => {
  const t = walk(awsSecondary, 'pod/default/c');
  assert.equal(t.disposition, 'DELIVERED');
  assert.deepEqual(t.hops.map((h) => `${h.netns} ${h.out}: ${stack(h.headers)}`).slice(0, 3), [
    'pod/default/a eth0: eth, ipv4 192.168.1.51>192.168.1.40 ttl 64, tcp 80',
    'host eth1: eth, ipv4 192.168.1.51>192.168.1.40 ttl 63, tcp 80',
    'router/vpc-router eth0: eth, ipv4 192.168.1.51>192.168.1.40 ttl 62, tcp 80',
  ]);
  assert.ok(t.hops[1]!.steps.some((s) => s.kind === 'route' && s.rule === '1536:\tfrom 192.168.1.51 lookup 2' && s.table === '2' && s.line === 'default via 192.168.1.1 dev eth1'));
  assert.equal((t.hops[1]!.headers[0] as Extract<Header, { layer: 'eth' }>).src, '02:aa:00:00:01:10');
  assert.equal((t.hops[2]!.headers[0] as Extract<Header, { layer: 'eth' }>).dst, '52:54:00:00:00:11');
  assert.deepEqual(validateTrace(t), []);
  // The same pod to a pod on its own node: rule 512 comes first and keeps it on the node.
  const local = walk(awsSecondary, 'pod/default/b');
  assert.equal(local.disposition, 'DELIVERED');
  assert.deepEqual(local.hops.map((h) => h.netns), ['pod/default/a', 'host']);
});

test('ip rule lookup: priority order, from/to/fwmark selectors, a table without a route falls through', () => {
  const node1 = deriveDataplane(awsSecondary).namespace('node/node1')!;
  const pick = (src: string, dst: string, mark = 0) => {
    const r = lookupPolicyRoute(node1, { src, dst, mark, iif: 'eth0' });
    return r && `${r.rule ? formatRule(r.rule) : '-'} => ${formatRoute(r.route, node1)} (table ${r.route.table})`;
  };
  assert.equal(pick('192.168.1.51', '8.8.8.8'), '1536:\tfrom 192.168.1.51 lookup 2 => default via 192.168.1.1 dev eth1 (table 2)');
  // The connmark rule (1024) outranks the pod's own (1536): marked replies leave by the primary ENI.
  assert.equal(pick('192.168.1.51', '8.8.8.8', 0x80), '1024:\tfrom all fwmark 0x80/0x80 lookup main => default via 192.168.1.1 dev eth0 (table main)');
  assert.equal(pick('192.168.1.51', '8.8.8.8', 0x40), '1536:\tfrom 192.168.1.51 lookup 2 => default via 192.168.1.1 dev eth1 (table 2)');
  assert.equal(pick('192.168.1.11', '192.168.1.20'), '512:\tfrom all to 192.168.1.20 lookup main => 192.168.1.20 dev ' + awsVethName({ namespace: 'default', name: 'b' }) + ' scope link (table main)');
  // Local addresses are found by rule 0 before anything else.
  assert.match(pick('192.168.1.51', '192.168.1.10') ?? '', /^0:\tfrom all lookup local => local 192\.168\.1\.10 /);
  assert.equal(renderRules(node1), [
    '0:\tfrom all lookup local',
    // One priority in the order the pods were set up (the kernel appends after equal priorities).
    '512:\tfrom all to 192.168.1.51 lookup main',
    '512:\tfrom all to 192.168.1.20 lookup main',
    '1024:\tfrom all fwmark 0x80/0x80 lookup main',
    '1536:\tfrom 192.168.1.51 lookup 2',
    '32765:\tfrom 192.168.1.50 lookup 2',
    '32766:\tfrom all lookup main',
    '32767:\tfrom all lookup default',
    '',
  ].join('\n'));
});

test('Multus macvlan (bridge mode): pod to pod on one parent turns inside it, from net1 with net1\'s address, no NetworkPolicy', () => {
  const engine = createEngine(loadSample('multus-macvlan.yaml'));
  assert.deepEqual(engine.dataplane.ownerOf('192.168.1.201'), { netns: 'pod/default/samplepod-2', device: 'net1' });
  const t = traceFlow(engine, { from: 'pod/default/samplepod-1', to: 'ip/192.168.1.201:80', port: 80 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops.length, 1);
  const [hop] = t.hops;
  assert.equal(hop!.out, 'net1');
  assert.equal(stack(hop!.headers), 'eth, ipv4 192.168.1.200>192.168.1.201 ttl 64, tcp 80');
  const net1 = (pod: string) => engine.dataplane.namespace(`pod/default/${pod}`)!.devices.find((d) => d.name === 'net1')!.mac;
  assert.deepEqual(hop!.headers[0], { layer: 'eth', src: net1('samplepod-1'), dst: net1('samplepod-2'), type: 'IPv4' });
  assert.ok(!t.final.some((s) => s.kind === 'policy'));
  assert.deepEqual(validateTrace(t), []);
});

test('Multus macvlan: net1 to another machine on the LAN leaves on the parent\'s segment with the pod\'s MAC, and the reply finds net1', () => {
  const engine = createEngine(loadSample('multus-macvlan.yaml'));
  const t = traceFlow(engine, { from: 'pod/default/samplepod-1', to: 'ip/192.168.1.11:22', port: 22 });
  assert.equal(t.disposition, 'DELIVERED');
  assert.equal(t.hops.length, 1);
  assert.equal((t.hops[0]!.headers[0] as Extract<Header, { layer: 'eth' }>).dst, engine.dataplane.namespace('node/node-2')!.devices.find((d) => d.name === 'eth0')!.mac);
  assert.ok(t.final.some((s) => s.kind === 'deliver' && s.to === '192.168.1.11:22/tcp (host node-2)'));
  assert.equal(t.reply?.disposition, 'DELIVERED');
  assert.equal(t.reply!.hops[t.reply!.hops.length - 1]!.node, 'node-2');
  assert.ok(t.reply!.final.some((s) => s.kind === 'deliver' && s.to.startsWith('192.168.1.200:')));
});

test('Multus macvlan: the parent never hears its own macvlans, so net1 cannot reach its node', () => {
  const t = traceFlow(createEngine(loadSample('multus-macvlan.yaml')), { from: 'pod/default/samplepod-1', to: 'ip/192.168.1.10:22', port: 22 });
  assert.equal(t.disposition, 'DROPPED');
  assert.equal(t.hops.length, 0);
});
