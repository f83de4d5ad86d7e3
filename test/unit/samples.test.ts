import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { formatDiagnostic } from '../../src/engine/diagnostics';
import { loadTopology } from '../../src/engine/model/load';
import { restoreLines } from '../../src/engine/proxy/index';
import type { NodeInfo, Pod, Service, Topology } from '../../src/engine/model/types';

const samplesDir = path.resolve(__dirname, '../../../samples');
const sampleFiles = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml')).sort();

/** The comment block a sample opens with: it names the article and scenario it reproduces. */
function header(text: string): string[] {
  const lines: string[] = [];
  for (const line of text.split('\n')) {
    if (!line.startsWith('#')) break;
    lines.push(line);
  }
  return lines;
}

/** Codes a sample is meant to produce, from `# expect: PW1234 PW5678` header lines. */
function expectedCodes(text: string): string[] {
  return header(text)
    .flatMap((l) => /^# expect: (.+)$/.exec(l)?.[1]?.split(/[\s,]+/) ?? [])
    .filter((c) => c !== '')
    .sort();
}

function load(file: string): { topology: Topology; codes: string[]; shown: string } {
  const full = path.join(samplesDir, file);
  const result = loadTopology({ path: full, text: readFileSync(full, 'utf8') }, nodeHost);
  const shown = result.diagnostics.map(formatDiagnostic).join('\n');
  assert.ok(result.value, `${file} gave no topology:\n${shown}`);
  return { topology: result.value, codes: result.diagnostics.map((d) => d.code).sort(), shown };
}

function node(t: Topology, name: string): NodeInfo {
  const found = t.nodes.find((n) => n.name === name);
  assert.ok(found, `no node ${name}`);
  return found;
}

function pod(t: Topology, namespace: string, name: string): Pod {
  const found = t.pods.find((p) => p.namespace === namespace && p.name === name);
  assert.ok(found, `no pod ${namespace}/${name}`);
  return found;
}

function podAt(t: Topology, ip: string): Pod {
  const found = t.pods.find((p) => p.ip === ip && !p.hostNetwork);
  assert.ok(found, `no pod with IP ${ip}`);
  return found;
}

function service(t: Topology, namespace: string, name: string): Service {
  const found = t.services.find((s) => s.namespace === namespace && s.name === name);
  assert.ok(found, `no service ${namespace}/${name}`);
  return found;
}

/** Ready endpoint addresses of a Service, sorted, whatever slices they come from. */
function readyEndpoints(t: Topology, namespace: string, name: string): string[] {
  return t.endpointSlices
    .filter((s) => s.namespace === namespace && s.serviceName === name)
    .flatMap((s) => s.endpoints.filter((e) => e.conditions.ready).flatMap((e) => e.addresses))
    .sort();
}

/** The seed 002 cluster, shared by its three variants. */
function seed002(t: Topology): void {
  assert.deepEqual(t.nodes.map((n) => [n.name, n.address, n.podCIDR, n.interface]), [
    ['master', '192.168.205.4', '10.42.0.0/24', 'enp0s1'],
    ['node1', '192.168.205.3', '10.42.1.0/24', 'enp0s1'],
    ['node2', '192.168.205.5', '10.42.2.0/24', 'enp0s1'],
  ]);
  assert.equal(podAt(t, '10.42.0.65').nodeName, 'master');
  assert.equal(podAt(t, '10.42.1.9').nodeName, 'node1');
  seed002Service(t);
  assert.equal(podAt(t, '10.42.1.6').nodeName, 'node1');
  assert.equal(podAt(t, '10.42.2.6').nodeName, 'node2');
  assert.equal(t.externals.find((e) => e.name === 'client')?.address, '192.168.205.100');
}

function calico(t: Topology, ipipMode: string, vxlanMode: string): void {
  // The IPPool document, not the Cluster's defaults, decides the encapsulation.
  assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'calico', ipipMode, vxlanMode, natOutgoing: true, blockSize: 26 });
  assert.equal(t.cluster.clusterCIDR, '192.168.0.0/16');
  assert.deepEqual(readyEndpoints(t, 'default', 'backend'), ['192.168.219.66', '192.168.84.129']);
  assert.equal(pod(t, 'default', 'backend-1').nodeName, 'worker-2');
}

