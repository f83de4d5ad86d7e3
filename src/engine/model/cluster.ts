/** Reads the Cluster document (packetwalk.io/v1alpha1) into a draft the later modules complete. */

import { parseIPv4, type Cidr } from '../net/cidr';
import { hostMacFor, parseMac } from '../net/mac';
import type { SourcePos } from '../diagnostics';
import type { ExtraInterface, KubeProxyConfig } from './types';
import { CLUSTER_API_VERSION, clusterFields, detectLocalModes, interfaceKinds, ipvsSchedulers, proxyModes } from './clusterFields';
import { readAddress, readCidr } from './values';
import type { Path } from './path';
import type { Reader } from './reader';

export interface NodeDraft {
  readonly source: () => SourcePos;
  readonly name: string;
  address?: string;
  prefixLength: number;
  podCIDR?: string;
  /** Where podCIDR was written, for diagnostics about it. */
  podCidrAt?: { reader: Reader; path: Path };
  interface: string;
  mac?: string;
  gateway?: string;
  labels: Record<string, string>;
  extraInterfaces: ExtraInterface[];
  extraRoutes: string[];
  enis: { name: string; mac: string; primary: string; secondary: string[] }[];
  readonly at: { reader: Reader; path: Path };
}

export interface ExternalDraft {
  readonly source: () => SourcePos;
  readonly name: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
  readonly at: { reader: Reader; path: Path };
}

export interface ClusterDraft {
  readonly reader: Reader;
  readonly source: SourcePos;
  readonly name: string;
  readonly clusterCIDR?: Cidr;
  readonly serviceCIDR?: Cidr;
  readonly include: readonly { pattern: string; path: Path }[];
  readonly kubeProxy: KubeProxyConfig;
  readonly nodes: NodeDraft[];
  readonly externals: ExternalDraft[];
}

function readKubeProxy(r: Reader): KubeProxyConfig {
  const p = ['spec', 'kubeProxy'];
  r.obj(p);
  r.fields(p, clusterFields.kubeProxy, 'strict');
  const nodePortAddresses: string[] = [];
  r.arr([...p, 'nodePortAddresses']).forEach((_, i) => {
    const c = readCidr(r, [...p, 'nodePortAddresses', i]);
    if (c) nodePortAddresses.push(c.text);
  });
  return {
    mode: r.oneOf([...p, 'mode'], proxyModes, 'iptables'),
    masqueradeBit: r.int([...p, 'masqueradeBit'], 0, 31) ?? 14,
    masqueradeAll: r.bool([...p, 'masqueradeAll']) ?? false,
    localhostNodePorts: r.bool([...p, 'localhostNodePorts']) ?? true,
    detectLocalMode: r.oneOf([...p, 'detectLocalMode'], detectLocalModes, 'ClusterCIDR'),
    ipvsScheduler: r.oneOf([...p, 'ipvsScheduler'], ipvsSchedulers, 'rr'),
    nodePortAddresses,
  };
}

function readNode(r: Reader, i: number): NodeDraft | undefined {
  const p: Path = ['spec', 'nodes', i];
  if (!r.obj(p, true)) return undefined;
  r.fields(p, clusterFields.node, 'strict');
  const name = r.str([...p, 'name'], true);
  if (name === undefined) return undefined;
  const address = readAddress(r, [...p, 'address'], true);
  const pc = r.get([...p, 'podCIDR']) === undefined ? undefined : readCidr(r, [...p, 'podCIDR']);
  const mac = r.str([...p, 'mac']);
  const parsedMac = mac === undefined ? undefined : parseMac(mac);
  if (mac !== undefined && parsedMac === undefined) r.report('badMac', [...p, 'mac'], `"${mac}" is not a MAC address; write six hex pairs such as 52:54:00:12:34:56`);
  const extraInterfaces: ExtraInterface[] = [];
  r.arr([...p, 'interfaces']).forEach((_, j) => {
    const ip = [...p, 'interfaces', j];
    if (!r.obj(ip, true)) return;
    r.fields(ip, clusterFields.nodeInterface, 'strict');
    const ifName = r.str([...ip, 'name'], true);
    const addr = r.get([...ip, 'address']) === undefined ? undefined : readCidr(r, [...ip, 'address'], { hostBits: 'keep' });
    const ifMac = r.str([...ip, 'mac']);
    if (ifMac !== undefined && !parseMac(ifMac)) r.report('badMac', [...ip, 'mac'], `"${ifMac}" is not a MAC address; write six hex pairs such as 02:42:ac:11:00:01`);
    if (ifName === undefined) return;
    extraInterfaces.push({
      name: ifName,
      ...(addr ? { address: addr.text } : {}),
      ...(ifMac && parseMac(ifMac) ? { mac: parseMac(ifMac)! } : {}),
      kind: r.oneOf([...ip, 'kind'], interfaceKinds, 'physical'),
      up: r.bool([...ip, 'up']) ?? true,
    });
  });
  const extraRoutes: string[] = [];
  r.arr([...p, 'routes']).forEach((_, j) => {
    const route = r.str([...p, 'routes', j]);
    if (route !== undefined) extraRoutes.push(route.trim());
  });
  const enis: NodeDraft['enis'] = [];
  r.arr([...p, 'enis']).forEach((_, j) => {
    const ep = [...p, 'enis', j];
    if (!r.obj(ep, true)) return;
    r.fields(ep, clusterFields.eni, 'strict');
    const eniName = r.str([...ep, 'name'], true);
    const eniMac = r.str([...ep, 'mac'], true);
    const primary = readAddress(r, [...ep, 'primary'], true);
    const secondary: string[] = [];
    r.arr([...ep, 'secondary']).forEach((_, k) => {
      const a = readAddress(r, [...ep, 'secondary', k], true);
      if (a) secondary.push(a);
    });
    if (eniMac !== undefined && !parseMac(eniMac)) r.report('badMac', [...ep, 'mac'], `"${eniMac}" is not a MAC address; write six hex pairs such as 02:1a:2b:3c:4d:5e`);
    if (eniName !== undefined && eniMac !== undefined && parseMac(eniMac) && primary) enis.push({ name: eniName, mac: parseMac(eniMac)!, primary, secondary });
  });
  const gateway = r.get([...p, 'gateway']) === undefined ? undefined : readAddress(r, [...p, 'gateway']);
  return {
    source: r.lazyPos(p),
    name,
    ...(address ? { address } : {}),
    prefixLength: r.int([...p, 'prefixLength'], 0, 32) ?? 24,
    ...(pc ? { podCIDR: pc.text, podCidrAt: { reader: r, path: [...p, 'podCIDR'] } } : {}),
    interface: r.str([...p, 'interface']) ?? 'eth0',
    ...(parsedMac ? { mac: parsedMac } : {}),
    ...(gateway ? { gateway } : {}),
    labels: r.strMap([...p, 'labels']),
    extraInterfaces,
    extraRoutes,
    enis,
    at: { reader: r, path: p },
  };
}

