/**
 * The CNI's own settings drive the dataplane: each test reads a verbatim upstream manifest
 * (test/fixtures/upstream/, with its provenance), changes one value the way a user would, loads it
 * beside a Cluster document, and checks the routes, devices or a trace against what the
 * component's source says it does with that value (cited per test).
 */

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { renderRoutes } from '../../src/engine/render/routes';
import type { Ipv4Header, Trace } from '../../src/engine/trace/types';

const root = path.join(__dirname, '..', '..', '..');
const upstream = (rel: string) => readFileSync(path.join(root, 'test/fixtures/upstream', rel), 'utf8');
const CALICO = upstream('calico/manifests__calico.yaml');
const CALICO_VXLAN = upstream('calico/manifests__calico-vxlan.yaml');
const OPERATOR = upstream('calico/manifests__custom-resources.yaml');
const FLANNEL = upstream('flannel/Documentation__kube-flannel.yml');
const WEAVE = upstream('weave/prog__weave-kube__weave-daemonset-k8s-1.11.yaml');
const AWS = upstream('amazon-vpc-cni-k8s/config__master__aws-k8s-cni.yaml');
const MACVLAN = upstream('multus-cni/examples__macvlan-pod.yml');
const CANAL = upstream('calico/manifests__canal.yaml');

/** Replaces exactly one occurrence, so a changed upstream file fails here rather than testing nothing. */
function flip(text: string, from: string | RegExp, to: string): string {
  const count = typeof from === 'string' ? text.split(from).length - 1 : (text.match(new RegExp(from.source, 'g')) ?? []).length;
  assert.equal(count, 1, `${String(from)} occurs once in the manifest`);
  return text.replace(from, to);
}

/** One env entry of a container, `value: "X"` form, set to a new value. */
const setEnv = (text: string, name: string, value: string) => flip(text, new RegExp(`(- name: ${name}\\n\\s+value: )"[^"]*"`), `$1"${value}"`);

/** A literal env entry added after an existing one, at its indentation. */
function addEnvAfter(text: string, after: string, name: string, value: string): string {
  const m = new RegExp(`\\n( +)- name: ${after}\\n\\s+value: "[^"]*"`).exec(text);
  assert.ok(m, `${after} is in the manifest`);
  const at = m.index + m[0].length;
  return `${text.slice(0, at)}\n${m[1]}- name: ${name}\n${m[1]}  value: "${value}"${text.slice(at)}`;
}

interface NodeOpts {
  readonly cni?: string;
  readonly clusterCIDR?: string;
  readonly nodes?: string;
}

const twoNodes = `
  - {name: node-1, address: 10.0.0.11, gateway: 10.0.0.1, labels: {kubernetes.io/os: linux}}
  - {name: node-2, address: 10.0.0.12, gateway: 10.0.0.1, labels: {kubernetes.io/os: linux}}`;

const awsNodes = `
  - name: node-1
    address: 192.168.12.34
    prefixLength: 19
    gateway: 192.168.0.1
    labels: {kubernetes.io/os: linux}
    enis: [{name: eth0, mac: 02:4f:6a:1c:2e:11, primary: 192.168.12.34, secondary: [192.168.5.201]}]
  - name: node-2
    address: 192.168.20.7
    prefixLength: 19
    gateway: 192.168.0.1
    labels: {kubernetes.io/os: linux}
    enis: [{name: eth0, mac: 02:91:b3:5d:07:21, primary: 192.168.20.7, secondary: [192.168.3.140]}]`;

/** A Cluster document (without `cni:` unless given), the manifest, and one pod per node. */
function stream(manifest: string, o: NodeOpts = {}, extra = ''): string {
  // The nodes carry the kubelet's kubernetes.io/os label, which the upstream nodeSelectors ask for.
  return `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: upstream}
spec:
${o.clusterCIDR ? `  clusterCIDR: ${o.clusterCIDR}\n` : ''}${o.cni ? `  cni: ${o.cni}\n` : ''}  nodes:${o.nodes ?? twoNodes}
---
${manifest}
---
apiVersion: v1
kind: Pod
metadata: {name: web, namespace: default}
spec: {nodeName: node-1, containers: [{name: c, ports: [{containerPort: 80}]}]}
---
apiVersion: v1
kind: Pod
metadata: {name: db, namespace: default}
spec: {nodeName: node-2, containers: [{name: c, ports: [{containerPort: 5432}]}]}
${extra}`;
}

