import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { withDataplaneDiagnostics } from '../../src/engine/dataplane/diagnose';
import { importTopology } from '../../src/engine/import';
import { readObjects } from '../../src/engine/import/objects';
import { loadTopology } from '../../src/engine/model/load';
import { noIncludes } from '../../src/engine/model/host';
import { main } from '../../src/cli/main';
import { capture } from '../fixtures/cli';
import { dumpFolder, dumps, UPSTREAM } from './importDumps';

async function disposition(file: string, from: string, to: string, proto: string, port?: number): Promise<string> {
  const c = capture();
  const code = await main(['trace', file, '--from', from, '--to', to, '--proto', proto, ...(port ? ['--port', String(port)] : []), '--json'], c.io);
  assert.equal(code, 0, c.err.join('\n'));
  return (JSON.parse(c.out.join('\n')) as { disposition: string }).disposition;
}

for (const dump of dumps) {
  test(`import of a real dump (${dump.dir}: ${dump.what}) checks clean and traces pod to pod and pod to Service`, async () => {
    for (const name of readdirSync(path.join(UPSTREAM, dump.dir)).filter((n) => n.endsWith('.provenance'))) {
      assert.match(readFileSync(path.join(UPSTREAM, dump.dir, name), 'utf8'), /^repository: github\.com\/\S+\npath: \S+\ncommit: [0-9a-f]{40}\n$/);
    }
    const dir = dumpFolder(dump);
    const out = path.join(dir, 'imported.yaml');
    const c = capture();
    assert.equal(await main(['import', dir, '-o', out], c.io), 0, c.err.join('\n'));
    const text = readFileSync(out, 'utf8');
    // The Cluster document states its inferences: every value line under spec carries a comment.
    const spec = text.slice(text.indexOf('\nspec:\n'), text.indexOf('\n---\n'));
    for (const l of spec.split('\n').filter((x) => /^\s+(-\s+)?\w+: \S/.test(x) && !/^\s+- name: /.test(x))) assert.match(l, / {2}# \S/, `no source comment on: ${l}`);
    assert.match(spec, new RegExp(`plugin: ${dump.plugin} `));
    assert.match(spec, new RegExp(`clusterCIDR: ${dump.clusterCIDR} `));
    assert.match(spec, new RegExp(`serviceCIDR: ${dump.serviceCIDR} `));

    const check = capture();
    assert.equal(await main(['check', out, '--quiet'], check.io), 0, check.out.join('\n'));
    assert.deepEqual(check.out, []);
    const loaded = withDataplaneDiagnostics(loadTopology({ path: out, text }, noIncludes));
    assert.equal(loaded.value?.nodes.length, dump.nodes);
    const { podToPod: pp, podToService: ps } = dump;
    assert.equal(await disposition(out, pp.from, pp.to, pp.proto, pp.port), 'DELIVERED');
    assert.equal(await disposition(out, ps.from, ps.to, ps.proto), 'DELIVERED');
  });
}

test('import --json loads as the same topology as the YAML on a real dump, checks clean, and carries each value\'s source', async () => {
  const dump = dumps[0]!;
  const dir = dumpFolder(dump);
  const yamlOut = path.join(dir, 'imported.yaml');
  const jsonOut = path.join(dir, 'imported.json');
  for (const [args, out] of [[[], yamlOut], [['--json'], jsonOut]] as const) {
    const c = capture();
    assert.equal(await main(['import', dir, '-o', out, ...args], c.io), 0, c.err.join('\n'));
  }
  const json = readFileSync(jsonOut, 'utf8');
  const list = JSON.parse(json) as { kind: string; items: { kind: string; metadata: { annotations?: Record<string, string> } }[] };
  assert.equal(list.kind, 'List');
  assert.equal(list.items[0]?.kind, 'Cluster');
  const sources = JSON.parse(list.items[0]?.metadata.annotations?.['packetwalk.io/sources'] ?? '{}') as Record<string, string>;
  assert.match(sources['spec.clusterCIDR'] ?? '', /\S/);
  assert.match(sources['spec.cni.plugin'] ?? '', /\S/);
  const check = capture();
  assert.equal(await main(['check', jsonOut, '--quiet'], check.io), 0, check.out.join('\n'));
  assert.deepEqual(check.out, []);
  const fromYaml = loadTopology({ path: yamlOut, text: readFileSync(yamlOut, 'utf8') }, noIncludes).value;
  const fromJson = loadTopology({ path: jsonOut, text: json }, noIncludes).value;
  assert.ok(fromYaml && fromJson);
  const shape = (t: typeof fromYaml) => ({
    nodes: t.nodes.map((n) => [n.name, n.address, n.podCIDR]),
    cluster: [t.cluster.clusterCIDR, t.cluster.serviceCIDR, t.cluster.cni],
    pods: t.pods.length, services: t.services.length,
  });
  assert.equal(fromJson.nodes.length, dump.nodes);
  assert.deepEqual(shape(fromJson), shape(fromYaml));
});

test('import reads the same cluster from a folder and from its files named one by one', async () => {
  const dir = dumpFolder(dumps[1]!);
  const files = readdirSync(dir, { recursive: true, withFileTypes: true }).filter((e) => e.isFile()).map((e) => path.join(e.parentPath, e.name));
  const fromDir = capture();
  const fromFiles = capture();
  assert.equal(await main(['import', dir], fromDir.io), 0);
  assert.equal(await main(['import', ...files], fromFiles.io), 0);
  // Only the header naming what was read, and the name taken from it, differ.
  const body = (out: string[]): string => out.join('\n').split('\n').filter((l) => !l.startsWith('# Imported by') && !l.startsWith('  name: ')).join('\n');
  assert.equal(body(fromFiles.out), body(fromDir.out));
  assert.match(fromDir.out.join('\n'), /podCIDR: 10\.244\.1\.128\/25 {2}# from Node 10\.0\.4\.3, spec\.podCIDR/);
});

test('a cluster-info dump to stdout (lists and pod logs one after another) reads as the folder does', () => {
  const dump = dumps[0]!;
  const names = readdirSync(path.join(UPSTREAM, dump.dir)).filter((n) => !n.endsWith('.provenance'));
  const lists = names.map((n) => readFileSync(path.join(UPSTREAM, dump.dir, n), 'utf8'));
  // kubectl's Run(): each list as JSON, then each pod's logs between ==== START / END markers.
  const stdout = lists.map((l, i) => `${l}\n==== START logs for container x of pod kube-system/p${i} ====\n{"level":"info"} a log line\n{a log line that opens a brace and never closes it\n==== END logs for container x of pod kube-system/p${i} ====\n`).join('');
  const fromStdout = readObjects([{ path: 'dump.txt', text: stdout }]);
  const fromFiles = readObjects(names.map((n, i) => ({ path: n, text: lists[i]! })));
  assert.deepEqual(fromStdout.notes, []);
  assert.deepEqual(fromStdout.objects, fromFiles.objects);
});

test('typed lists give each item the list\'s kind, as the client decoder does', () => {
  const { objects } = readObjects([{ path: 'p.json', text: JSON.stringify({ kind: 'PodList', apiVersion: 'v1', items: [{ metadata: { name: 'a' } }] }) }]);
  assert.deepEqual(objects.map((o) => [o.kind, o.apiVersion]), [['Pod', 'v1']]);
});

test('kubeadm\'s ConfigMap and kube-proxy\'s configuration win over flags and the covering ranges, and say so', () => {
  const objects = [
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kubeadm-config', namespace: 'kube-system' }, data: { ClusterConfiguration: 'apiVersion: kubeadm.k8s.io/v1beta3\nkind: ClusterConfiguration\nnetworking:\n  podSubnet: 10.100.0.0/16\n  serviceSubnet: 10.200.0.0/16\n' } },
    { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': 'apiVersion: kubeproxy.config.k8s.io/v1alpha1\nkind: KubeProxyConfiguration\nmode: ipvs\nipvs:\n  scheduler: lc\n' } },
    { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, spec: { podCIDR: '10.100.1.0/24' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } },
  ];
  const r = importTopology([{ path: 'get.json', text: JSON.stringify({ kind: 'List', apiVersion: 'v1', items: objects }) }], { name: 'k', sources: ['get.json'] });
  assert.match(r.text!, /clusterCIDR: 10\.100\.0\.0\/16 {2}# from ConfigMap kube-system\/kubeadm-config, ClusterConfiguration networking\.podSubnet/);
  assert.match(r.text!, /serviceCIDR: 10\.200\.0\.0\/16 {2}# from ConfigMap kube-system\/kubeadm-config, ClusterConfiguration networking\.serviceSubnet/);
  assert.match(r.text!, /mode: ipvs {2}# from ConfigMap kube-system\/kube-proxy, config\.conf mode/);
  assert.match(r.text!, /ipvsScheduler: lc {2}# from ConfigMap kube-system\/kube-proxy, config\.conf ipvs\.scheduler/);
  const loaded = loadTopology({ path: 'imported.yaml', text: r.text! }, noIncludes);
  assert.equal(loaded.value?.cluster.kubeProxy.mode, 'ipvs');
  assert.deepEqual(loaded.diagnostics.filter((d) => d.severity === 'error'), []);
});

test('an empty kube-proxy mode is iptables, kube-proxy\'s default, and the comment says why', () => {
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'kube-proxy', namespace: 'kube-system' }, data: { 'config.conf': 'mode: ""\n' } };
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '192.168.1.10' }] } };
  const r = importTopology([{ path: 'a.yaml', text: [cm, node].map((o) => JSON.stringify(o)).join('\n---\n') }], { name: 'k', sources: ['a.yaml'] });
  assert.match(r.text!, /mode: iptables {2}# from ConfigMap kube-system\/kube-proxy, config\.conf mode is "" \(kube-proxy's default, iptables\)/);
});

test('Calico\'s settings come from calico-node\'s environment when no IPPool is in the input', () => {
  const ds = {
    apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' },
    spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.28.0', env: [
      { name: 'CALICO_IPV4POOL_CIDR', value: '192.168.0.0/16' }, { name: 'CALICO_IPV4POOL_VXLAN', value: 'Always' }, { name: 'CALICO_IPV4POOL_IPIP', value: 'Never' },
      { name: 'CALICO_NETWORKING_BACKEND', valueFrom: { configMapKeyRef: { name: 'calico-config', key: 'calico_backend' } } },
    ] }] } } },
  };
  const cm = { apiVersion: 'v1', kind: 'ConfigMap', metadata: { name: 'calico-config', namespace: 'kube-system' }, data: { calico_backend: 'vxlan' } };
  const node = { apiVersion: 'v1', kind: 'Node', metadata: { name: 'n1' }, status: { addresses: [{ type: 'InternalIP', address: '10.0.0.5' }] } };
  const r = importTopology([{ path: 'a.json', text: JSON.stringify({ kind: 'List', items: [ds, cm, node] }) }], { name: 'k', sources: ['a.json'] });
  assert.match(r.text!, /plugin: calico {2}# from DaemonSet kube-system\/calico-node, container calico-node/);
  assert.match(r.text!, /backend: vxlan {2}# from ConfigMap kube-system\/calico-config, data\.calico_backend \(env CALICO_NETWORKING_BACKEND of DaemonSet kube-system\/calico-node\)/);
  assert.match(r.text!, /vxlanMode: Always {2}# from DaemonSet kube-system\/calico-node, container calico-node env CALICO_IPV4POOL_VXLAN/);
  assert.match(r.text!, /clusterCIDR: 192\.168\.0\.0\/16 {2}# from DaemonSet kube-system\/calico-node, container calico-node env CALICO_IPV4POOL_CIDR/);
  const loaded = loadTopology({ path: 'imported.yaml', text: r.text! }, noIncludes);
  assert.deepEqual(loaded.value?.cluster.cni, { plugin: 'calico', backend: 'vxlan', ipipMode: 'Never', vxlanMode: 'Always', natOutgoing: true, blockSize: 26, mtu: 1410 });
});

test('import with neither dumps nor --context, or with both, is a usage error', async () => {
  for (const args of [['import'], ['import', 'x.json', '--context', 'c']]) {
    const c = capture();
    assert.equal(await main(args, c.io), 2);
    assert.match(c.err.join('\n'), /not both and not neither/);
  }
});

test('a Calico cluster\'s nodes get the blocks holding their pods, not kubeadm\'s spec.podCIDR, which Calico\'s IPAM does not read', async () => {
  const node = (name: string, podCIDR: string, address: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name }, spec: { podCIDR }, status: { addresses: [{ type: 'InternalIP', address }] } });
  const pod = (name: string, nodeName: string, podIP: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } }, spec: { nodeName, containers: [{ name: 'c', ports: [{ containerPort: 80 }] }] }, status: { phase: 'Running', podIP } });
  const items = [
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'calico-node', namespace: 'kube-system' }, spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'calico-node', image: 'docker.io/calico/node:v3.26.1' }] } } } },
    { apiVersion: 'crd.projectcalico.org/v1', kind: 'IPPool', metadata: { name: 'default-ipv4-ippool' }, spec: { cidr: '192.168.0.0/16', ipipMode: 'Always', natOutgoing: true, blockSize: 26 } },
    node('cp', '10.244.0.0/24', '172.16.0.10'), node('w1', '10.244.1.0/24', '172.16.0.11'), node('w2', '10.244.2.0/24', '172.16.0.12'),
    pod('a', 'cp', '192.168.10.66'), pod('b', 'w1', '192.168.190.130'),
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-calico-'));
  writeFileSync(path.join(dir, 'get.json'), JSON.stringify({ kind: 'List', apiVersion: 'v1', items }));
  const out = path.join(dir, 'calico.yaml');
  assert.equal(await main(['import', path.join(dir, 'get.json'), '-o', out], capture().io), 0);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /podCIDR: 192\.168\.10\.64\/26 {2}# the \/26 of the Calico pool holding node cp's pod addresses/);
  assert.match(text, /podCIDR: 192\.168\.0\.0\/26 {2}# node w2 runs no pod in the input; a free \/26 block of the Calico pool/);
  const check = capture();
  assert.equal(await main(['check', out, '--quiet'], check.io), 0, check.out.join('\n'));
  assert.equal(await disposition(out, 'pod/default/a', 'pod/default/b', 'tcp', 80), 'DELIVERED');
});

