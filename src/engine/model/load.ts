/**
 * Stage 2 of the data flow: parsed documents → the validated, normalised Topology of types.ts.
 * Reads every document by kind, completes what a running cluster would fill in (derive.ts), checks
 * the objects against each other (checks.ts), and returns diagnostics beside the value: an object
 * with errors is left out, the rest still loads.
 */

import { cidrContains, cidrsOverlap, formatCidr, parseCidr, parseIPv4, type Cidr } from '../net/cidr';
import type { Diagnostic, Result } from '../diagnostics';
import type { LoadHost, SourceFile } from './host';
import type { EndpointSlice, ExternalHost, Namespace, NetworkPolicy, NodeInfo, Pod, SecondaryNetwork, Service, Topology } from './types';
import { cniRegistry } from '../cni/index';
import { checkPodAddress, checkPodCidrs, checkServiceSelection, firstOfEachName, firstOfEachNamespacedName, AddressBook } from './checks';
import { nodeMac, readCluster, type ClusterDraft, type ExternalDraft, type NodeDraft } from './cluster';
import { checkFlannelNetwork, readCniSources, resolveCni } from './cni';
import { allocateClusterIps, allocateNodePorts, assignPodAddresses, deriveEndpointSlices, placePods } from './derive';
import { visitDocuments, type ParsedDocument } from './documents';
import { readEndpoints, readEndpointSlice } from './endpoints';
import { apiVersionOf, ignoredKinds, isRead, isReadKind, mayBeMisspelled, readKinds } from './kinds';
import { readMeta } from './meta';
import { attachNetworks, readNad } from './multus';
import { nearest } from './nearest';
import { addKubeletLabels, assignPodCidrs, readK8sNode } from './nodes';
import { rootFields } from './k8sFields';
import { hasStopped, isUnscheduled, readPod, type PodDraft } from './pods';
import { readPolicy } from './policies';
import { isRecord, Reader } from './reader';
import { diagnostic, pointAt } from './report';
import { SelectorIndex } from './selectIndex';
import { readService, type ServiceDraft } from './services';
import { alreadyMade, controllerOf, expandWorkload, workloadKey } from './workloads';

const DEFAULT_CLUSTER_CIDR = '10.244.0.0/16';
const DEFAULT_SERVICE_CIDR = '10.96.0.0/12';
const noInterfaces: Pod['secondaryInterfaces'] = [];

/** A workload document, expanded into pods once the nodes are known. */
interface WorkloadSource {
  readonly kind: 'Deployment' | 'ReplicaSet' | 'StatefulSet' | 'DaemonSet';
  readonly r: Reader;
}

/**
 * What the load keeps of the documents as they stream past. Pods, Services, EndpointSlices and
 * Endpoints, the bulk of a large file, are read as soon as they are parsed and their trees
 * released; the other kinds are few, and are read once the Cluster is known.
 */
interface Gathered {
  /** Documents of the kinds read later, by kind, in file order. */
  readonly later: Map<string, Reader[]>;
  /** Pods and the workloads that make pods, in file order. */
  readonly podSources: (PodDraft | WorkloadSource)[];
  readonly services: ServiceDraft[];
  /** Given EndpointSlices, and those read from Endpoints (`legacy`). */
  readonly slices: { slice: EndpointSlice; r: Reader; legacy: boolean }[];
  /** The controllers the stream's Pods name (`controllerOf`), whose pods are not derived again. */
  readonly podOwners: Set<string>;
  /** How many documents were of a kind the simulator reads. */
  read: number;
}

const isWorkload = (k: string): k is WorkloadSource['kind'] => k === 'Deployment' || k === 'ReplicaSet' || k === 'StatefulSet' || k === 'DaemonSet';

// Paths every document is read at, made once rather than once per document.
const ROOT: readonly [] = [];
const KIND = ['kind'] as const;
const knownKinds = [...readKinds, ...ignoredKinds];

