/** Loading and derivation: what the loader fills in must be what a real cluster would have. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { noIncludes, type LoadHost } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import { parseDocuments } from '../fixtures/load';
import type { Topology } from '../../src/engine/model/types';

const cluster = (cni = '{plugin: flannel, backend: vxlan}', nodes = '[{name: node1, address: 192.168.1.11, podCIDR: 10.42.1.0/24}, {name: node2, address: 192.168.1.12, podCIDR: 10.42.2.0/24}]') => `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: t}
spec:
  clusterCIDR: 10.42.0.0/16
  serviceCIDR: 10.43.0.0/16
  cni: ${cni}
  nodes: ${nodes}
`;

function load(text: string, host: LoadHost = noIncludes): { t: Topology; d: readonly Diagnostic[] } {
  const r = loadTopology({ path: 't.yaml', text }, host);
  assert.ok(r.value, `no topology: ${r.diagnostics.map((d) => d.message).join('; ')}`);
  return { t: r.value, d: r.diagnostics };
}
const problems = (d: readonly Diagnostic[]) => d.filter((x) => x.severity !== 'info').map((x) => `${x.code} ${x.line}:${x.col} ${x.message}`);
const pod = (name: string, node: string, extra = '') => `---\napiVersion: v1\nkind: Pod\nmetadata: {name: ${name}, labels: {app: web}}\nspec: {nodeName: ${node}, containers: [{name: c, ports: [{name: http, containerPort: 8080}]}]}\n${extra}`;

test('pod IPs are host-local: .2 onwards in file order, skipping addresses pods already have', () => {
  const { t, d } = load(cluster() + pod('a', 'node1') + pod('b', 'node1', 'status: {podIP: 10.42.1.3}\n') + pod('c', 'node1') + pod('d', 'node2'));
  assert.deepEqual(problems(d), []);
  assert.deepEqual(t.pods.map((p) => [p.name, p.ip, p.ipDerived]), [['a', '10.42.1.2', true], ['b', '10.42.1.3', false], ['c', '10.42.1.4', true], ['d', '10.42.2.2', true]]);
});

test('bridge-plugin pod MACs are 0a:58 followed by the IPv4 bytes; Calico pod MACs are not', () => {
  const flannel = load(cluster() + pod('a', 'node1')).t.pods[0]!;
  assert.equal(flannel.mac, '0a:58:0a:2a:01:02');
  const calico = load(cluster('{plugin: calico}', '[{name: node1, address: 192.168.1.11}]') + pod('a', 'node1')).t.pods[0]!;
  assert.doesNotMatch(calico.mac, /^0a:58:/);
  assert.match(calico.mac, /^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
});

test('Calico nodes get blockSize blocks and pods start after the tunnel address', () => {
  const { t } = load(cluster('{plugin: calico, ipipMode: Always, blockSize: 26}', '[{name: node1, address: 192.168.1.11}, {name: node2, address: 192.168.1.12}]') + pod('a', 'node2'));
  assert.deepEqual(t.nodes.map((n) => n.podCIDR), ['10.42.0.0/26', '10.42.0.64/26']);
  assert.equal(t.pods[0]!.ip, '10.42.0.65');
  assert.equal(t.cluster.cni.plugin === 'calico' && t.cluster.cni.mtu, 1440);
});

test('missing podCIDRs are the next free /24s of the cluster CIDR in node order', () => {
  const { t } = load(cluster(undefined, '[{name: a, address: 192.168.1.1}, {name: b, address: 192.168.1.2, podCIDR: 10.42.0.0/24}, {name: c, address: 192.168.1.3}]'));
  assert.deepEqual(t.nodes.map((n) => n.podCIDR), ['10.42.1.0/24', '10.42.0.0/24', '10.42.2.0/24']);
  assert.equal(t.nodes[0]!.mac, '52:54:00:a8:01:01');
});

test('derived EndpointSlices resolve named targetPorts per pod, group pods by port, and carry readiness', () => {
  const text = cluster() + pod('a', 'node1') + pod('b', 'node2', 'status: {conditions: [{type: Ready, status: "False"}]}\n')
    + `---\napiVersion: v1\nkind: Pod\nmetadata: {name: other, labels: {app: web}}\nspec: {nodeName: node2, containers: [{name: c, ports: [{name: http, containerPort: 9090}]}]}\n`
    + `---\napiVersion: v1\nkind: Pod\nmetadata: {name: noport, labels: {app: web}}\nspec: {nodeName: node2}\n`
    + `---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{name: h, port: 80, targetPort: http}]}\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  const slices = t.endpointSlices.filter((s) => s.serviceName === 'web');
  assert.ok(slices.every((s) => s.derived && s.addressType === 'IPv4'));
  const summary = slices.map((s) => ({ ports: s.ports.map((p) => `${p.name}:${p.port}/${p.protocol}`), eps: s.endpoints.map((e) => `${e.targetPod!.name}=${e.addresses[0]} ready=${e.conditions.ready} node=${e.nodeName}`) }));
  assert.deepEqual(summary, [
    { ports: ['h:8080/TCP'], eps: ['a=10.42.1.2 ready=true node=node1', 'b=10.42.2.2 ready=false node=node2'] },
    { ports: ['h:9090/TCP'], eps: ['other=10.42.2.3 ready=true node=node2'] },
    { ports: [], eps: ['noport=10.42.2.4 ready=true node=node2'] },
  ]);
  assert.equal(new Set(slices.map((s) => s.name)).size, 3);
  assert.ok(slices.every((s) => /^web-[bcdfghjklmnpqrstvwxz2456789]{5}$/.test(s.name)));
});

test('a given EndpointSlice replaces derivation; an endpoint without conditions counts as ready', () => {
  const text = cluster() + pod('a', 'node1')
    + `---\napiVersion: v1\nkind: Service\nmetadata: {name: web}\nspec: {selector: {app: web}, ports: [{port: 80, targetPort: 8080}]}\n`
    + `---\napiVersion: discovery.k8s.io/v1\nkind: EndpointSlice\nmetadata: {name: web-x1, labels: {kubernetes.io/service-name: web}}\naddressType: IPv4\nports: [{port: 8080, protocol: TCP}]\nendpoints:\n- addresses: [10.42.1.2]\n- addresses: [10.42.2.9]\n  conditions: {ready: false}\n`;
  const { t } = load(text);
  assert.equal(t.endpointSlices.length, 1);
  const s = t.endpointSlices[0]!;
  assert.equal(s.derived, false);
  assert.deepEqual(s.endpoints.map((e) => e.conditions), [{ ready: true, serving: true, terminating: false }, { ready: false, serving: false, terminating: false }]);
});

test('v1 Endpoints become slices, notReadyAddresses not ready', () => {
  const text = cluster() + `---\napiVersion: v1\nkind: Service\nmetadata: {name: ext}\nspec: {ports: [{port: 80}]}\n---\napiVersion: v1\nkind: Endpoints\nmetadata: {name: ext}\nsubsets:\n- addresses: [{ip: 192.168.1.50}]\n  notReadyAddresses: [{ip: 192.168.1.51}]\n  ports: [{port: 80}]\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.deepEqual(t.endpointSlices.map((s) => s.endpoints.map((e) => [e.addresses[0], e.conditions.ready])), [[['192.168.1.50', true], ['192.168.1.51', false]]]);
});

test('clusterIPs and nodePorts are allocated deterministically around the written ones', () => {
  const svc = (name: string, spec: string) => `---\napiVersion: v1\nkind: Service\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
  const text = cluster() + svc('a', '{type: NodePort, ports: [{port: 80}]}') + svc('b', '{clusterIP: 10.43.0.10, type: NodePort, ports: [{port: 80, nodePort: 30000}]}') + svc('c', '{type: LoadBalancer, externalTrafficPolicy: Local, ports: [{port: 80}]}');
  const { t } = load(text);
  assert.deepEqual(t.services.map((s) => [s.name, s.clusterIP, s.ports[0]!.nodePort, s.healthCheckNodePort]), [['a', '10.43.0.11', 30001, undefined], ['b', '10.43.0.10', 30000, undefined], ['c', '10.43.0.12', 30002, 30003]]);
  assert.deepEqual(t.services.map((s) => s.ports[0]!.targetPort), [80, 80, 80]);
});

test('workloads expand: Deployment replicas on workers round robin, DaemonSet per node, host-network DaemonSet skipped with an info', () => {
  const nodes = '[{name: master, address: 192.168.1.10, labels: {node-role.kubernetes.io/control-plane: ""}}, {name: w1, address: 192.168.1.11}, {name: w2, address: 192.168.1.12}]';
  const text = cluster(undefined, nodes)
    + `---\napiVersion: apps/v1\nkind: Deployment\nmetadata: {name: web}\nspec: {replicas: 3, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}\n`
    + `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: agent, namespace: kube-system}\nspec: {template: {metadata: {labels: {app: agent}}, spec: {containers: [{name: c}]}}}\n`
    + `---\napiVersion: apps/v1\nkind: DaemonSet\nmetadata: {name: kube-flannel-ds, namespace: kube-flannel}\nspec: {template: {spec: {hostNetwork: true, containers: [{name: c}]}}}\n`
    + `---\napiVersion: apps/v1\nkind: StatefulSet\nmetadata: {name: db}\nspec: {replicas: 2, template: {metadata: {labels: {app: db}}, spec: {containers: [{name: c}]}}}\n`;
  const { t, d } = load(text);
  const web = t.pods.filter((p) => p.ownerKind === 'Deployment');
  assert.deepEqual(web.map((p) => p.nodeName), ['w1', 'w2', 'w1']);
  assert.ok(web.every((p) => /^web-[a-z0-9]{10}-[a-z0-9]{5}$/.test(p.name) && p.labels['pod-template-hash'] === p.name.split('-')[1]));
  assert.deepEqual(t.pods.filter((p) => p.ownerKind === 'DaemonSet').map((p) => p.nodeName), ['master', 'w1', 'w2']);
  assert.deepEqual(t.pods.filter((p) => p.ownerKind === 'StatefulSet').map((p) => p.name), ['db-0', 'db-1']);
  assert.ok(d.some((x) => x.code === 'PW2001' && /host network/.test(x.message)));
  assert.deepEqual(problems(d), []);
  assert.deepEqual(load(text).t.pods.map((p) => p.name), t.pods.map((p) => p.name), 'names are the same on every load');
});

test('a kubectl get -o yaml List with managedFields, ownerReferences and status loads without a problem', () => {
  const text = cluster() + `---
apiVersion: v1
kind: List
metadata: {resourceVersion: ""}
items:
- apiVersion: v1
  kind: Pod
  metadata:
    creationTimestamp: "2024-05-01T10:00:00Z"
    generateName: web-7d4b9c8f6-
    labels: {app: web, pod-template-hash: 7d4b9c8f6}
    managedFields:
    - apiVersion: v1
      fieldsType: FieldsV1
      fieldsV1: {"f:metadata": {"f:labels": {".": {}, "f:app": {}}}}
      manager: kube-controller-manager
      operation: Update
      time: "2024-05-01T10:00:00Z"
    name: web-7d4b9c8f6-x2x9k
    namespace: default
    ownerReferences:
    - {apiVersion: apps/v1, blockOwnerDeletion: true, controller: true, kind: ReplicaSet, name: web-7d4b9c8f6, uid: 0b5d}
    resourceVersion: "1234"
    uid: 1c1e
  spec:
    containers:
    - image: nginx:1.25
      imagePullPolicy: IfNotPresent
      name: nginx
      ports: [{containerPort: 80, name: http, protocol: TCP}]
      resources: {}
      terminationMessagePath: /dev/termination-log
      volumeMounts: [{mountPath: /var/run/secrets/kubernetes.io/serviceaccount, name: kube-api-access, readOnly: true}]
    dnsPolicy: ClusterFirst
    enableServiceLinks: true
    nodeName: node1
    preemptionPolicy: PreemptLowerPriority
    priority: 0
    restartPolicy: Always
    schedulerName: default-scheduler
    serviceAccountName: default
    tolerations: [{effect: NoExecute, key: node.kubernetes.io/not-ready, operator: Exists, tolerationSeconds: 300}]
  status:
    conditions:
    - {lastProbeTime: null, lastTransitionTime: "2024-05-01T10:00:05Z", status: "True", type: Ready}
    hostIP: 192.168.1.11
    phase: Running
    podIP: 10.42.1.7
    podIPs: [{ip: 10.42.1.7}]
    qosClass: BestEffort
- apiVersion: v1
  kind: Service
  metadata: {name: web, namespace: default, resourceVersion: "99", uid: 2d2f}
  spec:
    clusterIP: 10.43.100.1
    clusterIPs: [10.43.100.1]
    internalTrafficPolicy: Cluster
    ipFamilies: [IPv4]
    ipFamilyPolicy: SingleStack
    ports: [{name: http, port: 80, protocol: TCP, targetPort: http}]
    selector: {app: web}
    sessionAffinity: None
    type: ClusterIP
  status: {loadBalancer: {}}
`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.equal(t.pods[0]!.ip, '10.42.1.7');
  assert.deepEqual([t.pods[0]!.source.line, t.pods[0]!.source.col], [14, 3], 'a List item is placed where the item starts');
  assert.equal(t.endpointSlices[0]!.ports[0]!.port, 80);
});

test('a CNI install manifest loads as it is, and its net-conf.json configures flannel', () => {
  const text = `apiVersion: packetwalk.io/v1alpha1\nkind: Cluster\nmetadata: {name: t}\nspec:\n  cni: {plugin: flannel}\n  nodes: [{name: node1, address: 192.168.1.11}]\n`
    + `---\nkind: Namespace\napiVersion: v1\nmetadata: {name: kube-flannel, labels: {pod-security.kubernetes.io/enforce: privileged}}\n`
    + `---\nkind: ClusterRole\napiVersion: rbac.authorization.k8s.io/v1\nmetadata: {name: flannel}\nrules: [{apiGroups: [""], resources: [pods], verbs: [get]}]\n`
    + `---\nkind: ServiceAccount\napiVersion: v1\nmetadata: {name: flannel, namespace: kube-flannel}\n`
    + `---\nkind: ConfigMap\napiVersion: v1\nmetadata: {name: kube-flannel-cfg, namespace: kube-flannel}\ndata:\n  cni-conf.json: '{"name": "cbr0"}'\n  net-conf.json: |\n    {\n      "Network": "10.244.0.0/16",\n      "Backend": {"Type": "host-gw"}\n    }\n`
    + `---\nkind: DaemonSet\napiVersion: apps/v1\nmetadata: {name: kube-flannel-ds, namespace: kube-flannel}\nspec:\n  selector: {matchLabels: {app: flannel}}\n  template:\n    metadata: {labels: {app: flannel}}\n    spec:\n      hostNetwork: true\n      tolerations: [{operator: Exists, effect: NoSchedule}]\n      containers: [{name: kube-flannel, image: "docker.io/flannel/flannel:v0.25.1", command: [/opt/bin/flanneld], args: [--ip-masq, --kube-subnet-mgr]}]\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.ok(d.every((x) => x.severity === 'info'));
  assert.equal(t.cluster.clusterCIDR, '10.244.0.0/16');
  assert.deepEqual(t.cluster.cni.plugin === 'flannel' && [t.cluster.cni.backend, t.cluster.cni.mtu], ['host-gw', 1500]);
  assert.equal(t.nodes[0]!.podCIDR, '10.244.0.0/24');
});

test('one broken document costs only itself', () => {
  const text = cluster() + pod('a', 'node1') + `---\nkind: Pod\nmetadata: {name: [\n` + pod('b', 'node2');
  const r = loadTopology({ path: 't.yaml', text }, noIncludes);
  assert.deepEqual(r.diagnostics.map((x) => x.code), ['PW1001']);
  assert.deepEqual(r.value!.pods.map((p) => p.name), ['a', 'b']);
});

test('JSON takes the fast path and gives the same topology as the same objects in YAML', () => {
  const yamlText = cluster() + pod('a', 'node1');
  const docs = parseDocuments({ path: 'y.yaml', text: yamlText }).documents.map((x) => x.value);
  const json = JSON.stringify({ apiVersion: 'v1', kind: 'List', items: docs }, null, 1);
  const fromJson = loadTopology({ path: 't.yaml', text: json }, noIncludes).value!;
  const fromYaml = load(yamlText).t;
  const strip = (t: Topology) => JSON.parse(JSON.stringify({ ...t, cluster: { ...t.cluster, source: undefined } }, (k, v: unknown) => (k === 'source' ? undefined : v))) as unknown;
  assert.deepEqual(strip(fromJson), strip(fromYaml));
});

test('Node objects complete the Cluster nodes and add new ones', () => {
  const text = cluster(undefined, '[{name: node1, address: 192.168.1.11}]')
    + `---\napiVersion: v1\nkind: Node\nmetadata: {name: node1, labels: {zone: a}}\nspec: {podCIDR: 10.42.7.0/24}\nstatus: {addresses: [{type: Hostname, address: node1}, {type: InternalIP, address: 192.168.1.99}]}\n`
    + `---\napiVersion: v1\nkind: Node\nmetadata: {name: node2}\nspec: {podCIDR: 10.42.8.0/24}\nstatus: {addresses: [{type: InternalIP, address: 192.168.1.12}]}\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.deepEqual(t.nodes.map((n) => [n.name, n.address, n.podCIDR, n.labels.zone]), [['node1', '192.168.1.11', '10.42.7.0/24', 'a'], ['node2', '192.168.1.12', '10.42.8.0/24', undefined]]);
});

test('spec.include loads the listed files through the host', () => {
  const files: Record<string, string> = { 'objects/pods.yaml': pod('a', 'node1').slice(4) };
  const host: LoadHost = { expandInclude: (p) => Object.keys(files).filter((f) => f.startsWith(p.replace('*.yaml', ''))), readFile: (f) => files[f] };
  const text = cluster().replace('  nodes:', '  include: ["objects/*.yaml"]\n  nodes:');
  const { t, d } = load(text, host);
  assert.deepEqual(problems(d), []);
  assert.equal(t.pods[0]!.source.file, 'objects/pods.yaml');
});

test('Multus: a pod naming a NetworkAttachmentDefinition gets net1 from its range', () => {
  const text = cluster()
    + `---\napiVersion: k8s.cni.cncf.io/v1\nkind: NetworkAttachmentDefinition\nmetadata: {name: macvlan-conf}\nspec:\n  config: '{"cniVersion": "0.3.1", "type": "macvlan", "master": "eth1", "mode": "bridge", "ipam": {"type": "host-local", "subnet": "192.168.100.0/24", "rangeStart": "192.168.100.200", "gateway": "192.168.100.1"}}'\n`
    + `---\napiVersion: v1\nkind: Pod\nmetadata: {name: a, annotations: {k8s.v1.cni.cncf.io/networks: macvlan-conf}}\nspec: {nodeName: node1}\n`
    + `---\napiVersion: v1\nkind: Pod\nmetadata: {name: b, annotations: {k8s.v1.cni.cncf.io/networks: 'default/macvlan-conf@eth9'}}\nspec: {nodeName: node2}\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.deepEqual(t.cluster.networks.map((n) => [n.name, n.type, n.master, n.subnet, n.gateway, n.rangeStart]), [['macvlan-conf', 'macvlan', 'eth1', '192.168.100.0/24', '192.168.100.1', '192.168.100.200']]);
  assert.deepEqual(t.pods.map((p) => p.secondaryInterfaces.map((i) => `${i.name} ${i.network} ${i.address}`)), [['net1 default/macvlan-conf 192.168.100.200'], ['eth9 default/macvlan-conf 192.168.100.201']]);
});

test('hostNetwork pods take their node\'s address and MAC', () => {
  const { t } = load(cluster(undefined, '[{name: node1, address: 192.168.1.11, mac: "52:54:00:00:00:11", podCIDR: 10.42.1.0/24}]') + `---\napiVersion: v1\nkind: Pod\nmetadata: {name: h}\nspec: {nodeName: node1, hostNetwork: true}\n` + pod('a', 'node1'));
  assert.deepEqual(t.pods.map((p) => [p.name, p.ip, p.mac]), [['h', '192.168.1.11', '52:54:00:00:00:11'], ['a', '10.42.1.2', '0a:58:0a:2a:01:02']]);
});

test('NetworkPolicy policyTypes default as Kubernetes defaults them', () => {
  const np = (name: string, spec: string) => `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: ${name}}\nspec: ${spec}\n`;
  const { t, d } = load(cluster('{plugin: canal}') + np('i', '{podSelector: {}}') + np('e', '{podSelector: {matchLabels: {app: web}}, egress: [{to: [{ipBlock: {cidr: 10.0.0.0/8, except: [10.1.0.0/16]}}], ports: [{port: http}, {protocol: UDP, port: 53, endPort: 60}]}]}'));
  assert.deepEqual(problems(d), []);
  assert.deepEqual(t.policies.map((p) => p.policyTypes), [['Ingress'], ['Ingress', 'Egress']]);
  assert.deepEqual(t.policies[1]!.egress[0]!.ports, [{ protocol: 'TCP', port: 'http' }, { protocol: 'UDP', port: 53, endPort: 60 }]);
  assert.deepEqual(t.policies[1]!.egress[0]!.peers[0]!.ipBlock, { cidr: '10.0.0.0/8', except: ['10.1.0.0/16'] });
});

test('the whole-stream fast path and the document-by-document fallback agree on values and positions', () => {
  const text = `# header comment\n\n---\n# leading\na: 1\n---\n---\nb: [1, 2]\n...\n# between\n---\n%YAML 1.2\n---\nc: {d: e}\n---\n- x\n`;
  const fast = parseDocuments({ path: 'f.yaml', text });
  const slow = parseDocuments({ path: 'f.yaml', text: `${text}---\nbroken: [\n` });
  assert.deepEqual(fast.diagnostics, []);
  assert.deepEqual(slow.diagnostics.map((d) => d.code), ['PW1001']);
  const view = (p: typeof fast) => p.documents.map((d) => ({ value: d.value, pos: d.pos, b: d.value && typeof d.value === 'object' ? d.span([Object.keys(d.value)[0]!]) : undefined }));
  assert.deepEqual(view(fast), view(slow));
  assert.deepEqual(fast.documents.map((d) => [d.pos.line, d.value]), [[5, { a: 1 }], [8, { b: [1, 2] }], [14, { c: { d: 'e' } }], [16, ['x']]]);
});

test('an ipBlock or source range with host bits reads as its network, as the API server accepts it; a podCIDR with them is an error', () => {
  const text = cluster('{plugin: canal}')
    + `---\napiVersion: networking.k8s.io/v1\nkind: NetworkPolicy\nmetadata: {name: p}\nspec: {podSelector: {}, ingress: [{from: [{ipBlock: {cidr: 192.168.1.7/24}}]}]}\n`
    + `---\napiVersion: v1\nkind: Service\nmetadata: {name: lb}\nspec: {type: LoadBalancer, ports: [{port: 80}], loadBalancerSourceRanges: [203.0.113.9/24]}\n`;
  const { t, d } = load(text);
  assert.deepEqual(problems(d), []);
  assert.equal(t.policies[0]!.ingress[0]!.peers[0]!.ipBlock!.cidr, '192.168.1.0/24');
  assert.deepEqual(t.services[0]!.loadBalancerSourceRanges, ['203.0.113.0/24']);
  const bad = loadTopology({ path: 't.yaml', text: cluster(undefined, '[{name: n, address: 192.168.1.1, podCIDR: 10.42.1.1/24}]') }, noIncludes);
  assert.deepEqual(bad.diagnostics.map((x) => x.code), ['PW3001']);
});
