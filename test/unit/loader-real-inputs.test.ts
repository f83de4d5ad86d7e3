/**
 * What real inputs hold that hand-written topologies do not, one rule per test: RBAC and custom
 * resources beside the objects the simulator reads, typed lists from the API, nodes as kubelet
 * labels them, pods that stopped, `kubectl -o json`'s zero values, and a dump that holds both the
 * workloads and the pods they made.
 */

import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { capture } from '../fixtures/cli';

const cluster = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: real}
spec:
  clusterCIDR: 10.244.0.0/16
  cni: {plugin: flannel, backend: vxlan}
  nodes:
  - {name: node1, address: 192.168.1.11}
  - {name: node2, address: 192.168.1.12}
`;

function load(text: string): { t: Topology | undefined; d: readonly Diagnostic[] } {
  const r = loadTopology({ path: 't.yaml', text: `${cluster}---\n${text}` }, noIncludes);
  return { t: r.value, d: r.diagnostics };
}

/** A running pod and a Service selecting it, as items of a `kind: List`. */
const runningWeb = `- apiVersion: v1
  kind: Pod
  metadata: {name: web, labels: {app: web}}
  spec: {nodeName: node1, containers: [{name: c}]}
  status: {phase: Running, podIP: 10.244.0.5}
- apiVersion: v1
  kind: Service
  metadata: {name: web}
  spec: {selector: {app: web}, ports: [{port: 80}]}
`;

const notInfo = (d: readonly Diagnostic[]): string[] => d.filter((x) => x.severity !== 'info').map((x) => `${x.code} ${x.message}`);

test("a ClusterRoleBinding's subjects are not mistaken for an Endpoints' subsets", () => {
  const { d } = load(`apiVersion: rbac.authorization.k8s.io/v1
kind: ClusterRoleBinding
metadata: {name: flannel}
roleRef: {apiGroup: rbac.authorization.k8s.io, kind: ClusterRole, name: flannel}
subjects:
- {kind: ServiceAccount, name: flannel, namespace: kube-flannel}
`);
  assert.deepEqual(notInfo(d), []);
});

test("an operator's custom resources load silently, even one named like a read kind; a misspelled kind of a read group still warns", () => {
  // OpenShift's network operator config (calico manifests/ocp/cluster-network-operator.yaml): "Network" is a near miss of "NetworkSet".
  assert.deepEqual(notInfo(load('apiVersion: operator.openshift.io/v1\nkind: Network\nmetadata: {name: cluster}\nspec: {deployKubeProxy: false}\n').d), []);
  assert.deepEqual(notInfo(load('apiVersion: apps/v1\nkind: Deploymnet\nmetadata: {name: web}\n').d).map((m) => m.slice(0, 6)), ['PW2002']);
});

test("a read kind under another built-in group is refused as the API server refuses it; Calico's own kinds, a Tier too, load silently", () => {
  const { d } = load(`apiVersion: v1
