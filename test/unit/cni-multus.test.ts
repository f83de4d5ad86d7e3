import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { multusVethName } from '../../src/engine/cni/multus';
import type { SecondaryNetwork } from '../../src/engine/model/types';
import { namespaceText, routeText, topology } from './cni-fixtures';
import { matchBaseline } from '../harness/baseline';

const source = { file: 'fixture.yaml', line: 1, col: 1 };
const networks: SecondaryNetwork[] = [
  { source, name: 'macvlan-conf', namespace: 'default', type: 'macvlan', master: 'eth0', subnet: '192.168.50.0/24', rangeStart: '192.168.50.200' },
  { source, name: 'br-conf', namespace: 'default', type: 'bridge', master: 'mybr0', subnet: '10.10.0.0/16' },
  { source, name: 'ipvlan-conf', namespace: 'default', type: 'ipvlan', master: 'eth0', subnet: '192.168.60.0/24' },
];

const t = topology(
  { plugin: 'flannel', backend: 'vxlan', vni: 1, port: 8472, mtu: 1450, directRouting: false, ipMasq: true },
  '10.244.0.0/16',
  [
    { name: 'node1', address: '192.168.1.11', podCIDR: '10.244.0.0/24' },
    { name: 'node2', address: '192.168.1.12', podCIDR: '10.244.1.0/24' },
  ],
  [
    { name: 'samplepod', node: 'node1', ip: '10.244.0.2', secondaryInterfaces: [
      { name: 'net1', network: 'default/macvlan-conf', address: '192.168.50.200', mac: '0a:11:22:33:44:01' },
      { name: 'net2', network: 'default/br-conf', address: '10.10.0.2', mac: '0a:11:22:33:44:02' },
    ] },
    { name: 'peer', node: 'node2', ip: '10.244.1.2', secondaryInterfaces: [
      { name: 'net1', network: 'default/macvlan-conf', address: '192.168.50.201', mac: '0a:11:22:33:44:03' },
      { name: 'net2', network: 'default/ipvlan-conf', address: '192.168.60.2', mac: '0a:11:22:33:44:04' },
    ] },
    { name: 'plain', node: 'node1', ip: '10.244.0.3' },
  ],
  networks,
);

test('eth0 stays with the cluster CNI; net1 is a bridge-mode macvlan of the node NIC on the attachment subnet', () => {
  const dp = deriveDataplane(t);
  const pod = dp.namespace('pod/default/samplepod')!;
  assert.deepEqual(pod.devices.map((d) => `${d.name}:${d.kind}`), ['lo:loopback', 'eth0:veth', 'net1:macvlan', 'net2:veth']);
  const net1 = pod.devices.find((d) => d.name === 'net1')!;
  assert.ok(net1.kind === 'macvlan' && net1.masterDevice === 'eth0' && net1.masterNetns === 'node/node1' && net1.mode === 'bridge');
  const main = pod.routes.filter((r) => r.table === 'main').map(routeText);
  assert.ok(main.includes('192.168.50.0/24 dev net1 proto kernel scope link src 192.168.50.200'));
  assert.ok(main.includes('default via 10.244.0.1 dev eth0'), 'the default route stays on eth0');
  matchBaseline('cni/multus.pod-samplepod.txt', namespaceText(pod));
});

test('a bridge attachment puts the named bridge and a veth on the host, once per node', () => {
  const host = deriveDataplane(t).namespace('node/node1')!;
  const br = host.devices.find((d) => d.name === 'mybr0');
  assert.ok(br && br.kind === 'bridge');
  assert.deepEqual(br.ports, [multusVethName({ namespace: 'default', name: 'samplepod' }, 'net2')]);
  assert.equal(br.addresses.length, 0);
  assert.ok(!deriveDataplane(t).namespace('node/node2')!.devices.some((d) => d.name === 'mybr0'));
  assert.ok(!deriveDataplane(t).namespace('pod/default/plain')!.devices.some((d) => d.name.startsWith('net')));
});

test('ipvlan attachments are reported, not built', () => {
  const dp = deriveDataplane(t);
  assert.ok(!dp.namespace('pod/default/peer')!.devices.some((d) => d.name === 'net2'));
  assert.ok(dp.notes.some((n) => n.includes('default/peer net2') && n.includes('ipvlan')));
});