/** Checks one document's kind and fields, and reads it now or keeps it for later. */
function take(doc: ParsedDocument, into: Gathered, out: Diagnostic[]): void {
  const r = new Reader(doc, out);
  if (!isRecord(doc.value)) {
    out.push(diagnostic('notAMapping', doc.span([]), 'this document is not a mapping of fields; a topology document is a Kubernetes object or the Cluster, starting with apiVersion and kind'));
    return;
  }
  const kind = r.str(KIND, true);
  if (kind === undefined) return;
  const apiVersion = doc.value.apiVersion;
  const version = typeof apiVersion === 'string' ? apiVersion : undefined;
  if (!isRead(kind, version)) {
    // Only a near miss of a kind the simulator reads, in a group it reads from, may be a mistake;
    // every other kind (RBAC, CRDs, an operator's resources) loads silently, fields unchecked.
    if (isReadKind(kind) && mayBeMisspelled(version)) {
      // A group the simulator reads, but not this kind's: the API server has no such resource.
      r.report('badApiVersion', ['apiVersion'], `${kind} is not served by ${version}; write apiVersion ${apiVersionOf(kind)} (as written the API server refuses it and the document is ignored)`);
      return;
    }
    const real = ignoredKinds.includes(kind);
    const near = real || isReadKind(kind) || !mayBeMisspelled(version) ? undefined : nearest(kind, knownKinds);
    if (near) r.report('unknownKind', ['kind'], `unknown kind "${kind}"; did you mean "${near}"? (as written the document is ignored)`);
    else r.report('ignoredKind', ['kind'], real ? `${kind} is a real Kubernetes kind that does not affect where packets go; it is ignored` : `kind ${kind} of ${version ?? 'no apiVersion'} is not one the simulator reads; it is ignored`);
    return;
  }
  if (kind !== 'Cluster') {
    const root = rootFields(kind);
    r.fields(ROOT, root.reads, 'lenient', root.known);
  }
  into.read++;
  if (kind === 'Pod') {
    const owner = controllerOf(doc.value);
    if (owner !== undefined) into.podOwners.add(owner);
    const p = hasStopped(doc.value) ? undefined : readPod(r);
    if (p && isUnscheduled(doc.value)) r.report('unschedulablePod', ['status', 'phase'], `pod ${p.namespace}/${p.name} is Pending on no node (the scheduler found none that fits), so it is left out; if it should run, give it a spec.nodeName or drop its status`);
    else if (p) into.podSources.push(p);
  } else if (kind === 'Service') {
    const s = readService(r);
    if (s) into.services.push(s);
  } else if (kind === 'EndpointSlice') {
    const slice = readEndpointSlice(r);
    if (slice) into.slices.push({ slice, r, legacy: false });
  } else if (kind === 'Endpoints') {
    for (const slice of readEndpoints(r)) into.slices.push({ slice, r, legacy: true });
  } else {
    if (isWorkload(kind)) into.podSources.push({ kind, r });
    const list = into.later.get(kind);
    if (list) list.push(r);
    else into.later.set(kind, [r]);
    return;
  }
  doc.release();
}

/** Streams the documents of the file, then of the files its Cluster includes, into `into`. */
function gather(file: SourceFile, host: LoadHost, into: Gathered, out: Diagnostic[]): void {
  out.push(...visitDocuments(file, (d) => take(d, into, out)));
  const cluster = into.later.get('Cluster')?.[0];
  if (!cluster) return;
  const seen = new Set([file.path]);
  // Read raw: readCluster reports a malformed include list, once.
  const include = cluster.get(['spec', 'include']);
  (Array.isArray(include) ? include : []).forEach((pattern: unknown, i) => {
    if (typeof pattern !== 'string') return;
    const paths = host.expandInclude(pattern, file.path);
    if (paths.length === 0) out.push(diagnostic('includeNoMatch', cluster.span(['spec', 'include', i]), `spec.include "${pattern}" matches no file next to ${file.path}; fix the pattern or remove it`));
    for (const path of paths) {
      if (seen.has(path)) continue;
      seen.add(path);
      const text = host.readFile(path);
      if (text === undefined) {
        out.push(diagnostic('includeUnreadable', cluster.span(['spec', 'include', i]), `${path} (from spec.include "${pattern}") cannot be read; check that it exists and is readable`));
        continue;
      }
      out.push(...visitDocuments({ path, text }, (d) => take(d, into, out)));
    }
  });
}

// The two below are module functions, not closures inside loadTopology: a closure there would
// share its scope, and every node's lazy `source` would keep the load's drafts alive.
function nodeInfo(n: NodeDraft): NodeInfo {
  return {
    get source() { return n.source(); }, name: n.name, address: n.address!, prefixLength: n.prefixLength, interface: n.interface, mac: nodeMac(n),
    podCIDR: n.podCIDR ?? '0.0.0.0/32', ...(n.gateway ? { gateway: n.gateway } : {}), extraInterfaces: n.extraInterfaces,
    extraRoutes: n.extraRoutes, labels: n.labels, enis: n.enis,
  };
}