function weave(t: Topology, mode: string): void {
  assert.deepEqual(t.cluster.cni, { plugin: 'weave', mode, mtu: 1376 });
  assert.deepEqual(t.nodes.map((n) => n.podCIDR), ['10.32.0.0/13', '10.40.0.0/14', '10.44.0.0/14']);
  assert.deepEqual(t.pods.map((p) => [p.name, p.nodeName, p.ip]), [
    ['web-1', 'weave-1', '10.32.0.2'], ['web-2', 'weave-2', '10.40.0.1'], ['client', 'weave-3', '10.44.0.1'],
  ]);
}

/** The shop namespace of canal-policy.yaml and its flannel twin. */
function shopPolicy(t: Topology): void {
  assert.deepEqual(t.policies.map((p) => [p.namespace, p.name, p.podSelector.matchLabels, p.policyTypes]), [
    ['shop', 'db-allow-backend', { app: 'db' }, ['Ingress']],
  ]);
  const rule = t.policies[0]!.ingress[0]!;
  assert.deepEqual(rule.peers.map((peer) => peer.podSelector?.matchLabels), [{ app: 'backend' }]);
  assert.deepEqual(rule.ports.map((p) => [p.protocol, p.port]), [['TCP', 5432]]);
  assert.equal(pod(t, 'shop', 'db').nodeName, 'node-b');
  assert.deepEqual(readyEndpoints(t, 'shop', 'db'), [pod(t, 'shop', 'db').ip]);
}

function seed002Service(t: Topology, name = 'nginx-test-service'): void {
  const svc = service(t, 'default', name);
  assert.equal(svc.clusterIP, '10.43.6.58');
  assert.equal(svc.type, 'NodePort');
  assert.deepEqual(svc.ports.map((p) => [p.name, p.port, p.nodePort, p.protocol]), [['80-80', 80, 32506, 'TCP']]);
  assert.deepEqual(readyEndpoints(t, 'default', name), ['10.42.1.6', '10.42.2.6']);
}

