import { readFileSync, readdirSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import * as path from 'node:path';
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

/** The recorded API on a free port of 127.0.0.1: its URL, the paths kubectl asked for, and how to stop it. */
export async function replayServer(): Promise<{ url: string; requests: string[]; close(): void }> {
  const api = recordedApi();
  const server = await serve(api);
  const { port } = server.address() as AddressInfo;
  return { url: `http://127.0.0.1:${port}`, requests: api.requests, close: () => void server.close() };
}

/** A kubeconfig whose contexts `oke-recorded` and `other` both reach `server`, current-context other. */
export function recordedKubeconfig(server: string): string {
  return [
    'apiVersion: v1', 'kind: Config',
    `clusters: [{name: recorded, cluster: {server: "${server}"}}]`,
    'users: [{name: nobody, user: {}}]',
    'contexts: [{name: oke-recorded, context: {cluster: recorded, user: nobody}}, {name: other, context: {cluster: recorded, user: nobody}}]',
    'current-context: other', '',
  ].join('\n');
}