function readExternal(r: Reader, i: number): ExternalDraft | undefined {
  const p: Path = ['spec', 'externals', i];
  if (!r.obj(p, true)) return undefined;
  r.fields(p, clusterFields.external, 'strict');
  const name = r.str([...p, 'name'], true);
  const address = readAddress(r, [...p, 'address'], true);
  const mac = r.str([...p, 'mac']);
  if (mac !== undefined && !parseMac(mac)) r.report('badMac', [...p, 'mac'], `"${mac}" is not a MAC address; write six hex pairs such as 52:54:00:00:00:64`);
  if (name === undefined || address === undefined) return undefined;
  return {
    source: r.lazyPos(p),
    name,
    address,
    prefixLength: r.int([...p, 'prefixLength'], 0, 32) ?? 24,
    mac: (mac === undefined ? undefined : parseMac(mac)) ?? hostMacFor(parseIPv4(address)!),
    at: { reader: r, path: p },
  };
}

export function readCluster(r: Reader): ClusterDraft {
  r.fields([], clusterFields.document, 'strict');
  const apiVersion = r.str(['apiVersion'], true);
  if (apiVersion !== undefined && apiVersion !== CLUSTER_API_VERSION) {
    r.report('badApiVersion', ['apiVersion'], `the Cluster document's apiVersion is "${apiVersion}"; write "${CLUSTER_API_VERSION}"`);
  }
  r.obj(['metadata']);
  r.fields(['metadata'], clusterFields.metadata, 'strict');
  r.obj(['spec'], true);
  r.fields(['spec'], clusterFields.spec, 'strict');
  r.obj(['spec', 'cni']);
  const cc = r.get(['spec', 'clusterCIDR']) === undefined ? undefined : readCidr(r, ['spec', 'clusterCIDR']);
  const sc = r.get(['spec', 'serviceCIDR']) === undefined ? undefined : readCidr(r, ['spec', 'serviceCIDR']);
  const include: { pattern: string; path: Path }[] = [];
  r.arr(['spec', 'include']).forEach((_, i) => {
    const pattern = r.str(['spec', 'include', i]);
    if (pattern !== undefined) include.push({ pattern, path: ['spec', 'include', i] });
  });
  const nodes: NodeDraft[] = [];
  r.arr(['spec', 'nodes']).forEach((_, i) => {
    const n = readNode(r, i);
    if (n) nodes.push(n);
  });
  const externals: ExternalDraft[] = [];
  r.arr(['spec', 'externals']).forEach((_, i) => {
    const e = readExternal(r, i);
    if (e) externals.push(e);
  });
  return {
    reader: r,
    source: r.doc.pos,
    name: r.str(['metadata', 'name']) ?? 'cluster',
    ...(cc ? { clusterCIDR: cc.cidr } : {}),
    ...(sc ? { serviceCIDR: sc.cidr } : {}),
    include,
    kubeProxy: readKubeProxy(r),
    nodes,
    externals,
  };
}

/** The node's MAC: as written, or derived from its address. */
export function nodeMac(n: NodeDraft): string {
  return n.mac ?? hostMacFor(parseIPv4(n.address ?? '0.0.0.0') ?? 0);
}