/** What each sample must say once loaded: the facts its seed prints. */
const keyFacts: Record<string, (t: Topology) => void> = {
  'seed000-flannel-vxlan.yaml': (t) => {
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', backend: 'vxlan', vni: 1, port: 8472, mtu: 1450 });
    assert.equal(t.cluster.clusterCIDR, '10.244.0.0/16');
    assert.deepEqual(t.nodes.map((n) => [n.address, n.podCIDR]), [
      ['192.168.152.131', '10.244.0.0/24'], ['192.168.152.132', '10.244.1.0/24'], ['192.168.152.133', '10.244.2.0/24'],
    ]);
    const master = node(t, 'k8s-master');
    assert.equal(master.interface, 'ens32');
    assert.deepEqual(master.extraRoutes, [
      'default via 192.168.152.2 dev ens32 proto static metric 100',
      '169.254.0.0/16 dev ens32 scope link metric 1000',
      '192.168.152.0/24 dev ens32 proto kernel scope link src 192.168.152.131 metric 100',
    ]);
    assert.deepEqual(master.extraInterfaces.map((i) => [i.name, i.kind, i.address, i.mac, i.up]), [['docker0', 'bridge', '172.17.0.1/16', '02:42:84:ed:ea:d3', false]]);
    // Only the two coredns pods have pod-network addresses on the master: the two veths on cni0.
    const onMaster = t.pods.filter((p) => p.nodeName === 'k8s-master');
    assert.deepEqual(onMaster.filter((p) => !p.hostNetwork).map((p) => [p.name, p.ip]).sort(), [
      ['coredns-7bdc4cb885-6kzwr', '10.244.0.74'], ['coredns-7bdc4cb885-g5n5w', '10.244.0.75'],
    ]);
    assert.ok(onMaster.filter((p) => p.hostNetwork).length >= 6, 'the control-plane, kube-proxy and flannel pods use the host network');
    assert.ok(onMaster.filter((p) => p.hostNetwork).every((p) => p.ip === '192.168.152.131'));
    // The install manifest's DaemonSet is not expanded; the article's flannel pod on the master is listed.
    assert.deepEqual(t.pods.filter((p) => p.namespace === 'kube-flannel').map((p) => [p.name, p.nodeName, p.hostNetwork]), [['kube-flannel-ds-8px9l', 'k8s-master', true]]);
    assert.equal(pod(t, 'kube-system', 'coredns-7bdc4cb885-6kzwr').ip, '10.244.0.74');
    assert.deepEqual(readyEndpoints(t, 'kube-system', 'kube-dns'), ['10.244.0.74', '10.244.0.75']);
    assert.deepEqual(readyEndpoints(t, 'default', 'kubernetes'), ['192.168.152.131']);
  },
  'seed002-flannel-vxlan.yaml': (t) => {
    seed002(t);
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', backend: 'vxlan', vni: 1, port: 8472, mtu: 1450 });
    assert.equal(t.cluster.kubeProxy.mode, 'iptables');
  },
  'seed002-flannel-host-gw.yaml': (t) => {
    seed002(t);
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', backend: 'host-gw', mtu: 1500 });
    assert.equal(t.cluster.kubeProxy.mode, 'iptables');
  },
  'seed002-ipvs.yaml': (t) => {
    seed002(t);
    assert.equal(t.cluster.cni.plugin, 'flannel');
    assert.deepEqual(t.cluster.kubeProxy, { ...t.cluster.kubeProxy, mode: 'ipvs', ipvsScheduler: 'rr' });
  },
  'seed003-flannel-udp.yaml': (t) => {
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', backend: 'udp', port: 8285, mtu: 1472 });
    assert.equal(pod(t, 'default', 'pod-1').ip, '100.96.1.2');
    assert.equal(pod(t, 'default', 'pod-1').nodeName, 'node-1');
    assert.equal(pod(t, 'default', 'pod-2').ip, '100.96.2.3');
    assert.equal(pod(t, 'default', 'pod-2').nodeName, 'node-2');
  },
  'calico-bgp.yaml': (t) => calico(t, 'Never', 'Never'),
  'calico-ipip.yaml': (t) => calico(t, 'Always', 'Never'),
  'calico-vxlan.yaml': (t) => calico(t, 'Never', 'Always'),
  'weave-fastdp.yaml': (t) => weave(t, 'fastdp'),
  'weave-sleeve.yaml': (t) => weave(t, 'sleeve'),
  'canal-policy.yaml': (t) => {
    assert.equal(t.cluster.cni.plugin, 'canal');
    assert.equal(t.cluster.cni.plugin === 'canal' && t.cluster.cni.flannel.backend, 'vxlan');
    shopPolicy(t);
  },
  'flannel-policy.yaml': (t) => {
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', backend: 'vxlan' });
    shopPolicy(t);
  },
  'kubenet.yaml': (t) => {
    assert.equal(t.cluster.cni.plugin, 'kubenet');
    assert.deepEqual(t.nodes.map((n) => [n.address, n.prefixLength, n.gateway, n.podCIDR]), [
      ['10.240.0.4', 16, '10.240.0.1', '10.244.0.0/24'], ['10.240.0.5', 16, '10.240.0.1', '10.244.1.0/24'],
    ]);
    // host-local style: cbr0 holds .1, the first pod gets .2.
    assert.equal(pod(t, 'default', 'web-0').ip, '10.244.0.2');
    assert.equal(pod(t, 'default', 'web-1').ip, '10.244.1.2');
  },
  'aws-vpc-cni.yaml': (t) => {
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'aws-vpc', externalSnat: false, mtu: 9001 });
    // Every pod holds a secondary address of one of its own node's ENIs.
    for (const p of t.pods) {
      const secondaries = node(t, p.nodeName).enis.flatMap((e) => e.secondary);
      assert.ok(secondaries.includes(p.ip), `${p.name} ${p.ip} is not an ENI secondary address of ${p.nodeName}`);
    }
    assert.deepEqual(node(t, 'ip-192-168-12-34.ec2.internal').enis.map((e) => e.name), ['eth0', 'eth1']);
  },
  'multus-macvlan.yaml': (t) => {
    assert.deepEqual(t.cluster.networks.map((n) => [n.name, n.namespace, n.type, n.master, n.subnet, n.rangeStart]), [
      ['macvlan-conf', 'default', 'macvlan', 'eth0', '192.168.1.0/24', '192.168.1.200'],
    ]);
    const net1 = (name: string) => pod(t, 'default', name).secondaryInterfaces.map((i) => [i.name, i.address]);
    assert.deepEqual(net1('samplepod-1'), [['net1', '192.168.1.200']]);
    assert.deepEqual(net1('samplepod-2'), [['net1', '192.168.1.201']]);
    assert.deepEqual(net1('web'), []);
  },
  'hostnetwork.yaml': (t) => {
    const exporters = t.pods.filter((p) => p.namespace === 'monitoring' && p.hostNetwork);
    assert.deepEqual(exporters.map((p) => [p.nodeName, p.ip]).sort(), [
      ['master', '192.168.205.4'], ['node1', '192.168.205.3'], ['node2', '192.168.205.5'],
    ]);
    assert.deepEqual(readyEndpoints(t, 'monitoring', 'node-exporter'), ['192.168.205.3', '192.168.205.4', '192.168.205.5']);
    assert.equal(pod(t, 'monitoring', 'prometheus').hostNetwork, false);
  },
  'egress-snat.yaml': (t) => {
    assert.deepEqual(t.cluster.cni, { ...t.cluster.cni, plugin: 'flannel', ipMasq: true });
    assert.deepEqual(t.externals.map((e) => [e.name, e.address]), [['router', '192.168.205.1'], ['backup', '192.168.205.50']]);
    assert.equal(pod(t, 'default', 'app').ip, '10.42.1.2');
  },
  'kube-proxy-features.yaml': (t) => {
    const web = ['10.42.1.2', '10.42.2.2'];
    assert.deepEqual(readyEndpoints(t, 'default', 'web'), web);
    assert.deepEqual(service(t, 'default', 'web').ports.map((p) => p.targetPort), ['http']);
    assert.deepEqual(t.endpointSlices.filter((s) => s.serviceName === 'web').flatMap((s) => s.ports.map((p) => p.port)), [8080]);
    assert.equal(service(t, 'default', 'web-nodeport').ports[0]?.nodePort, 30080);
    const lb = service(t, 'default', 'web-lb');
    assert.deepEqual([lb.type, lb.loadBalancerIPs, lb.loadBalancerSourceRanges, lb.externalTrafficPolicy, lb.healthCheckNodePort], ['LoadBalancer', ['192.168.205.240'], ['192.168.205.100/32'], 'Local', 32100]);
    assert.deepEqual(service(t, 'default', 'web-external').externalIPs, ['192.168.205.250']);
    const sticky = service(t, 'default', 'web-sticky');
    assert.deepEqual([sticky.sessionAffinity, sticky.sessionAffinityTimeoutSeconds], ['ClientIP', 10800]);
    assert.equal(service(t, 'default', 'web-local').internalTrafficPolicy, 'Local');
    assert.equal(pod(t, 'default', 'broken-0').ready, false);
    assert.deepEqual(readyEndpoints(t, 'default', 'broken'), []);
  },
  'kubectl-list.yaml': (t) => {
    seed002Service(t, 'nginx-test');
    // The EndpointSlice comes from the List as the controller wrote it, not derived from the selector.
    const slices = t.endpointSlices.filter((s) => s.serviceName === 'nginx-test');
    assert.deepEqual(slices.map((s) => [s.name, s.derived]), [['nginx-test-8xq2v', false]]);
    assert.deepEqual(readyEndpoints(t, 'default', 'kubernetes'), ['192.168.205.4']);
    assert.equal(pod(t, 'default', 'nginx-test-7d8f6c9b5-4xkqz').nodeName, 'node1');
  },
};