function load(text: string): { t: Topology; d: readonly Diagnostic[] } {
  const r = loadTopology({ path: 'upstream.yaml', text }, nodeHost);
  const errors = r.diagnostics.filter((x) => x.severity === 'error');
  assert.deepEqual(errors.map((x) => `${x.code} ${x.line} ${x.message}`), [], 'no errors');
  assert.ok(r.value);
  return { t: r.value, d: r.diagnostics };
}

/** The node's main table as `ip route` prints it (what `show --table routes` prints). */
function routes(t: Topology, node = 'node-1'): string[] {
  return renderRoutes(deriveDataplane(t).namespace(`node/${node}`)!).trimEnd().split('\n').map((l) => l.trimEnd());
}

const devices = (t: Topology, node = 'node-1') => deriveDataplane(t).namespace(`node/${node}`)!.devices.map((d) => d.name);
const block = (t: Topology, node: string) => t.nodes.find((n) => n.name === node)!.podCIDR;
const of = (d: readonly Diagnostic[], code: string) => d.filter((x) => x.code === code);
/** The line of `text` (1-based) where `needle` first occurs, counting the Cluster's lines before the manifest. */
const lineOf = (text: string, needle: string) => text.slice(0, text.indexOf(needle)).split('\n').length;

function trace(t: Topology, from: string, to: string): Trace {
  const r = tryTraceFlow(createEngine(t), { from, to });
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}
/** The source address the packet leaves with: after the last source NAT of the walk, if any. */
function lastSource(tr: Trace): string {
  const nat = [...tr.hops.flatMap((h) => h.steps), ...tr.final].filter((s) => s.kind === 'nat' && s.changes.src).at(-1);
  if (nat?.kind === 'nat') return nat.changes.src![1].split(':')[0]!;
  return tr.hops.at(-1)!.headers.find((h): h is Ipv4Header => h.layer === 'ipv4')!.src;
}

// ----------------------------------------------------------------------------------------------
// Calico, manifests/calico.yaml and calico-vxlan.yaml: calico-node's environment and calico-config.

test('no cni in the Cluster: calico.yaml is simulated as Calico, and the load says so at the calico-node DaemonSet', () => {
  const text = stream(CALICO);
  const { t, d } = load(text);
  assert.equal(t.cluster.cni.plugin, 'calico');
  const info = of(d, 'PW5006');
  assert.equal(info.length, 1);
  assert.equal(info[0]!.severity, 'info');
  assert.match(info[0]!.message, /uses calico, which the calico-node DaemonSet installs/);
  assert.equal(info[0]!.line, lineOf(text, 'kind: DaemonSet\napiVersion: apps/v1\nmetadata:\n  name: calico-node') + 3, 'located at the DaemonSet');
  // CALICO_IPV4POOL_CIDR is commented out: calico-node's DEFAULT_IPV4_POOL_CIDR (startup.go).
  assert.equal(t.cluster.clusterCIDR, '192.168.0.0/16');
  // CALICO_IPV4POOL_IPIP "Always" with calico_backend "bird": peer blocks through tunl0, written by BIRD.
  assert.ok(routes(t).includes(`${block(t, 'node-2')} via 10.0.0.12 dev tunl0 proto bird onlink`), routes(t).join('\n'));
  assert.ok(devices(t).includes('tunl0'));
});