function externalHost(e: ExternalDraft): ExternalHost {
  return { get source() { return e.source(); }, name: e.name, address: e.address, prefixLength: e.prefixLength, mac: e.mac };
}

function cidrOr(text: string): Cidr {
  return parseCidr(text) as Cidr;
}

export function loadTopology(file: SourceFile, host: LoadHost): Result<Topology | undefined> {
  const diagnostics: Diagnostic[] = [];
  const gathered: Gathered = { later: new Map(), podSources: [], services: [], slices: [], podOwners: new Set(), read: 0 };
  gather(file, host, gathered, diagnostics);
  const byKind = (k: string): readonly Reader[] => gathered.later.get(k) ?? [];

  const clusters = byKind('Cluster');
  for (const extra of clusters.slice(1)) extra.report('secondCluster', ['kind'], 'a topology has one Cluster document and this is a second one; merge them (this one is ignored)');
  if (clusters.length === 0) {
    // A file refused whole (binary, oversize) has already said why; "no Cluster" would only repeat it.
    if (gathered.read === 0 && diagnostics.some((d) => d.severity === 'error')) return { value: undefined, diagnostics };
    diagnostics.push(diagnostic('noCluster', pointAt(file.path, 1, 1), 'no Cluster document (apiVersion: packetwalk.io/v1alpha1, kind: Cluster) was found; add one that lists the nodes and the CNI'));
    return { value: undefined, diagnostics };
  }
  const draft: ClusterDraft = readCluster(clusters[0]!);
  const { cni, network, netConf } = resolveCni(draft.reader, readCniSources(byKind));
  const clusterCidr = draft.clusterCIDR ?? network ?? cidrOr(DEFAULT_CLUSTER_CIDR);
  const serviceCidr = draft.serviceCIDR ?? cidrOr(DEFAULT_SERVICE_CIDR);
  if (cidrsOverlap(clusterCidr, serviceCidr)) {
    draft.reader.report('serviceCidrOverlap', ['spec', 'serviceCIDR'], `the service CIDR ${formatCidr(serviceCidr)} overlaps the cluster (pod) CIDR ${formatCidr(clusterCidr)}; pods and Services need separate ranges`);
  }

  // Nodes: the Cluster's, completed and extended by Node objects.
  const nodeDrafts = firstOfEachName(draft.nodes, (n) => n.name, (n) => ({ reader: n.at.reader, path: [...n.at.path, 'name'] }), 'node');
  for (const r of byKind('Node')) readK8sNode(r, nodeDrafts);
  const nodes = nodeDrafts.filter((n) => n.address !== undefined);
  if (nodes.length === 0) {
    draft.reader.report('noNodes', ['spec', 'nodes'], 'the topology has no node with an address; list nodes under spec.nodes with name and address', 'key');
    return { value: undefined, diagnostics };
  }
  addKubeletLabels(nodes);
  assignPodCidrs(nodes, clusterCidr, cni.plugin === 'calico' ? cni.blockSize : 24);
  checkPodCidrs(nodes, clusterCidr);
  if (netConf) checkFlannelNetwork(netConf, nodes);
  const nodeByName = new Map(nodes.map((n) => [n.name, n]));
  const addresses = new AddressBook();
  for (const n of nodes) addresses.claim(n.address!, () => `node ${n.name}`, { reader: n.at.reader, path: [...n.at.path, 'address'] });
  for (const e of draft.externals) addresses.claim(e.address, () => `external ${e.name}`, { reader: e.at.reader, path: [...e.at.path, 'address'] });
  const externals = firstOfEachName(draft.externals, (e) => e.name, (e) => ({ reader: e.at.reader, path: [...e.at.path, 'name'] }), 'external host');

  // Pods, bare and from workloads, in file order.
  const drafts: PodDraft[] = [];
  const made = alreadyMade(gathered.podOwners, gathered.podSources.filter((s) => 'kind' in s));
  for (const source of gathered.podSources) {
    if (!('kind' in source)) {
      drafts.push(source);
      continue;
    }
    const { kind, r } = source;
    if (made.has(workloadKey(r, kind))) continue;
    const w = expandWorkload(r, kind, nodes);
    if (w.skipped) r.report('ignoredKind', ['kind'], `this ${kind} is not expanded into pods: ${w.skipped}`);
    drafts.push(...w.pods);
  }
  const podDrafts = firstOfEachNamespacedName(drafts, (p) => p, (p) => ({ reader: p.reader, path: [...p.path, 'metadata', 'name'] }), 'pod');
  placePods(podDrafts, nodes);
  // Each placed pod's node, found once: the address and checks below read it by index.
  const placedNodes: NodeDraft[] = [];
  const placed = podDrafts.filter((p) => {
    const node = p.nodeName === undefined ? undefined : nodeByName.get(p.nodeName);
    if (node) return placedNodes.push(node), true;
    // A pod the scheduler cannot place stays Pending, and the cluster goes on without it.
    if (p.nodeName === undefined) p.reader.report('unschedulablePod', [...p.path, 'spec', 'nodeSelector'], `pod ${p.namespace}/${p.name} stays Pending: no node has the labels of its nodeSelector, so it is left out; add them to a node's labels (nodes: ${nodes.map((n) => n.name).join(', ')})`);
    else p.reader.report('unknownNode', [...p.path, 'spec', 'nodeName'], `pod ${p.namespace}/${p.name} cannot be placed: its nodeName ${p.nodeName} is not a node of the topology; use one of ${nodes.map((n) => n.name).join(', ')}`);
    return false;
  });
  const podAddresses = assignPodAddresses(placed, placedNodes, cni, (p, n) => p.reader.report('podCidrExhausted', [...p.path, 'metadata', 'name'], `node ${n.name} has no free pod address left for ${p.namespace}/${p.name}; widen its podCIDR or place the pod elsewhere`));
  const networks: SecondaryNetwork[] = byKind('NetworkAttachmentDefinition').map(readNad).filter((n) => n !== undefined);
  const secondary = attachNetworks(placed, networks);
  const pods: Pod[] = [];
  for (let i = 0; i < placed.length; i++) {
    const a = podAddresses[i];
    if (!a) continue;
    const p = placed[i]!;
    const node = placedNodes[i]!;
    checkPodAddress(p, a.ip, node, cni, clusterCidr);
    if (!p.hostNetwork) addresses.claimPod(a.ip, a.ipNumber!, p);
    // Built without conditional spreads: this loop runs once per pod, and object spread is slow in it.
    const pod: { -readonly [K in keyof Pod]: Pod[K] } = {
      source: p.source, name: p.name, namespace: p.namespace, labels: p.labels, nodeName: node.name, ip: a.ip, ipDerived: a.derived,
      mac: p.hostNetwork ? nodeMac(node) : a.mac, hostNetwork: p.hostNetwork, ready: p.ready, containers: p.containers,
      secondaryInterfaces: secondary.get(p) ?? noInterfaces,
    };
    if (p.ownerKind) pod.ownerKind = p.ownerKind;
    if (p.ownerName) pod.ownerName = p.ownerName;
    pods.push(pod);
  }

  // Services, with clusterIPs and nodePorts allocated where the file has none.
  const serviceDrafts = firstOfEachNamespacedName(gathered.services, (s) => s, (s) => ({ reader: s.reader, path: ['metadata', 'name'] }), 'Service');
  const clusterIps = allocateClusterIps(serviceDrafts, serviceCidr);
  const { nodePort, healthCheck } = allocateNodePorts(serviceDrafts);
  const seenNodePorts = new Map<number, string>();
  const services: Service[] = serviceDrafts.map((s: ServiceDraft) => {
    const ip = clusterIps.get(s) ?? 'None';
    if (s.clusterIP && s.clusterIP !== 'None') {
      if (!cidrContains(serviceCidr, parseIPv4(s.clusterIP)!)) s.reader.report('clusterIpOutside', ['spec', 'clusterIP'], `clusterIP ${s.clusterIP} is outside the service CIDR ${formatCidr(serviceCidr)}; the API server would refuse it, pick an address in the range or leave clusterIP out`);
      addresses.claim(s.clusterIP, () => `Service ${s.namespace}/${s.name}`, { reader: s.reader, path: ['spec', 'clusterIP'] });
    }
    const ports = s.ports.map((p, i) => {
      const np = nodePort.get(s)![i];
      if (p.nodePort !== undefined) {
        const owner = seenNodePorts.get(p.nodePort);
        if (owner) s.reader.report('duplicateNodePort', ['spec', 'ports', i, 'nodePort'], `nodePort ${p.nodePort} is already used by ${owner}; each nodePort belongs to one Service port`);
        else seenNodePorts.set(p.nodePort, `Service ${s.namespace}/${s.name}`);
      }
      return { name: p.name, protocol: p.protocol, port: p.port, targetPort: p.targetPort, ...(np !== undefined ? { nodePort: np } : {}) };
    });
    const hc = healthCheck.get(s);
    return {
      source: s.source, name: s.name, namespace: s.namespace, type: s.type, clusterIP: ip, ports, ...(s.selector ? { selector: s.selector } : {}),
      externalIPs: s.externalIPs, loadBalancerIPs: s.loadBalancerIPs, loadBalancerSourceRanges: s.loadBalancerSourceRanges,
      externalTrafficPolicy: s.externalTrafficPolicy, internalTrafficPolicy: s.internalTrafficPolicy, sessionAffinity: s.sessionAffinity,
      sessionAffinityTimeoutSeconds: s.sessionAffinityTimeoutSeconds, ...(hc !== undefined ? { healthCheckNodePort: hc } : {}),
    };
  });
  const podIndex = new SelectorIndex(pods);
  for (const s of serviceDrafts) checkServiceSelection(s, podIndex);

  // EndpointSlices: given ones (and Endpoints) stand; Services with selectors and none given get derived ones.
  // kube-proxy reads EndpointSlices only (kubernetes/kubernetes pkg/proxy/config: EndpointSliceConfig):
  // a dump holds both for each Service, and its Endpoints then say nothing more.
  const sliced = new Set(gathered.slices.filter((g) => !g.legacy).map((g) => `${g.slice.namespace}/${g.slice.serviceName}`));
  const given = gathered.slices.filter((g) => !g.legacy || !sliced.has(`${g.slice.namespace}/${g.slice.serviceName}`));
  const serviceKeys = new Set(services.map((s) => `${s.namespace}/${s.name}`));
  for (const { slice, r } of given) {
    if (!serviceKeys.has(`${slice.namespace}/${slice.serviceName}`)) r.report('unknownService', ['metadata', 'name'], `this EndpointSlice (or Endpoints) belongs to Service ${slice.namespace}/${slice.serviceName}, which the topology does not define; add the Service or fix the name`);
  }
  const coveredServices = new Set(given.map((g) => `${g.slice.namespace}/${g.slice.serviceName}`));
  const zones = new Map(nodes.map((n) => [n.name, n.labels['topology.kubernetes.io/zone']]));
  const zoneOf = (node: string): string | undefined => zones.get(node);
  const endpointSlices: EndpointSlice[] = given.map((g) => g.slice);
  for (const s of serviceDrafts) {
    if (s.selector && s.type !== 'ExternalName' && !coveredServices.has(`${s.namespace}/${s.name}`)) endpointSlices.push(...deriveEndpointSlices({ ...s, selector: s.selector }, podIndex, zoneOf));
  }

  const policies: NetworkPolicy[] = firstOfEachNamespacedName(byKind('NetworkPolicy').map((r) => ({ r, p: readPolicy(r) })).filter((x) => x.p !== undefined), (x) => x.p!, (x) => ({ reader: x.r, path: ['metadata', 'name'] }), 'NetworkPolicy').map((x) => x.p!);
  const notEnforced = cniRegistry[cni.plugin].policy.warning;
  if (notEnforced !== undefined) {
    for (const r of byKind('NetworkPolicy')) r.report('policyNotEnforced', ['kind'], notEnforced);
  }

  // Namespaces: declared ones, then every other one an object uses.
  const namespaces: Namespace[] = [];
  const nsSeen = new Set<string>();
  for (const r of byKind('Namespace')) {
    const m = readMeta(r);
    if (!m || nsSeen.has(m.name)) continue;
    nsSeen.add(m.name);
    namespaces.push({ source: r.doc.pos, name: m.name, labels: { ...m.labels, 'kubernetes.io/metadata.name': m.name } });
  }
  for (const o of [{ namespace: 'default', source: draft.source }, ...pods, ...services, ...policies]) {
    if (nsSeen.has(o.namespace)) continue;
    nsSeen.add(o.namespace);
    namespaces.push({ source: o.source, name: o.namespace, labels: { 'kubernetes.io/metadata.name': o.namespace } });
  }

  const topology: Topology = {
    cluster: { source: draft.source, name: draft.name, clusterCIDR: formatCidr(clusterCidr), serviceCIDR: formatCidr(serviceCidr), cni, kubeProxy: draft.kubeProxy, networks },
    nodes: nodes.map(nodeInfo),
    externals: externals.map(externalHost),
    namespaces,
    pods,
    services,
    endpointSlices,
    policies,
  };
  return { value: topology, diagnostics };
}