test('there are at least 14 samples', () => {
  assert.ok(sampleFiles.length >= 14, `only ${sampleFiles.length}: ${sampleFiles.join(', ')}`);
});

test('every sample opens with a comment naming the seed article it reproduces', () => {
  for (const file of sampleFiles) {
    const lines = header(readFileSync(path.join(samplesDir, file), 'utf8'));
    assert.ok(lines.length >= 3, `${file} has no header comment`);
    assert.match(lines.join('\n'), /seeds\/00\d_[0-9a-f]{16}\.txt/, `${file} does not name its seed file`);
  }
});

test('samples/README.md lists every sample', () => {
  const readme = readFileSync(path.join(samplesDir, 'README.md'), 'utf8');
  for (const file of sampleFiles) assert.ok(readme.includes(`(${file})`), `${file} is missing from samples/README.md`);
});

for (const file of sampleFiles) {
  test(`${file} loads with exactly the diagnostics it declares`, () => {
    const expected = expectedCodes(readFileSync(path.join(samplesDir, file), 'utf8'));
    const { codes, shown } = load(file);
    assert.deepEqual(codes, expected, `${file}:\n${shown}`);
  });
}

for (const [file, check] of Object.entries(keyFacts)) {
  test(`${file} holds the facts its seed prints`, () => {
    assert.ok(sampleFiles.includes(file), `${file} is missing`);
    check(load(file).topology);
  });
}

