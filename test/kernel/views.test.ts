/**
 * The kernel as oracle for the text views: a flannel-vxlan node's host namespace built by hand in
 * network namespaces (an uplink, docker0 without carrier, flannel.1 with its neighbour and FDB
 * entry, cni0 with one pod's veth, routes with proto, metric, onlink and a blackhole), and the same
 * state in the model through the engine's own builders; `ip route`, `ip neigh`, `bridge fdb`,
 * `ip -br link`, `ip addr` and `brctl show` must print what the renderers print. cni0 is
 * promiscuous, as the bridge plugin leaves kubenet's cbr0 (`promiscMode`), and docker0 is not.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { after, before, test } from 'node:test';
import { assembleNamespace, hostAddress, loopback, route } from '../../src/engine/dataplane/assemble';
import { bridgeHostDevices, bridgeOwnFdb, multicastFdb } from '../../src/engine/dataplane/bridgePlugin';
import type { Dataplane, DeviceSpec, NetNamespace } from '../../src/engine/dataplane/types';
import type { NodeInfo, Pod } from '../../src/engine/model/types';
import { renderAddrs } from '../../src/engine/render/addrs';
import { renderBridges } from '../../src/engine/render/bridges';
import { renderFdb } from '../../src/engine/render/fdb';
import { renderLinks } from '../../src/engine/render/links';
import { renderNeighbours } from '../../src/engine/render/neigh';
import { renderRoutes } from '../../src/engine/render/routes';

const HOST = `pwv-h${process.pid}`;
const POD = `pwv-p${process.pid}`;

const node = { name: 'n0', podCIDR: '10.99.0.0/24' } as NodeInfo;
const pod = { name: 'web', namespace: 'default', ip: '10.99.0.2', mac: '0a:58:0a:63:00:02', hostNetwork: false } as Pod;
const VETH = 'veth5e1f0a2b';
const NIC_MAC = '52:54:00:00:77:0a';
const DOCKER_MAC = '02:42:84:ed:ea:d3';
const VXLAN_MAC = '92:24:59:b1:95:6f';
const PEER_VTEP_MAC = '12:b9:c7:79:45:24';

const bridged = bridgeHostDevices(node, [pod], { bridge: 'cni0', mtu: 1450, podRoutes: [], promiscMode: true }, () => VETH);
const cni0 = bridged.devices[0]!;
const veth = bridged.devices[1]!;

/** The model's side: the host namespace as the engine holds it, and the pod namespace its veth names. */
function model(): { host: NetNamespace; dp: Dataplane } {
  const devices: DeviceSpec[] = [
    loopback,
    // The uplink is a veth here (this kernel has no dummy NICs), its far end in the pod's namespace.
    { kind: 'veth', name: 'eth0', mtu: 1500, mac: NIC_MAC, up: true, addresses: [hostAddress('192.168.77.10/24')], peerNetns: 'pod/default/web', peerDevice: 'uplink' },
    { kind: 'bridge', name: 'docker0', mtu: 1500, mac: DOCKER_MAC, up: true, noCarrier: true, addresses: [hostAddress('172.17.0.1/16')], ports: [], stp: false, bridgeId: `8000.${DOCKER_MAC.replace(/:/g, '')}` },
    { kind: 'vxlan', name: 'flannel.1', mtu: 1450, mac: VXLAN_MAC, up: true, addresses: [hostAddress('10.99.0.0/32')], vni: 1, local: '192.168.77.10', dstport: 8472, dev: 'eth0', learning: false },
    ...bridged.devices,
  ];
  const host = assembleNamespace({
    id: 'node/n0',
    ref: { kind: 'host', node: 'n0' },
    kind: 'host',
    node: 'n0',
    label: 'host',
    devices,
    routes: [
      route({ dst: 'default', via: '192.168.77.1', dev: 'eth0', proto: 'static', metric: 100 }),
      route({ dst: '10.99.1.0/24', via: '10.99.1.0', dev: 'flannel.1', onlink: true }),
      route({ dst: '10.99.8.0/26', type: 'blackhole', proto: 'bird', scope: 'global' }),
      route({ dst: '169.254.0.0/16', dev: 'eth0', metric: 1000 }),
    ],
    neighbours: [{ ip: '10.99.1.0', dev: 'flannel.1', lladdr: PEER_VTEP_MAC, state: 'PERMANENT', proxy: false }],
    fdb: [
      ...multicastFdb('eth0', NIC_MAC),
      ...bridgeOwnFdb('docker0', DOCKER_MAC, false),
      { mac: PEER_VTEP_MAC, dev: 'flannel.1', dst: '192.168.77.11', self: true, permanent: true },
      ...bridged.fdb,
    ],
    ipForward: true,
  });
  const podNs = assembleNamespace({
    id: 'pod/default/web',
    ref: { kind: 'pod', node: 'n0', namespace: 'default', name: 'web' },
    kind: 'pod',
    node: 'n0',
    label: 'pod/default/web',
    devices: [loopback, { kind: 'veth', name: 'uplink', mtu: 1500, mac: '52:54:00:00:77:01', up: true, addresses: [], peerNetns: 'node/n0', peerDevice: 'eth0' }, { kind: 'veth', name: 'eth0', mtu: 1450, mac: pod.mac, up: true, addresses: [hostAddress('10.99.0.2/24')], peerNetns: 'node/n0', peerDevice: VETH }],
    routes: [],
    neighbours: [],
    fdb: [],
    ipForward: false,
  });
  const byId = new Map([[host.id, host], [podNs.id, podNs]]);
  const dp = { namespace: (id: string) => byId.get(id) } as unknown as Dataplane;
  return { host, dp };
}

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const tool of ['ip', 'bridge', 'brctl']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed (scripts/setup.sh installs it)`;
  }
  if (spawnSync('ip', ['netns', 'add', HOST]).status !== 0) return 'cannot create a network namespace';
  spawnSync('ip', ['netns', 'add', POD]);
  return undefined;
}

function sh(...argv: string[]): string {
  return execFileSync(argv[0]!, argv.slice(1), { encoding: 'utf8' });
}

function inHost(...argv: string[]): string {
  return sh('ip', 'netns', 'exec', HOST, ...argv);
}

/** Builds the same state with the commands the CNIs and flanneld use. */
function build(): void {
  const h = (...a: string[]) => sh('ip', '-n', HOST, ...a);
  const p = (...a: string[]) => sh('ip', '-n', POD, ...a);
  // Without duplicate address detection the link-local addresses are final at once (no "tentative").
  for (const ns of [HOST, POD]) for (const k of ['all', 'default']) sh('ip', 'netns', 'exec', ns, 'sysctl', '-qw', `net.ipv6.conf.${k}.accept_dad=0`);
  h('link', 'set', 'lo', 'up');
  p('link', 'set', 'lo', 'up');
  h('link', 'add', 'eth0', 'address', NIC_MAC, 'type', 'veth', 'peer', 'name', 'uplink', 'address', '52:54:00:00:77:01', 'netns', POD);
  h('addr', 'add', '192.168.77.10/24', 'brd', '+', 'dev', 'eth0');
  h('link', 'set', 'eth0', 'up');
  p('link', 'set', 'uplink', 'up');
  // docker0 with no containers: a bridge whose last port went away has no carrier.
  h('link', 'add', 'docker0', 'address', DOCKER_MAC, 'type', 'bridge');
  h('addr', 'add', '172.17.0.1/16', 'brd', '+', 'dev', 'docker0');
  h('link', 'set', 'docker0', 'up');
  // High ifindexes, so the devices after docker0 number as they would on a node.
  h('link', 'add', 'pwvgone', 'index', '900', 'type', 'veth', 'peer', 'name', 'pwvgone1', 'index', '901');
  h('link', 'set', 'pwvgone', 'master', 'docker0');
  h('link', 'del', 'pwvgone');
  h('link', 'set', 'docker0', 'address', DOCKER_MAC);
  h('link', 'add', 'flannel.1', 'address', VXLAN_MAC, 'mtu', '1450', 'type', 'vxlan', 'id', '1', 'local', '192.168.77.10', 'dev', 'eth0', 'dstport', '8472', 'nolearning');
  h('addr', 'add', '10.99.0.0/32', 'dev', 'flannel.1');
  h('link', 'set', 'flannel.1', 'up');
  h('link', 'add', 'cni0', 'address', cni0.mac!, 'mtu', '1450', 'type', 'bridge');
  h('addr', 'add', '10.99.0.1/24', 'brd', '+', 'dev', 'cni0');
  // As the bridge plugin does with promiscMode (netlink.SetPromiscOn); the port it adds next shows no PROMISC.
  h('link', 'set', 'cni0', 'promisc', 'on');
  h('link', 'set', 'cni0', 'up');
  h('link', 'add', VETH, 'address', veth.mac!, 'mtu', '1450', 'type', 'veth', 'peer', 'name', 'eth0', 'address', pod.mac, 'netns', POD);
  h('link', 'set', VETH, 'master', 'cni0');
  h('link', 'set', VETH, 'up');
  p('addr', 'add', '10.99.0.2/24', 'brd', '+', 'dev', 'eth0');
  p('link', 'set', 'eth0', 'up');
  // What the bridge learns from the pod's first frame.
  sh('bridge', '-n', HOST, 'fdb', 'replace', pod.mac, 'dev', VETH, 'master', 'dynamic');
  h('neigh', 'add', '10.99.1.0', 'lladdr', PEER_VTEP_MAC, 'dev', 'flannel.1', 'nud', 'permanent');
  sh('bridge', '-n', HOST, 'fdb', 'append', PEER_VTEP_MAC, 'dev', 'flannel.1', 'dst', '192.168.77.11', 'self', 'permanent');
  h('route', 'add', 'default', 'via', '192.168.77.1', 'dev', 'eth0', 'proto', 'static', 'metric', '100');
  h('route', 'add', '10.99.1.0/24', 'via', '10.99.1.0', 'dev', 'flannel.1', 'onlink');
  h('route', 'add', 'blackhole', '10.99.8.0/26', 'proto', 'bird');
  h('route', 'add', '169.254.0.0/16', 'dev', 'eth0', 'scope', 'link', 'metric', '1000');
}

let skip: string | undefined;
before(() => {
  skip = unavailable();
  if (!skip) build();
});
after(() => {
  for (const ns of [HOST, POD]) spawnSync('ip', ['netns', 'del', ns]);
});

const views: [string, (m: ReturnType<typeof model>) => string, () => string][] = [
  ['ip route', (m) => renderRoutes(m.host), () => inHost('ip', 'route')],
  ['ip neigh', (m) => renderNeighbours(m.host), () => inHost('ip', 'neigh')],
  ['bridge fdb', (m) => renderFdb(m.host), () => inHost('bridge', 'fdb')],
  ['ip -br link', (m) => renderLinks(m.host, m.dp), () => inHost('ip', '-br', 'link')],
  ['ip addr', (m) => renderAddrs(m.host, m.dp, (id) => (id === 'pod/default/web' ? POD : undefined)), () => inHost('ip', 'addr')],
  ['brctl show', (m) => renderBridges(m.host), () => inHost('brctl', 'show')],
];

for (const [name, render, kernel] of views) {
  test(`${name} prints what the renderer prints`, (t) => {
    if (skip) {
      t.skip(skip);
      return;
    }
    assert.equal(render(model()), kernel());
  });
}