test('no cni in the Cluster: calico-vxlan.yaml is Calico with VXLAN CrossSubnet, no longer flannel', () => {
  const { t } = load(stream(CALICO_VXLAN));
  assert.equal(t.cluster.cni.plugin, 'calico');
  assert.deepEqual([t.cluster.cni.plugin === 'calico' && t.cluster.cni.vxlanMode, t.cluster.cni.plugin === 'calico' && t.cluster.cni.backend], ['CrossSubnet', 'vxlan']);
  // Same subnet: Felix's unencapsulated route (proto 80); a node on another subnet goes through vxlan.calico.
  assert.ok(routes(t).includes(`${block(t, 'node-2')} via 10.0.0.12 dev eth0 proto 80 onlink`), routes(t).join('\n'));
  const far = load(stream(CALICO_VXLAN, { nodes: `${twoNodes}\n  - {name: node-3, address: 10.0.1.13, prefixLength: 24, gateway: 10.0.1.1, labels: {kubernetes.io/os: linux}}` })).t;
  assert.ok(routes(far).some((r) => r.startsWith(`${block(far, 'node-3')} via `) && r.endsWith('dev vxlan.calico onlink')), routes(far).join('\n'));
});

test('CALICO_IPV4POOL_IPIP: Never gives plain BGP routes over eth0 and no tunl0; CrossSubnet keeps same-subnet peers unencapsulated', () => {
  // startup.go createIPPool: "never" → IPIPModeNever, "crosssubnet" → IPIPModeCrossSubnet.
  const never = load(stream(setEnv(CALICO, 'CALICO_IPV4POOL_IPIP', 'Never'))).t;
  assert.ok(routes(never).includes(`${block(never, 'node-2')} via 10.0.0.12 dev eth0 proto bird`), routes(never).join('\n'));
  assert.ok(!devices(never).includes('tunl0'));
  const cross = load(stream(setEnv(CALICO, 'CALICO_IPV4POOL_IPIP', 'CrossSubnet'))).t;
  assert.ok(routes(cross).includes(`${block(cross, 'node-2')} via 10.0.0.12 dev eth0 proto bird`));
  assert.ok(devices(cross).includes('tunl0'), 'the tunnel device still exists for peers off the subnet');
});

test('CALICO_IPV4POOL_IPIP with a value calico-node does not know is an error at the value (calico-node exits)', () => {
  const text = stream(setEnv(CALICO, 'CALICO_IPV4POOL_IPIP', 'Sometimes'));
  const r = loadTopology({ path: 'upstream.yaml', text }, nodeHost);
  const bad = of(r.diagnostics, 'PW5008');
  assert.equal(bad.length, 1);
  assert.equal(bad[0]!.line, lineOf(text, '"Sometimes"'));
});

test('CALICO_IPV4POOL_VXLAN Always (calico-vxlan.yaml): every peer block through vxlan.calico, written by Felix', () => {
  const { t } = load(stream(setEnv(CALICO_VXLAN, 'CALICO_IPV4POOL_VXLAN', 'Always')));
  const peer = t.nodes.find((n) => n.name === 'node-2')!;
  // The peer's VTEP address is the first address of its block (Calico's IPAM gives the tunnel the first).
  const vtep = peer.podCIDR.split('/')[0];
  assert.ok(routes(t).includes(`${peer.podCIDR} via ${vtep} dev vxlan.calico onlink`), routes(t).join('\n'));
  assert.ok(devices(t).includes('vxlan.calico'));
});

test('CALICO_IPV4POOL_CIDR: uncommented with another range, the blocks come from it', () => {
  const text = flip(CALICO, '# - name: CALICO_IPV4POOL_CIDR\n            #   value: "192.168.0.0/16"', '- name: CALICO_IPV4POOL_CIDR\n              value: "10.10.0.0/16"');
  const { t } = load(stream(text));
  assert.equal(t.cluster.clusterCIDR, '10.10.0.0/16');
  assert.match(block(t, 'node-1'), /^10\.10\.\d+\.\d+\/26$/);
  assert.ok(routes(t).includes(`${block(t, 'node-2')} via 10.0.0.12 dev tunl0 proto bird onlink`));
  // CALICO_IPV4POOL_BLOCK_SIZE (startup.go, parseBlockSizeEnvironment): the nodes' blocks take its size.
  const blocks24 = load(stream(addEnvAfter(text, 'CALICO_IPV4POOL_CIDR', 'CALICO_IPV4POOL_BLOCK_SIZE', '24'))).t;
  assert.match(block(blocks24, 'node-2'), /^10\.10\.\d+\.0\/24$/);
  // A Cluster clusterCIDR that disagrees is followed, with a warning at the environment's value.
  const { d } = load(stream(text, { clusterCIDR: '10.20.0.0/16' }));
  assert.ok(of(d, 'PW5003').some((w) => w.line === lineOf(stream(text, { clusterCIDR: '10.20.0.0/16' }), '"10.10.0.0/16"') && /blocks from the pool/.test(w.message)));
});

