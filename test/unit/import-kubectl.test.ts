import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, readdirSync, writeFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { kubeContexts } from '../../src/cli/kubectl';
import { dumps, UPSTREAM } from './importDumps';

/**
 * A kube-apiserver that answers from recorded responses: the discovery documents in the shape
 * kube-apiserver serves them (as kubernetes/kubernetes records them under api/discovery/:
 * api.json, api__v1.json, apis__apps__v1.json, apis__discovery.k8s.io__v1.json,
 * apis__networking.k8s.io__v1.json; only the resources kubectl is asked for here are listed), and
 * the lists of a real cluster: the OKE cluster's `cluster-info dump`, whose per-namespace lists
 * are what the API returned for each namespace, joined into the all-namespaces list.
 */
const CRUD = ['create', 'delete', 'deletecollection', 'get', 'list', 'patch', 'update', 'watch'];
const resource = (kind: string, name: string, namespaced: boolean, singularName: string, storageVersionHash: string, shortNames?: string[], categories?: string[]) => ({
  ...(categories ? { categories } : {}), kind, name, namespaced, ...(shortNames ? { shortNames } : {}), singularName, storageVersionHash, verbs: CRUD,
});
const groupVersion = (group: string, version: string) => ({ name: group, preferredVersion: { groupVersion: `${group}/${version}`, version }, versions: [{ groupVersion: `${group}/${version}`, version }] });

const discovery: Record<string, unknown> = {
  '/api': { kind: 'APIVersions', serverAddressByClientCIDRs: [{ clientCIDR: '0.0.0.0/0', serverAddress: '10.10.10.10:8050' }], versions: ['v1'] },
  '/api/v1': {
    groupVersion: 'v1', kind: 'APIResourceList', resources: [
      resource('ConfigMap', 'configmaps', true, 'configmap', 'qFsyl6wFWjQ=', ['cm']),
      resource('Endpoints', 'endpoints', true, 'endpoints', 'fWeeMqaN/OA=', ['ep']),
      resource('Namespace', 'namespaces', false, 'namespace', 'Q3oi5N2YM8M=', ['ns']),
      resource('Node', 'nodes', false, 'node', 'XwShjMxG9Fs=', ['no']),
      resource('Pod', 'pods', true, 'pod', 'xPOwRZ+Yhw8=', ['po'], ['all']),
      resource('Service', 'services', true, 'service', '0/CO1lhkEBI=', ['svc'], ['all']),
    ],
  },
  '/apis': { kind: 'APIGroupList', apiVersion: 'v1', groups: [groupVersion('apps', 'v1'), groupVersion('discovery.k8s.io', 'v1'), groupVersion('networking.k8s.io', 'v1')] },
  '/apis/apps/v1': { apiVersion: 'v1', groupVersion: 'apps/v1', kind: 'APIResourceList', resources: [resource('DaemonSet', 'daemonsets', true, 'daemonset', 'dd7pWHUlMKQ=', ['ds'], ['all'])] },
  '/apis/discovery.k8s.io/v1': { apiVersion: 'v1', groupVersion: 'discovery.k8s.io/v1', kind: 'APIResourceList', resources: [resource('EndpointSlice', 'endpointslices', true, 'endpointslice', 'Nx3SIv6I0mE=')] },
  '/apis/networking.k8s.io/v1': { apiVersion: 'v1', groupVersion: 'networking.k8s.io/v1', kind: 'APIResourceList', resources: [resource('NetworkPolicy', 'networkpolicies', true, 'networkpolicy', 'YpfwF18m1G8=', ['netpol'])] },
};

/** The all-namespaces list of one resource: the dump's per-namespace lists of it, their items joined. */
function recordedList(files: readonly string[], kind: string, apiVersion: string): unknown {
  const lists = files.map((f) => JSON.parse(readFileSync(f, 'utf8')) as { metadata?: unknown; items?: unknown[] | null });
  return { kind, apiVersion, metadata: { resourceVersion: '1' }, items: lists.flatMap((l) => l.items ?? []) };
}