test('a list an old kubectl printed in its internal form reads as the API\'s objects', () => {
  const dir = path.join(UPSTREAM, 'erwee402+multi-k8s');
  const { objects, notes } = readObjects(['kube-system__pods.json', 'default__services.json'].map((n) => ({ path: n, text: readFileSync(path.join(dir, n), 'utf8') })));
  assert.equal(notes.length, 2);
  assert.match(notes[0]!, /internal form \(Go field names, no kind\)/);
  const proxy = objects.find((o) => o.kind === 'Pod' && String(o.metadata.name).startsWith('kube-proxy-'))!;
  assert.equal(proxy.apiVersion, 'v1');
  const spec = proxy.spec as { hostNetwork?: boolean; nodeName?: string; dnsPolicy?: string };
  assert.deepEqual([spec.hostNetwork, spec.nodeName, spec.dnsPolicy], [true, 'minikube', 'ClusterFirst']);
  const kubernetes = objects.find((o) => o.kind === 'Service' && o.metadata.name === 'kubernetes')!;
  // "NodePort": 0 and "Selector": null are the internal type's zero values, which the API leaves out.
  assert.deepEqual((kubernetes.spec as { ports: unknown[] }).ports, [{ name: 'https', protocol: 'TCP', port: 443, targetPort: 8443 }]);
  assert.equal((kubernetes.spec as { selector?: unknown }).selector, undefined);
});