test('CALICO_IPV4POOL_NAT_OUTGOING: the default (true) masquerades pod traffic leaving the pool; "false" keeps the pod address', () => {
  // startup.go: evaluateENVBool("CALICO_IPV4POOL_NAT_OUTGOING", true); only false/0/no/n/f turn it off.
  const on = load(stream(CALICO)).t;
  const pod = on.pods.find((p) => p.name === 'web')!;
  assert.equal(lastSource(trace(on, 'pod/default/web', 'ip/1.1.1.1:443')), '10.0.0.11');
  const off = load(stream(addEnvAfter(CALICO, 'CALICO_IPV4POOL_VXLAN', 'CALICO_IPV4POOL_NAT_OUTGOING', 'false'))).t;
  assert.equal(lastSource(trace(off, 'pod/default/web', 'ip/1.1.1.1:443')), pod.ip);
});

test('calico_backend "vxlan" with an IPIP pool: no BIRD, Felix writes the tunl0 routes (proto 80)', () => {
  // node/filesystem/etc/rc.local: "CALICO_NETWORKING_BACKEND is vxlan - no need to run a BGP daemon";
  // felix/config/config_params.go: ProgramClusterRoutes defaults to EnabledIPIPOnly.
  const { t, d } = load(stream(flip(CALICO, 'calico_backend: "bird"', 'calico_backend: "vxlan"')));
  assert.ok(routes(t).includes(`${block(t, 'node-2')} via 10.0.0.12 dev tunl0 proto 80 onlink`), routes(t).join('\n'));
  assert.deepEqual(of(d, 'PW5003'), []);
});

test('calico_backend "none" with an unencapsulated pool: no route to the peer block, and a warning quoting calico-node', () => {
  const text = flip(setEnv(CALICO, 'CALICO_IPV4POOL_IPIP', 'Never'), 'calico_backend: "bird"', 'calico_backend: "none"');
  const { t, d } = load(stream(text));
  assert.ok(!routes(t).some((r) => r.startsWith(block(t, 'node-2'))), routes(t).join('\n'));
  const warn = of(d, 'PW5003');
  assert.equal(warn.length, 1);
  assert.match(warn[0]!.message, /no BGP daemon running/);
  assert.equal(warn[0]!.line, lineOf(stream(text), 'calico_backend: "none"'));
  // The walk then follows the default route off the node instead of reaching the peer.
  assert.notEqual(trace(t, 'pod/default/web', 'pod/default/db').disposition, 'DELIVERED');
});