function recordedApi(): { routes: Map<string, unknown>; requests: string[] } {
  const dump = dumps.find((d) => d.dir === 'eugsim1+wls-oke-amsterdam20v')!;
  const dir = path.join(UPSTREAM, dump.dir);
  const names = readdirSync(dir).filter((n) => !n.endsWith('.provenance'));
  const of = (suffix: string) => names.filter((n) => n.endsWith(`__${suffix}`)).map((n) => path.join(dir, n));
  // cluster-info dump --all-namespaces writes one folder per namespace the API listed.
  const namespaces = [...new Set(names.filter((n) => n.split('__').length === 3).map((n) => n.split('__')[1]!))].sort();
  const routes = new Map<string, unknown>(Object.entries(discovery));
  routes.set('/api/v1/nodes', JSON.parse(readFileSync(path.join(dir, 'cluster-state__nodes.json'), 'utf8')));
  routes.set('/api/v1/namespaces', { kind: 'NamespaceList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: namespaces.map((name) => ({ metadata: { name, labels: { 'kubernetes.io/metadata.name': name } }, spec: { finalizers: ['kubernetes'] }, status: { phase: 'Active' } })) });
  routes.set('/api/v1/pods', recordedList(of('pods.json'), 'PodList', 'v1'));
  routes.set('/api/v1/services', recordedList(of('services.json'), 'ServiceList', 'v1'));
  routes.set('/apis/apps/v1/daemonsets', recordedList(of('daemonsets.json'), 'DaemonSetList', 'apps/v1'));
  routes.set('/api/v1/configmaps', { kind: 'ConfigMapList', apiVersion: 'v1', metadata: { resourceVersion: '1' }, items: [] });
  routes.set('/apis/discovery.k8s.io/v1/endpointslices', { kind: 'EndpointSliceList', apiVersion: 'discovery.k8s.io/v1', metadata: { resourceVersion: '1' }, items: [] });
  routes.set('/apis/networking.k8s.io/v1/networkpolicies', { kind: 'NetworkPolicyList', apiVersion: 'networking.k8s.io/v1', metadata: { resourceVersion: '1' }, items: [] });
  routes.set('/version', { major: '1', minor: '18', gitVersion: 'v1.18.10', platform: 'linux/amd64' });
  return { routes, requests: [] };
}

function serve(api: { routes: Map<string, unknown>; requests: string[] }): Promise<Server> {
  const server = createServer((req, res) => {
    const url = new URL(req.url ?? '/', 'http://x');
    api.requests.push(url.pathname);
    const body = api.routes.get(url.pathname);
    if (body === undefined) {
      res.writeHead(404, { 'content-type': 'application/json' });
      res.end(JSON.stringify({ kind: 'Status', apiVersion: 'v1', metadata: {}, status: 'Failure', message: 'the server could not find the requested resource', reason: 'NotFound', details: {}, code: 404 }));
      return;
    }
    // Legacy discovery: plain application/json tells kubectl to read /api and /apis group by group.
    res.writeHead(200, { 'content-type': 'application/json' });
    res.end(JSON.stringify(body));
  });
  return new Promise((resolve) => server.listen(0, '127.0.0.1', () => resolve(server)));
}

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

test('import --context runs the real kubectl against a local server replaying recorded API responses (an OKE cluster\'s lists)', { skip: hasKubectl ? false : 'kubectl is not installed (scripts/setup.sh installs Debian\'s kubectl)' }, async () => {
  const api = recordedApi();
  const server = await serve(api);
  const home = mkdtempSync(path.join(tmpdir(), 'pw-kube-'));
  const kubeconfig = path.join(home, 'config');
  const { port } = server.address() as AddressInfo;
  writeFileSync(kubeconfig, [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: recorded, cluster: {server: "http://127.0.0.1:${port}"}}]`,
    'users: [{name: nobody, user: {}}]',
    'contexts: [{name: oke-recorded, context: {cluster: recorded, user: nobody}}, {name: other, context: {cluster: recorded, user: nobody}}]',
    'current-context: other', '',
  ].join('\n'));
  // kubectl caches discovery under $HOME/.kube/cache; a fresh HOME keeps each run honest.
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
  process.env.HOME = home;
  delete process.env.KUBECONFIG;
  try {
    assert.deepEqual(await kubeContexts({ kubeconfig }), ['oke-recorded', 'other']);
    const out = path.join(home, 'oke.yaml');
    const err: string[] = [];
    const code = await main(['import', '--context', 'oke-recorded', '--kubeconfig', kubeconfig, '-o', out], { out: () => undefined, err: (t) => void err.push(t) });
    assert.equal(code, 0, err.join('\n'));
    // kubectl found every resource by discovery and listed each across all namespaces.
    for (const p of ['/api', '/apis', '/api/v1/nodes', '/api/v1/pods', '/apis/apps/v1/daemonsets', '/apis/discovery.k8s.io/v1/endpointslices']) assert.ok(api.requests.includes(p), `kubectl did not request ${p}: ${api.requests.join(' ')}`);
    assert.match(err.join('\n'), /reading nodes,namespaces,pods,services,endpointslices,networkpolicies,daemonsets,configmaps from context oke-recorded/);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /name: oke-recorded\n/);
    assert.match(text, /plugin: flannel {2}# from DaemonSet kube-system\/kube-flannel-ds, container kube-flannel/);
    const check: string[] = [];
    assert.equal(await main(['check', out, '--quiet'], { out: (t) => void check.push(t), err: (t) => void check.push(t) }), 0, check.join('\n'));
    const trace: string[] = [];
    const pp = dumps[1]!.podToPod;
    assert.equal(await main(['trace', out, '--from', pp.from, '--to', pp.to, '--port', String(pp.port), '--json'], { out: (t) => void trace.push(t), err: () => undefined }), 0);
    assert.equal((JSON.parse(trace.join('\n')) as { disposition: string }).disposition, 'DELIVERED');
  } finally {
    process.env.HOME = saved.HOME;
    if (saved.KUBECONFIG !== undefined) process.env.KUBECONFIG = saved.KUBECONFIG;
    server.close();
  }
});

test('import --context says what kubectl said when the cluster cannot be reached', { skip: hasKubectl ? false : 'kubectl is not installed' }, async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pw-kube-'));
  const kubeconfig = path.join(home, 'config');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\n');
  const err: string[] = [];
  assert.equal(await main(['import', '--context', 'gone', '--kubeconfig', kubeconfig], { out: () => undefined, err: (t) => void err.push(t) }), 1);
  assert.match(err.join('\n'), /kubectl failed: .*(refused|connect)/);
});