kind: Deployment
metadata: {name: web}
spec: {selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: crd.projectcalico.org/v1
kind: Tier
metadata: {name: default}
spec: {order: 1000000}
---
apiVersion: crd.projectcalico.org/v1
kind: NetworkPolicy
metadata: {name: default.allow-dns, namespace: default}
spec: {tier: default, selector: all(), types: [Egress]}
`);
  assert.deepEqual(notInfo(d), ['PW2010 Deployment is not served by v1; write apiVersion apps/v1 (as written the API server refuses it and the document is ignored)']);
});

test("a kind of another API group is that API's object: Calico's projectcalico.org NetworkPolicy is not read as Kubernetes'", () => {
  const { t, d } = load(`apiVersion: projectcalico.org/v3
kind: NetworkPolicy
metadata: {name: allow-dns, namespace: default}
spec: {selector: all(), types: [Egress]}
`);
  assert.deepEqual(notInfo(d), []);
  assert.equal(t!.policies.length, 0);
});

test("typed lists give their items the list's kind and apiVersion, as client-go's decoder does", () => {
  const { t, d } = load(`{"kind": "PodList", "apiVersion": "v1", "metadata": {"resourceVersion": "1"}, "items": [
  {"metadata": {"name": "a", "namespace": "default"}, "spec": {"nodeName": "node1", "containers": [{"name": "c"}]}, "status": {"phase": "Running", "podIP": "10.244.0.5"}},
  {"metadata": {"name": "b", "namespace": "default"}, "spec": {"nodeName": "node2", "containers": [{"name": "c"}]}, "status": {"phase": "Running", "podIP": "10.244.1.5"}}]}
---
apiVersion: v1
kind: ServiceList
items:
- metadata: {name: web, namespace: default}
  spec: {clusterIP: 10.96.0.20, ports: [{port: 80, nodePort: 0}]}
`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.pods.map((p) => `${p.name} ${p.ip}`), ['a 10.244.0.5', 'b 10.244.1.5']);
  assert.deepEqual(t!.services.map((s) => s.name), ['web']);
});

test("nodes carry the labels every kubelet sets, so upstream nodeSelectors place DaemonSet pods; a node's own labels win", () => {
  const { t, d } = load(`apiVersion: apps/v1
kind: DaemonSet
metadata: {name: agent, namespace: kube-system}
spec:
  selector: {matchLabels: {app: agent}}
  template:
    metadata: {labels: {app: agent}}
    spec:
      nodeSelector: {kubernetes.io/os: linux, kubernetes.io/hostname: node2}
      containers: [{name: agent}]
`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.pods.map((p) => p.nodeName), ['node2']);
  assert.equal(t!.nodes[0]!.labels['kubernetes.io/arch'], 'amd64');
  assert.equal(t!.nodes[0]!.labels['beta.kubernetes.io/os'], 'linux');
});

test('a pod no node admits is a warning at its nodeSelector, and the rest of the cluster loads', () => {
  const { t, d } = load(`apiVersion: v1
kind: Pod
metadata: {name: gpu}
spec: {nodeSelector: {accelerator: nvidia}, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: web}
spec: {containers: [{name: c}]}
`);
  assert.deepEqual(d.filter((x) => x.severity !== 'info').map((x) => `${x.code} ${x.severity} ${x.line}`), ['PW4017 warning 14']);
  assert.deepEqual(t!.pods.map((p) => p.name), ['web']);
});

test('pods in phase Succeeded or Failed hold no address: a running pod may have it, and they are nobody\'s endpoint', () => {
  const { t, d } = load(`apiVersion: v1
kind: List
items:
- apiVersion: v1
  kind: Pod
  metadata: {name: job-done, labels: {app: web}}
  spec: {nodeName: node1, containers: [{name: c}]}
  status: {phase: Succeeded, podIP: 10.244.0.5}
- apiVersion: v1
  kind: Pod
  metadata: {name: job-failed, labels: {app: web}}
  spec: {nodeName: node1, containers: [{name: c}]}
  status: {phase: Failed, podIP: 10.244.0.6}
${runningWeb}`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.pods.map((p) => p.name), ['web']);
  assert.deepEqual(t!.endpointSlices.flatMap((s) => s.endpoints.flatMap((e) => e.addresses)), ['10.244.0.5']);
});

test('a pod the API shows Pending on no node is a warning and left out, not placed by the loader', () => {
  const { t, d } = load(`apiVersion: v1
kind: PodList
items:
- metadata: {name: big, namespace: default}
  spec: {containers: [{name: c}]}
  status: {phase: Pending, conditions: [{type: PodScheduled, status: "False", reason: Unschedulable}]}
- metadata: {name: web, namespace: default}
  spec: {nodeName: node1, containers: [{name: c}]}
  status: {phase: Running, podIP: 10.244.0.5}
`);
  assert.deepEqual(d.filter((x) => x.severity !== 'info').map((x) => `${x.code} ${x.line}:${x.col}`), ['PW4017 16:19']);
  assert.deepEqual(t!.pods.map((p) => p.name), ['web']);
});

test('a dual-stack Node is at its IPv4 InternalIP, whichever family it lists first', () => {
  const { t, d } = load(`apiVersion: v1
kind: Node
metadata: {name: node3}
status:
  addresses:
  - {type: InternalIP, address: "fd00:10::3"}
  - {type: InternalIP, address: 192.168.1.13}
  - {type: Hostname, address: node3}
`);
  assert.deepEqual(notInfo(d), []);
  assert.equal(t!.nodes.find((n) => n.name === 'node3')!.address, '192.168.1.13');
});

test('a hostNetwork pod has its node\'s address, shared with the node and its other hostNetwork pods', () => {
  const { t, d } = load(`apiVersion: v1
kind: PodList
items:
- metadata: {name: kube-proxy-a, namespace: kube-system}
  spec: {nodeName: node1, hostNetwork: true, containers: [{name: c}]}
  status: {phase: Running, podIP: 192.168.1.11, hostIP: 192.168.1.11}
- metadata: {name: node-exporter-a, namespace: kube-system}
  spec: {nodeName: node1, hostNetwork: true, containers: [{name: c}]}
  status: {phase: Running, podIP: 192.168.1.11, hostIP: 192.168.1.11}
`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.pods.map((p) => p.ip), ['192.168.1.11', '192.168.1.11']);
});

test("a Service's Endpoints beside its EndpointSlices add nothing: kube-proxy reads the slices", () => {
  const { t, d } = load(`apiVersion: v1
kind: List
items:
${runningWeb}- apiVersion: v1
  kind: Endpoints
  metadata: {name: web}
  subsets: [{addresses: [{ip: 10.244.0.5, nodeName: node1}], ports: [{port: 80}]}]
- apiVersion: discovery.k8s.io/v1
  kind: EndpointSlice
  metadata: {name: web-x7k2p, labels: {kubernetes.io/service-name: web}}
  addressType: IPv4
  endpoints: [{addresses: [10.244.0.5], conditions: {ready: true}, nodeName: node1}]
  ports: [{port: 80, protocol: TCP}]
`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.endpointSlices.map((s) => s.name), ['web-x7k2p']);
});

test("a dump's pods stand for the workloads that made them: no second copy of each pod", () => {
  const { t, d } = load(`apiVersion: apps/v1
kind: DeploymentList
items:
- metadata: {name: web, namespace: default}
  spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: ReplicaSetList
items:
- metadata:
    name: web-5d4f7
    namespace: default
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
  spec: {replicas: 1, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
- metadata:
    name: web-old
    namespace: default
    ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
  spec: {replicas: 0, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: v1
kind: PodList
items:
- metadata:
    name: web-5d4f7-x2x9k
    namespace: default
    labels: {app: web}
    ownerReferences: [{apiVersion: apps/v1, kind: ReplicaSet, name: web-5d4f7, uid: u2, controller: true}]
  spec: {nodeName: node2, containers: [{name: c}]}
  status: {phase: Running, podIP: 10.244.1.7}
`);
  assert.deepEqual(notInfo(d), []);
  assert.deepEqual(t!.pods.map((p) => p.name), ['web-5d4f7-x2x9k']);
});

test('a Deployment and its ReplicaSet without pods make the pods once, from the Deployment', () => {
  const { t } = load(`apiVersion: apps/v1
kind: Deployment
metadata: {name: web}
spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
---
apiVersion: apps/v1
kind: ReplicaSet
metadata:
  name: web-5d4f7
  ownerReferences: [{apiVersion: apps/v1, kind: Deployment, name: web, uid: u1, controller: true}]
spec: {replicas: 2, selector: {matchLabels: {app: web}}, template: {metadata: {labels: {app: web}}, spec: {containers: [{name: c}]}}}
`);
  assert.deepEqual(t!.pods.map((p) => p.ownerKind), ['Deployment', 'Deployment']);
});

test('an invalid object is reported where it is written and left out; check exits 1, trace still walks the rest', async () => {
  const text = `${cluster}---
apiVersion: v1
kind: Pod
metadata: {name: a}
spec: {nodeName: node1, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: b}
spec: {nodeName: node2, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: ghost}
spec: {nodeName: node9, containers: [{name: c}]}
---
apiVersion: v1
kind: Pod
metadata: {name: c}
spec: {nodeName: node2, containers: [{name: c, ports: [{name: http}]}]}
`;
  const file = `${mkdtempSync(`${tmpdir()}/pw-`)}/t.yaml`;
  writeFileSync(file, text);
  const checked = capture();
  assert.equal(await main(['check', file], checked.io), 1);
  const traced = capture();
  assert.equal(await main(['trace', file, '--from', 'pod/default/a', '--to', 'pod/default/b'], traced.io), 0);
  assert.match(traced.err.join('\n'), /t\.yaml:24:18: error: pod default\/ghost cannot be placed/);
  assert.match(traced.err.join('\n'), /t\.yaml:29:56: error: spec\.containers\[0\]\.ports\[0\]\.containerPort is required/);
  assert.match(traced.out.join('\n'), /DELIVERED/);
});