test('a Cluster document that contradicts the manifest: located at the manifest value, saying what calico-node does', () => {
  const text = stream(CALICO, { cni: '{plugin: calico, backend: vxlan, vxlanMode: Always}' });
  const { t, d } = load(text);
  assert.equal(t.cluster.cni.plugin === 'calico' && t.cluster.cni.vxlanMode, 'Always', 'the simulation follows the Cluster document');
  const warns = of(d, 'PW5003').map((w) => [w.line, w.message] as const);
  const backend = warns.find(([line]) => line === lineOf(text, 'calico_backend: "bird"'));
  assert.ok(backend, `a warning at calico_backend: ${JSON.stringify(warns)}`);
  assert.match(backend[1], /calico_backend says "bird" but the Cluster document says "vxlan" \(calico-node runs BIRD only with "bird"/);
  const vxlanLine = lineOf(text, 'CALICO_IPV4POOL_VXLAN\n              value: "Never"') + 1;
  assert.ok(warns.some(([line, m]) => line === vxlanLine && /vxlanMode says "Never" but the Cluster document says "Always"/.test(m)), JSON.stringify(warns));
});

test('no cni in the Cluster: each manifest names its plugin (canal before the calico-node container it holds)', () => {
  const cases: [string, string, string | RegExp][] = [
    [CANAL, 'canal', 'the canal DaemonSet'],
    [FLANNEL, 'flannel', 'the kube-flannel-ds DaemonSet'],
    [WEAVE, 'weave', 'the weave-net DaemonSet'],
    [AWS, 'aws-vpc', 'the aws-node DaemonSet'],
  ];
  for (const [manifest, plugin, what] of cases) {
    const { t, d } = load(stream(manifest, plugin === 'aws-vpc' ? { clusterCIDR: '192.168.0.0/16', nodes: awsNodes } : {}));
    assert.equal(t.cluster.cni.plugin, plugin);
    assert.ok(of(d, 'PW5006').some((x) => x.message.includes(`uses ${plugin}, which ${String(what)} installs`)), plugin);
  }
});

test('the Cluster names another plugin than the manifest installs: a warning at the DaemonSet', () => {
  const { t, d } = load(stream(CALICO, { cni: '{plugin: flannel}' }));
  assert.equal(t.cluster.cni.plugin, 'flannel');
  assert.ok(of(d, 'PW5003').some((w) => /the calico-node DaemonSet installs calico but the Cluster document says "flannel"/.test(w.message)));
});

// ----------------------------------------------------------------------------------------------
// The operator's Installation (manifests/custom-resources.yaml) and IPPool objects.

test('Installation ipPools: VXLANCrossSubnet as shipped; IPIP, None and natOutgoing Disabled each change the dataplane', () => {
  // operator.tigera.io_installations.yaml: encapsulation IPIP|IPIPCrossSubnet|VXLAN|VXLANCrossSubnet|None, natOutgoing Enabled|Disabled.
  const shipped = load(stream(OPERATOR));
  assert.equal(shipped.t.cluster.cni.plugin, 'calico');
  assert.match(of(shipped.d, 'PW5006')[0]!.message, /the default Installation/);
  assert.ok(routes(shipped.t).includes(`${block(shipped.t, 'node-2')} via 10.0.0.12 dev eth0 proto 80 onlink`), routes(shipped.t).join('\n'));
  const ipip = load(stream(flip(OPERATOR, 'encapsulation: VXLANCrossSubnet', 'encapsulation: IPIP'))).t;
  assert.ok(routes(ipip).includes(`${block(ipip, 'node-2')} via 10.0.0.12 dev tunl0 proto bird onlink`), routes(ipip).join('\n'));
  const none = load(stream(flip(OPERATOR, 'encapsulation: VXLANCrossSubnet', 'encapsulation: None'))).t;
  assert.ok(routes(none).includes(`${block(none, 'node-2')} via 10.0.0.12 dev eth0 proto bird`));
  assert.ok(!devices(none).some((x) => x === 'tunl0' || x === 'vxlan.calico'));
  const cidr = load(stream(flip(OPERATOR, 'cidr: 192.168.0.0/16', 'cidr: 172.20.0.0/16'))).t;
  assert.match(block(cidr, 'node-1'), /^172\.20\./);
  const noNat = load(stream(flip(OPERATOR, 'natOutgoing: Enabled', 'natOutgoing: Disabled'))).t;
  assert.equal(lastSource(trace(noNat, 'pod/default/web', 'ip/1.1.1.1:443')), noNat.pods.find((p) => p.name === 'web')!.ip);
  assert.equal(lastSource(trace(shipped.t, 'pod/default/web', 'ip/1.1.1.1:443')), '10.0.0.11');
});

test("an IPPool's left-out fields take Calico's API defaults: no tunnel, no MASQUERADE", () => {
  // libcalico-go/lib/clientv3/ippool.go: IPIPMode and VXLANMode default to Never; NATOutgoing is a bool, false when left out.
  const pool = 'apiVersion: crd.projectcalico.org/v1\nkind: IPPool\nmetadata: {name: bare}\nspec: {cidr: 192.168.0.0/16}';
  const { t } = load(stream(pool, { cni: '{plugin: calico}' }));
  assert.deepEqual(t.cluster.cni.plugin === 'calico' && [t.cluster.cni.ipipMode, t.cluster.cni.vxlanMode, t.cluster.cni.natOutgoing], ['Never', 'Never', false]);
  assert.ok(!devices(t).includes('tunl0'));
  assert.ok(routes(t).includes(`${block(t, 'node-2')} via 10.0.0.12 dev eth0 proto bird`));
  assert.equal(lastSource(trace(t, 'pod/default/web', 'ip/1.1.1.1:443')), t.pods.find((p) => p.name === 'web')!.ip);
});

// ----------------------------------------------------------------------------------------------
// flannel, Documentation/kube-flannel.yml.

test("flannel: a net-conf.json Network that does not hold the nodes' podCIDRs is an error, as flanneld refuses to start", () => {
  // pkg/subnet/kube/kube.go: "subnet %q specified in the flannel net config doesn't contain %q PodCIDR of the %q node".
  const nodes = `
  - {name: node-1, address: 10.0.0.11, podCIDR: 10.244.0.0/24, labels: {kubernetes.io/os: linux}}
  - {name: node-2, address: 10.0.0.12, podCIDR: 10.244.1.0/24, labels: {kubernetes.io/os: linux}}`;
  const ok = load(stream(FLANNEL, { clusterCIDR: '10.244.0.0/16', nodes }));
  assert.equal(ok.t.cluster.cni.plugin, 'flannel');
  const text = stream(flip(FLANNEL, '"Network": "10.244.0.0/16"', '"Network": "10.245.0.0/16"'), { clusterCIDR: '10.244.0.0/16', nodes });
  const r = loadTopology({ path: 'upstream.yaml', text }, nodeHost);
  const err = of(r.diagnostics, 'PW5007');
  assert.equal(err.length, 1);
  assert.equal(err[0]!.severity, 'error');
  assert.match(err[0]!.message, /Network 10\.245\.0\.0\/16 does not hold the podCIDR of node-1 \(10\.244\.0\.0\/24\), node-2 \(10\.244\.1\.0\/24\)/);
  assert.equal(err[0]!.line, lineOf(text, 'net-conf.json: |'));
});

// ----------------------------------------------------------------------------------------------
// Weave Net, prog/weave-kube/weave-daemonset-k8s-1.11.yaml (its settings are env of the weave container).

test('weave: fastdp by default; WEAVE_NO_FASTDP set to anything makes it sleeve (launch.sh: [ -z "$WEAVE_NO_FASTDP" ] || echo --no-fastdp)', () => {
  const fast = load(stream(WEAVE)).t;
  assert.equal(fast.cluster.cni.plugin, 'weave');
  assert.ok(devices(fast).includes('vxlan-6784') && !devices(fast).includes('vethwe-pcap'));
  for (const value of ['1', 'false']) {
    const slow = load(stream(addEnvAfter(WEAVE, 'INIT_CONTAINER', 'WEAVE_NO_FASTDP', value))).t;
    assert.equal(slow.cluster.cni.plugin === 'weave' && slow.cluster.cni.mode, 'sleeve', `WEAVE_NO_FASTDP=${value}`);
    assert.ok(devices(slow).includes('vethwe-pcap') && !devices(slow).includes('vxlan-6784'));
  }
});

test("weave: IPALLOC_RANGE (launch.sh's default 10.32.0.0/12) is the range on the weave bridge", () => {
  const shipped = load(stream(WEAVE)).t;
  assert.ok(routes(shipped).some((r) => r.startsWith('10.32.0.0/12 dev weave proto kernel')), routes(shipped).join('\n'));
  const moved = load(stream(addEnvAfter(WEAVE, 'INIT_CONTAINER', 'IPALLOC_RANGE', '10.200.0.0/16'))).t;
  assert.equal(moved.cluster.clusterCIDR, '10.200.0.0/16');
  assert.ok(routes(moved).some((r) => r.startsWith('10.200.0.0/16 dev weave proto kernel')), routes(moved).join('\n'));
  assert.match(moved.pods.find((p) => p.name === 'web')!.ip, /^10\.200\./);
  // A clusterCIDR of the Cluster that disagrees is simulated, with a warning at IPALLOC_RANGE.
  const { d } = load(stream(addEnvAfter(WEAVE, 'INIT_CONTAINER', 'IPALLOC_RANGE', '10.200.0.0/16'), { clusterCIDR: '10.32.0.0/12' }));
  assert.ok(of(d, 'PW5003').some((w) => /IPALLOC_RANGE says "10\.200\.0\.0\/16" but the Cluster document says "10\.32\.0\.0\/12" \(weave allocates pod addresses from IPALLOC_RANGE/.test(w.message)));
});

// ----------------------------------------------------------------------------------------------
// AWS VPC CNI, config/master/aws-k8s-cni.yaml.


test('aws-vpc: AWS_VPC_K8S_CNI_EXTERNALSNAT "false" SNATs pod traffic leaving the VPC to the node; "true" leaves it to the NAT gateway', () => {
  // pkg/networkutils/network.go buildIptablesSNATRules: every SNAT rule has shouldExist: !n.useExternalSNAT.
  const o = { clusterCIDR: '192.168.0.0/16', nodes: awsNodes };
  const snat = load(stream(AWS, o)).t;
  assert.equal(snat.cluster.cni.plugin, 'aws-vpc');
  const web = snat.pods.find((p) => p.name === 'web')!;
  assert.equal(web.ip, '192.168.5.201');
  assert.equal(lastSource(trace(snat, 'pod/default/web', 'ip/1.1.1.1:443')), '192.168.12.34');
  const external = load(stream(setEnv(AWS, 'AWS_VPC_K8S_CNI_EXTERNALSNAT', 'true'), o)).t;
  assert.equal(lastSource(trace(external, 'pod/default/web', 'ip/1.1.1.1:443')), '192.168.5.201');
});

test('aws-vpc: AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS returns before the SNAT rule for the listed destinations only', () => {
  // network.go: the excluded CIDRs follow the VPC CIDRs in AWS-SNAT-CHAIN-0 with the comment "AWS SNAT CHAIN EXCLUSION".
  const o = { clusterCIDR: '192.168.0.0/16', nodes: awsNodes };
  const t = load(stream(addEnvAfter(AWS, 'AWS_VPC_K8S_CNI_EXTERNALSNAT', 'AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS', '1.1.1.0/24, not-a-cidr'), o)).t;
  assert.deepEqual(t.cluster.cni.plugin === 'aws-vpc' && t.cluster.cni.excludeSnatCidrs, ['1.1.1.0/24']);
  const excluded = trace(t, 'pod/default/web', 'ip/1.1.1.1:443');
  assert.equal(lastSource(excluded), '192.168.5.201');
  assert.ok([...excluded.hops.flatMap((h) => h.steps), ...excluded.final].some((s) => s.kind === 'netfilter' && s.rule.includes('"AWS SNAT CHAIN EXCLUSION" -j RETURN')));
  assert.equal(lastSource(trace(t, 'pod/default/web', 'ip/8.8.8.8:443')), '192.168.12.34');
});

// ----------------------------------------------------------------------------------------------
// Multus + macvlan, examples/macvlan-pod.yml.

const oneNode = `
  - {name: node-1, address: 10.0.0.11, gateway: 10.0.0.1, labels: {kubernetes.io/os: linux}}`;

/** The example's pod again, under another name and address, so two macvlans share node-1's eth0. */
function secondPod(text: string): string {
  const podDoc = text.slice(text.indexOf('apiVersion: v1\nkind: Pod'));
  return flip(flip(podDoc, 'name: samplepod\n  annotations', 'name: samplepod-2\n  annotations'), '"10.1.1.101/24"', '"10.1.1.102/24"').replace('"mac": "c2:b0:57:49:47:f1",', '');
}

test('multus: the upstream macvlan-pod.yml loads; static IPAM takes the address from the request\'s "ips" (capabilities ips)', () => {
  const { t } = load(stream(MACVLAN, { nodes: oneNode }).replace(/spec: \{nodeName: node-2[^\n]*/, 'spec: {nodeName: node-1, containers: [{name: c}]}'));
  const pod = t.pods.find((p) => p.name === 'samplepod')!;
  assert.deepEqual(pod.secondaryInterfaces.map((i) => [i.name, i.address, i.prefixLength]), [['net1', '10.1.1.101', 24]]);
  const ns = deriveDataplane(t).namespace('pod/default/samplepod')!;
  const net1 = ns.devices.find((d) => d.name === 'net1')!;
  assert.deepEqual([net1.kind, net1.kind === 'macvlan' && net1.mode, net1.addresses.map((a) => `${a.address}/${a.prefixLength}`)], ['macvlan', 'bridge', ['10.1.1.101/24']]);
  // The request's "gateway": Multus deletes eth0's default route and sets one via 10.1.1.1 on net1
  // (pkg/types/conf.go CheckGatewayConfig; pkg/multus/multus.go DeleteDefaultGW, SetDefaultGW).
  const main = renderRoutes(ns).trimEnd().split('\n').map((l) => l.trimEnd());
  assert.ok(main.includes('default via 10.1.1.1 dev net1'), main.join('\n'));
  assert.ok(!main.some((r) => r.startsWith('default ') && r.includes('dev eth0')), main.join('\n'));
  const web = renderRoutes(deriveDataplane(t).namespace('pod/default/web')!);
  assert.match(web, /^default via \S+ dev eth0/m, 'a pod without the request keeps its default route');
});

test('multus: without "capabilities": {"ips": true} libcni does not pass the ips, and a static IPAM without addresses has none to give', () => {
  const text = stream(flip(MACVLAN, '"capabilities": { "ips": true },', ''), { nodes: oneNode }).replace(/spec: \{nodeName: node-2[^\n]*/, 'spec: {nodeName: node-1, containers: [{name: c}]}');
  const r = loadTopology({ path: 'upstream.yaml', text }, nodeHost);
  assert.ok(of(r.diagnostics, 'PW5005').some((x) => /static IPAM, which has no address for pod default\/samplepod/.test(x.message)));
  const withAddresses = flip(flip(MACVLAN, '"capabilities": { "ips": true },', ''), '"type": "static",', '"type": "static", "addresses": [{"address": "10.1.1.50/24"}],');
  const { t } = load(stream(withAddresses, { nodes: oneNode }).replace(/spec: \{nodeName: node-2[^\n]*/, 'spec: {nodeName: node-1, containers: [{name: c}]}'));
  assert.equal(t.pods.find((p) => p.name === 'samplepod')!.secondaryInterfaces[0]!.address, '10.1.1.50');
});

test('multus: macvlan mode bridge lets two pods on one master talk; private drops it, as the kernel does (docs/kernel-facts.md)', () => {
  const both = (nad: string) => {
    const text = stream(`${nad}\n---\n${secondPod(MACVLAN)}`, { nodes: oneNode }).replace(/spec: \{nodeName: node-2[^\n]*/, 'spec: {nodeName: node-1, containers: [{name: c}]}');
    return load(text).t;
  };
  const bridge = both(MACVLAN);
  assert.equal(trace(bridge, 'pod/default/samplepod', 'ip/10.1.1.102:80').disposition, 'DELIVERED');
  for (const mode of ['private', 'vepa']) {
    const t = both(flip(MACVLAN, '"mode": "bridge",', `"mode": "${mode}",`));
    const net1 = deriveDataplane(t).namespace('pod/default/samplepod')!.devices.find((d) => d.name === 'net1')!;
    assert.equal(net1.kind === 'macvlan' && net1.mode, mode);
    assert.notEqual(trace(t, 'pod/default/samplepod', 'ip/10.1.1.102:80').disposition, 'DELIVERED', mode);
  }
});