/** The objects the `Worth running` commands of a sample's header name: each must exist in it. */
function namedObjects(text: string): { kind: string; ref: string }[] {
  const refs: { kind: string; ref: string }[] = [];
  for (const line of header(text).filter((l) => /^#\s+packetwalk /.test(l))) {
    for (const m of line.matchAll(/(?:--from|--to|--node) (\S+)/g)) {
      const arg = m[1]!;
      const typed = /^(pod|svc|ext)\/(.+)$/.exec(arg);
      if (typed) refs.push({ kind: typed[1]!, ref: typed[2]!.replace(/:\d+$/, '') });
      else if (!arg.startsWith('ip/')) refs.push({ kind: 'node', ref: arg });
    }
  }
  return refs;
}

for (const file of sampleFiles) {
  test(`${file}: the commands its header suggests name objects it has`, () => {
    const text = readFileSync(path.join(samplesDir, file), 'utf8');
    const t = load(file).topology;
    for (const { kind, ref } of namedObjects(text)) {
      const [a, b] = ref.split('/');
      const found =
        kind === 'pod' ? t.pods.some((p) => p.namespace === a && p.name === b) :
        kind === 'svc' ? t.services.some((s) => s.namespace === a && s.name === b) :
        kind === 'ext' ? t.externals.some((e) => e.name === ref) :
        t.nodes.some((n) => n.name === ref);
      assert.ok(found, `${file} suggests ${kind}/${ref}, which it does not define`);
    }
  });
}

test('the kubectl dump of the seed 002 cluster gives the kube-proxy chains the article prints', () => {
  // Seed 002: KUBE-SVC-7CWUT4JBGBRVUN2L sends half the traffic to KUBE-SEP-U2YYZT2C3O6VM4EV (10.42.1.6)
  // with `statistic mode random probability 0.5` and the rest to KUBE-SEP-GWUIQWA2TNZI4ESX (10.42.2.6).
  for (const file of ['kubectl-list.yaml']) {
    const rules = restoreLines(load(file).topology, 'master');
    const svc = rules.filter((r) => r.startsWith('-A KUBE-SVC-7CWUT4JBGBRVUN2L ') && / -j KUBE-SEP-/.test(r));
    assert.equal(svc.length, 2, `${file}: ${svc.join('\n')}`);
    assert.match(svc[0]!, /--probability 0\.5\d* -j KUBE-SEP-U2YYZT2C3O6VM4EV$/);
    assert.match(svc[1]!, /-j KUBE-SEP-GWUIQWA2TNZI4ESX$/);
    assert.ok(rules.some((r) => r.startsWith('-A KUBE-SEP-U2YYZT2C3O6VM4EV ') && r.endsWith('-j DNAT --to-destination 10.42.1.6:80')), file);
    assert.ok(rules.some((r) => r.startsWith('-A KUBE-SEP-GWUIQWA2TNZI4ESX ') && r.endsWith('-j DNAT --to-destination 10.42.2.6:80')), file);
    assert.ok(rules.some((r) => r.startsWith('-A KUBE-NODEPORTS ') && r.includes('--dport 32506') && r.endsWith('-j KUBE-EXT-7CWUT4JBGBRVUN2L')), file);
  }
});

test('the seed 002 samples give the shape of the article\'s chains for nginx-test-service', () => {
  for (const file of ['seed002-flannel-vxlan.yaml', 'seed002-flannel-host-gw.yaml']) {
    const rules = restoreLines(load(file).topology, 'master');
    const jump = rules.find((r) => r.startsWith('-A KUBE-SERVICES ') && r.includes('default/nginx-test-service:80-80 cluster IP') && r.includes('-d 10.43.6.58 '));
    assert.ok(jump, `${file}: no KUBE-SERVICES rule for the ClusterIP`);
    const svcChain = /-j (KUBE-SVC-[A-Z2-7]{16})$/.exec(jump)![1]!;
    const seps = rules.filter((r) => r.startsWith(`-A ${svcChain} `) && / -j KUBE-SEP-/.test(r));
    assert.equal(seps.length, 2, `${file}: ${seps.join('\n')}`);
    assert.match(seps[0]!, /--probability 0\.5000000000 -j KUBE-SEP-/);
    for (const ip of ['10.42.1.6', '10.42.2.6']) assert.ok(rules.some((r) => r.endsWith(`-j DNAT --to-destination ${ip}:80`)), `${file}: DNAT to ${ip}`);
    assert.ok(rules.some((r) => r.startsWith('-A KUBE-NODEPORTS ') && r.includes('--dport 32506')), file);
  }
});