test('an EKS-shaped cluster on the AWS VPC CNI puts each node\'s pod addresses on its primary ENI, and says the API does not tell which ENI', async () => {
  const node = (name: string, address: string) => ({ apiVersion: 'v1', kind: 'Node', metadata: { name, labels: { 'eks.amazonaws.com/nodegroup': 'ng-1' } }, spec: { providerID: `aws:///us-east-1a/i-0${address.replace(/\./g, '')}` }, status: { addresses: [{ type: 'InternalIP', address }, { type: 'Hostname', address: name }] } });
  const pod = (name: string, nodeName: string, podIP: string) => ({ apiVersion: 'v1', kind: 'Pod', metadata: { name, namespace: 'default', labels: { app: name } }, spec: { nodeName, containers: [{ name: 'c', ports: [{ containerPort: 8080 }] }] }, status: { phase: 'Running', podIP, hostIP: '' } });
  const items = [
    { apiVersion: 'apps/v1', kind: 'DaemonSet', metadata: { name: 'aws-node', namespace: 'kube-system' }, spec: { template: { spec: { hostNetwork: true, containers: [{ name: 'aws-node', image: '602401143452.dkr.ecr.us-east-1.amazonaws.com/amazon-k8s-cni:v1.18.1', env: [{ name: 'AWS_VPC_K8S_CNI_EXTERNALSNAT', value: 'false' }] }] } } } },
    node('ip-192-168-12-34.ec2.internal', '192.168.12.34'), node('ip-192-168-20-7.ec2.internal', '192.168.20.7'),
    pod('web-a', 'ip-192-168-12-34.ec2.internal', '192.168.5.201'), pod('web-b', 'ip-192-168-20-7.ec2.internal', '192.168.28.9'),
    { apiVersion: 'v1', kind: 'Service', metadata: { name: 'web-b', namespace: 'default' }, spec: { clusterIP: '10.100.40.2', selector: { app: 'web-b' }, ports: [{ port: 80, targetPort: 8080, protocol: 'TCP' }] } },
  ];
  const dir = mkdtempSync(path.join(tmpdir(), 'pw-eks-'));
  writeFileSync(path.join(dir, 'get.json'), JSON.stringify({ kind: 'List', apiVersion: 'v1', items }));
  const out = path.join(dir, 'eks.yaml');
  assert.equal(await main(['import', path.join(dir, 'get.json'), '-o', out], capture().io), 0);
  const text = readFileSync(out, 'utf8');
  assert.match(text, /plugin: aws-vpc {2}# from DaemonSet kube-system\/aws-node, container aws-node/);
  assert.match(text, /externalSnat: false {2}# from DaemonSet kube-system\/aws-node, container aws-node env AWS_VPC_K8S_CNI_EXTERNALSNAT/);
  assert.match(text, /enis: {2}# not in the API; which ENI holds each pod address is ipamd's[^\n]*\n {4}- name: eth0\n {6}mac: \S+\n {6}primary: 192\.168\.12\.34\n {6}secondary: \[192\.168\.5\.201\]/);
  assert.doesNotMatch(text.slice(0, text.indexOf('\n---\n')), /^ +podCIDR:/m);
  const check = capture();
  assert.equal(await main(['check', out, '--quiet'], check.io), 0, check.out.join('\n'));
  assert.equal(await disposition(out, 'pod/default/web-a', 'pod/default/web-b', 'tcp', 8080), 'DELIVERED');
  assert.equal(await disposition(out, 'pod/default/web-a', 'svc/default/web-b:80', 'tcp'), 'DELIVERED');
});
