import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { kubenetCloudRoutes, kubenetMasqueradeRule } from '../../src/engine/cni/kubenet/builder';
import { namespaceText, routeText, topology } from './cni-fixtures';
import { matchBaseline } from '../harness/baseline';

const t = topology(
  { plugin: 'kubenet', mtu: 1460 },
  '10.244.0.0/16',
  [
    { name: 'node1', address: '10.128.0.2', podCIDR: '10.244.0.0/24', gateway: '10.128.0.1' },
    { name: 'node2', address: '10.128.0.3', podCIDR: '10.244.1.0/24', gateway: '10.128.0.1' },
  ],
  [
    { name: 'web', node: 'node1', ip: '10.244.0.2' },
    { name: 'db', node: 'node2', ip: '10.244.1.2' },
    { name: 'agent', node: 'node2', ip: '10.128.0.3', hostNetwork: true },
  ],
);

test('kubenet: cbr0 at the podCIDR .1 with MTU from the cluster, and no route to the other node', () => {
  const dp = deriveDataplane(t);
  const host = dp.namespace('node/node1')!;
  const cbr0 = host.devices.find((d) => d.name === 'cbr0');
  assert.ok(cbr0 && cbr0.kind === 'bridge');
  assert.equal(cbr0.mtu, 1460);
  assert.deepEqual(cbr0.addresses.map((a) => `${a.address}/${a.prefixLength}`), ['10.244.0.1/24']);
  const main = host.routes.filter((r) => r.table === 'main').map(routeText);
  assert.deepEqual(main, ['default via 10.128.0.1 dev eth0', '10.128.0.0/24 dev eth0 proto kernel scope link src 10.128.0.2', '10.244.0.0/24 dev cbr0 proto kernel scope link src 10.244.0.1']);
  matchBaseline('cni/kubenet.node1.txt', namespaceText(host));
});

test('kubenet pods: eth0 on the podCIDR, default via cbr0; hostNetwork pods get no veth', () => {
  const dp = deriveDataplane(t);
  const pod = dp.namespace('pod/default/db')!;
  assert.deepEqual(pod.routes.filter((r) => r.table === 'main').map(routeText), ['default via 10.244.1.1 dev eth0', '10.244.1.0/24 dev eth0 proto kernel scope link src 10.244.1.2']);
  const node2 = dp.namespace('node/node2')!;
  assert.equal(node2.devices.filter((d) => d.kind === 'veth').length, 1);
  matchBaseline('cni/kubenet.pod-db.txt', namespaceText(pod));
});

test('the cloud route table sends each podCIDR to its node, and the masquerade rule spares 10.0.0.0/8', () => {
  assert.deepEqual(kubenetCloudRoutes(t).map(routeText), ['10.244.0.0/24 via 10.128.0.2', '10.244.1.0/24 via 10.128.0.3']);
  assert.equal(kubenetMasqueradeRule(), '-A POSTROUTING ! -d 10.0.0.0/8 -m comment --comment "kubenet: SNAT for outbound traffic from cluster" -m addrtype ! --dst-type LOCAL -j MASQUERADE');
  assert.ok(deriveDataplane(t).notes.some((n) => n.includes('10.244.1.0/24 via 10.128.0.3')));
});
