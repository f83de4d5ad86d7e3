import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { weaveShares } from '../../src/engine/cni/weave/ipam';
import { weaveCluster, weaveVni } from '../../src/engine/cni/weave/builder';
import { numToIp } from '../../src/engine/net/ipv4';
import { namespaceText, routeText, topology } from './cni-fixtures';
import { matchBaseline } from '../harness/baseline';

const nodes = [
  { name: 'node1', address: '192.168.1.11', podCIDR: '10.32.0.0/24', gateway: '192.168.1.1' },
  { name: 'node2', address: '192.168.1.12', podCIDR: '10.40.0.0/24', gateway: '192.168.1.1' },
  { name: 'node3', address: '192.168.1.13', podCIDR: '10.44.0.0/24', gateway: '192.168.1.1' },
];
const pods = [
  { name: 'a', node: 'node1', ip: '10.32.0.2' },
  { name: 'b', node: 'node1', ip: '10.32.0.3' },
  { name: 'c', node: 'node2', ip: '10.40.0.1' },
];

function cluster(mode: 'fastdp' | 'sleeve') {
  return topology({ plugin: 'weave', mode, mtu: 1376 }, '10.32.0.0/12', nodes, pods);
}

test('the IPAM ring splits 10.32.0.0/12 among three peers as weave does: /13, /14, /14', () => {
  const shares = weaveShares('10.32.0.0/12', 3).map((s) => `${numToIp(s.start)}-${numToIp(s.end - 1)}`);
  assert.deepEqual(shares, ['10.32.0.0-10.39.255.255', '10.40.0.0-10.43.255.255', '10.44.0.0-10.47.255.255']);
  // Five peers: the first half goes to two; of the second half, one peer takes half and two split the rest.
  assert.deepEqual(weaveShares('10.32.0.0/12', 5).map((s) => numToIp(s.start)), ['10.32.0.0', '10.36.0.0', '10.40.0.0', '10.44.0.0', '10.46.0.0']);
});

test('each node exposes the weave bridge on the first free address of its share, never the range network address', () => {
  const c = weaveCluster(cluster('fastdp'))!;
  assert.deepEqual(c.nodes.map((n) => n.bridgeIp), ['10.32.0.1', '10.40.0.0', '10.44.0.0']);
});

test('fast datapath: weave bridge, datapath, vethwe pair, vxlan-6784 vport with a per-peer VNI', () => {
  const dp = deriveDataplane(cluster('fastdp'));
  const host = dp.namespace('node/node1')!;
  const text = namespaceText(host);
  assert.match(text, /^10\.32\.0\.0\/12 dev weave proto kernel scope link src 10\.32\.0\.1$/m);
  assert.match(text, /vxlan-6784 vxlan mtu 65485 master datapath vxlan id 0 local 192\.168\.1\.11 dev eth0 dstport 6784/);
  const c = weaveCluster(cluster('fastdp'))!;
  const vni = weaveVni(c.nodes[0]!, c.nodes[1]!);
  assert.equal(vni, 1 | (2 << 12));
  assert.ok(host.fdb.some((f) => f.mac === '0a:58:0a:28:00:01' && f.dev === 'vxlan-6784' && f.dst === '192.168.1.12' && f.vni === vni && f.self));
  matchBaseline('cni/weave-fastdp.node1.txt', text);
  matchBaseline('cni/weave-fastdp.pod-a.txt', namespaceText(dp.namespace('pod/default/a')!));
});

test('pods see the whole range on-link and route the rest via their node bridge address', () => {
  const dp = deriveDataplane(cluster('fastdp'));
  const routes = dp.namespace('pod/default/c')!.routes.filter((r) => r.table === 'main').map(routeText);
  assert.deepEqual(routes, ['default via 10.40.0.0 dev eth0', '10.32.0.0/12 dev eth0 proto kernel scope link src 10.40.0.1']);
});

test('sleeve: vethwe-bridge leads to vethwe-pcap, read by weaver on UDP 6783, with every peer share as a lease', () => {
  const dp = deriveDataplane(cluster('sleeve'));
  const host = dp.namespace('node/node2')!;
  const pcap = host.devices.find((d) => d.name === 'vethwe-pcap');
  assert.ok(pcap && pcap.kind === 'tun');
  assert.equal(pcap.port, 6783);
  assert.deepEqual(pcap.leases.map((l) => `${l.subnet} ${l.publicIp}`), ['10.32.0.0/13 192.168.1.11', '10.40.0.0/14 192.168.1.12', '10.44.0.0/14 192.168.1.13']);
  assert.ok(!host.devices.some((d) => d.name === 'datapath' || d.name === 'vxlan-6784'));
  matchBaseline('cni/weave-sleeve.node2.txt', namespaceText(host));
});
