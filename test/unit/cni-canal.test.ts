import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { caliVethName } from '../../src/engine/cni/calico/veth';
import { namespaceText, routeText, topology } from './cni-fixtures';
import { matchBaseline } from '../harness/baseline';

function canal(backend: 'vxlan' | 'host-gw') {
  return topology(
    { plugin: 'canal', flannel: { backend, vni: 1, port: 8472, mtu: backend === 'vxlan' ? 1450 : 1500, directRouting: false, ipMasq: true } },
    '10.244.0.0/16',
    [
      { name: 'master', address: '192.168.205.4', podCIDR: '10.244.0.0/24' },
      { name: 'node1', address: '192.168.205.3', podCIDR: '10.244.1.0/24' },
    ],
    [
      { name: 'web', node: 'master', ip: '10.244.0.2', namespace: 'shop' },
      { name: 'db', node: 'node1', ip: '10.244.1.2', namespace: 'shop' },
    ],
  );
}

test("Calico's veth name: cali + SHA-1 of namespace.pod, 11 hex digits", () => {
  // The expected name was computed with Python's hashlib, independently of the engine's SHA-1.
  assert.equal(caliVethName({ namespace: 'shop', name: 'web' }).length, 15);
  assert.equal(caliVethName({ namespace: 'kube-system', name: 'coredns-7db6d8ff4d-abcde' }), 'calif90c21019df');
});

test('canal vxlan: flannel.1 routes to the peer, a /32 route per local pod over its cali veth, no cni0', () => {
  const dp = deriveDataplane(canal('vxlan'));
  const host = dp.namespace('node/master')!;
  assert.ok(!host.devices.some((d) => d.name === 'cni0'));
  const veth = host.devices.find((d) => d.name === caliVethName({ namespace: 'shop', name: 'web' }));
  assert.ok(veth && veth.kind === 'veth' && veth.proxyArp && veth.mac === 'ee:ee:ee:ee:ee:ee');
  const main = host.routes.filter((r) => r.table === 'main').map(routeText);
  assert.ok(main.includes('10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink'));
  assert.ok(main.includes(`10.244.0.2 dev ${veth.name} scope link`));
  assert.ok(!main.some((r) => r.startsWith('10.244.0.0/24')), 'no route for the local subnet as a whole');
  matchBaseline('cni/canal-vxlan.master.txt', namespaceText(host));
});

test('canal pods: a /32 and the default route via 169.254.1.1 on-link', () => {
  const dp = deriveDataplane(canal('vxlan'));
  const pod = dp.namespace('pod/shop/db')!;
  assert.deepEqual(pod.routes.filter((r) => r.table === 'main').map(routeText), ['default via 169.254.1.1 dev eth0', '169.254.1.1 dev eth0 scope link']);
  assert.deepEqual(pod.devices.find((d) => d.name === 'eth0')!.addresses.map((a) => `${a.address}/${a.prefixLength}`), ['10.244.1.2/32']);
});

test('canal host-gw: the peer subnet via the peer node, no tunnel device', () => {
  const host = deriveDataplane(canal('host-gw')).namespace('node/node1')!;
  const main = host.routes.filter((r) => r.table === 'main').map(routeText);
  assert.ok(main.includes('10.244.0.0/24 via 192.168.205.4 dev eth0'));
  assert.ok(!host.devices.some((d) => d.kind === 'vxlan'));
});
