/**
 * Resolves the CNI configuration from the Cluster's `cni` block and what the CNI's own manifest
 * says: flannel's `net-conf.json` (ConfigMap kube-flannel-cfg, or canal-config), Calico's pools
 * (calicoPools.ts) and `calico-config`, the environment of weave-net and aws-node. Without
 * `spec.cni.plugin` the plugin is the one the manifest installs. The Cluster document wins where
 * both say something; a disagreement is a warning, since a real cluster would follow the manifest
 * and the simulation should not silently differ. What each setting means (its parsing and default)
 * is in cniSettings.ts, which the importer reads too.
 */

import { cidrWithin, formatCidr, parseCidr, type Cidr } from '../net/cidr';
import type { AwsVpcConfig, CalicoConfig, CalicoEncapMode, CniConfig, FlannelConfig, WeaveConfig } from './types';
import { envPool, installationPools, readIpPool, type CalicoPool } from './calicoPools';
import { containerEnv, daemonSet, detectCni, type DetectedCni, type Written } from './cniManifest';
import { AWS_EXTERNAL_SNAT_DEFAULT, CALICO_BACKEND_KEY, CALICO_DEFAULT_BACKEND, CALICO_DEFAULT_POOL, CNI_AGENTS, FLANNEL_CONFIGMAPS, goBool, parseNetConf, WEAVE_IPALLOC_RANGE, weaveNoFastdp } from './cniSettings';
import { calicoBackends, calicoEncapModes, clusterFields, cniFieldsByPlugin, cniPlugins, flannelBackends, flannelUnsimulated, weaveModes } from './clusterFields';
import { describeJsonError } from './jsonError';
import { nearest, oneOf } from './nearest';
import { formatPath, type Path } from './path';
import { isRecord, type Reader } from './reader';

/** What flannel's net-conf.json said, with where to point if it disagrees. */
export interface NetConf {
  readonly reader: Reader;
  readonly path: Path;
  readonly network?: Cidr;
  readonly backend?: string;
  readonly vni?: number;
  readonly port?: number;
  readonly directRouting?: boolean;
}

export function readNetConf(r: Reader): NetConf | undefined {
  const path = ['data', 'net-conf.json'];
  const text = r.str(path);
  if (text === undefined) return undefined;
  const { conf, error } = parseNetConf(text);
  if (error !== undefined) {
    r.report('badNetConf', path, `net-conf.json is not valid JSON (${describeJsonError(text, error)}); flanneld would refuse to start, fix the JSON`);
    return undefined;
  }
  if (!conf) {
    r.report('badNetConf', path, 'net-conf.json must be a JSON object such as {"Network": "10.244.0.0/16", "Backend": {"Type": "vxlan"}}');
    return undefined;
  }
  const backend = isRecord(conf.Backend) ? conf.Backend : {};
  const network = typeof conf.Network === 'string' ? parseCidr(conf.Network) : undefined;
  if (conf.Network !== undefined && typeof network !== 'object') r.report('badNetConf', path, `net-conf.json Network ${JSON.stringify(conf.Network)} is not an IPv4 CIDR; write one such as "10.244.0.0/16"`);
  return {
    reader: r,
    path,
    ...(typeof network === 'object' ? { network } : {}),
    ...(typeof backend.Type === 'string' ? { backend: backend.Type } : {}),
    ...(typeof backend.VNI === 'number' ? { vni: backend.VNI } : {}),
    ...(typeof backend.Port === 'number' ? { port: backend.Port } : {}),
    ...(typeof backend.DirectRouting === 'boolean' ? { directRouting: backend.DirectRouting } : {}),
  };
}

function conflict(r: Reader, path: Path, what: string, clusterValue: unknown, otherValue: unknown, realIs?: string): void {
  const real = realIs ? ` (${realIs}: a real cluster follows ${JSON.stringify(otherValue)})` : '';
  r.report('cniConflict', path, `${what} says ${JSON.stringify(otherValue)} but the Cluster document says ${JSON.stringify(clusterValue)}${real}; the simulation follows the Cluster document, make them agree`);
}

function readFlannel(r: Reader | undefined, net: NetConf | undefined, plugin: 'flannel' | 'canal'): Omit<FlannelConfig, 'plugin'> {
  const p = ['spec', 'cni'];
  let backend: FlannelConfig['backend'] = 'vxlan';
  const written = r?.str([...p, 'backend']);
  const badBackend = (reader: Reader, path: Path, value: string): void => {
    const why = flannelUnsimulated.includes(value.toLowerCase())
      ? `flannel's ${value} backend is real but not simulated`
      : `${plugin} has no backend "${value}"${nearest(value, flannelBackends) ? ` (did you mean "${nearest(value, flannelBackends)}"?)` : ''}`;
    reader.report('badBackend', path, `${why}; use ${oneOf(flannelBackends.map((b) => `"${b}"`))}`);
  };
  if (written !== undefined) {
    if ((flannelBackends as readonly string[]).includes(written)) backend = written as FlannelConfig['backend'];
    else badBackend(r!, [...p, 'backend'], written);
  } else if (net?.backend !== undefined) {
    if ((flannelBackends as readonly string[]).includes(net.backend)) backend = net.backend as FlannelConfig['backend'];
    else badBackend(net.reader, net.path, net.backend);
  }
  if (written !== undefined && net?.backend !== undefined && net.backend !== written) conflict(net.reader, net.path, 'net-conf.json Backend.Type', written, net.backend);
  const vni = r?.int([...p, 'vni'], 0, 16777215) ?? net?.vni ?? 1;
  const port = r?.int([...p, 'port'], 1, 65535, false, 'badPort') ?? net?.port ?? (backend === 'udp' ? 8285 : backend === 'vxlan' ? 8472 : 0);
  const defaultMtu = backend === 'vxlan' ? 1450 : backend === 'udp' ? 1472 : 1500;
  return {
    backend,
    vni,
    port,
    mtu: r?.int([...p, 'mtu'], 576, 65535) ?? defaultMtu,
    directRouting: r?.bool([...p, 'directRouting']) ?? net?.directRouting ?? false,
    ipMasq: r?.bool([...p, 'ipMasq']) ?? true,
  };
}

export interface CniResolution {
  readonly cni: CniConfig;
  /** The pod network the CNI's own configuration declares, when the Cluster does not. */
  readonly network?: Cidr;
  /** flannel's net-conf.json, whose Network must hold every node's podCIDR (checkFlannelNetwork). */
  readonly netConf?: NetConf;
}

/** Everything the stream says about its CNI besides the Cluster document. */
export interface CniSources {
  readonly netConfs: readonly NetConf[];
  /** The IPPool objects; else the Installation's pools; else calico-node's default pool. */
  readonly pools: readonly CalicoPool[];
  /** How many of `pools` are IPPool objects, which make a Cluster without a plugin Calico. */
  readonly ipPoolObjects: number;
  readonly detected?: DetectedCni;
  /** calico-config's calico_backend, which calico-node reads as CALICO_NETWORKING_BACKEND. */
  readonly calicoBackend?: Written;
  /** weave-net's environment (prog/weave-kube/launch.sh). */
  readonly weaveEnv: ReadonlyMap<string, Written>;
  /** aws-node's environment (pkg/networkutils/network.go). */
  readonly awsEnv: ReadonlyMap<string, Written>;
}

/** Reads the CNI's manifests among the documents of the stream, by kind. */
export function readCniSources(byKind: (kind: string) => readonly Reader[]): CniSources {
  const configMaps = byKind('ConfigMap');
  const named = (name: string) => configMaps.find((r) => r.get(['metadata', 'name']) === name);
  const ipPools = byKind('IPPool').map(readIpPool);
  const installation = byKind('Installation')[0];
  const calicoNode = daemonSet(byKind, CNI_AGENTS.calico.daemonSet);
  const pools = ipPools.length ? ipPools : installation ? installationPools(installation) : calicoNode ? [envPool(calicoNode, configMaps)] : [];
  const calicoConfig = named(CNI_AGENTS.calico.configMap);
  const backend = calicoConfig?.get(['data', CALICO_BACKEND_KEY]);
  const detected = detectCni(byKind);
  const env = (ds: string, container: string) => {
    const r = daemonSet(byKind, ds);
    return r ? containerEnv(r, container, configMaps) : new Map<string, Written>();
  };
  return {
    netConfs: configMaps.filter((r) => FLANNEL_CONFIGMAPS.includes(String(r.get(['metadata', 'name'])))).map(readNetConf).filter((c) => c !== undefined),
    pools,
    ipPoolObjects: ipPools.length,
    ...(detected ? { detected } : {}),
    ...(calicoConfig && typeof backend === 'string' ? { calicoBackend: { value: backend, reader: calicoConfig, path: ['data', CALICO_BACKEND_KEY] } } : {}),
    weaveEnv: env(CNI_AGENTS.weave.daemonSet, CNI_AGENTS.weave.container),
    awsEnv: env(CNI_AGENTS['aws-vpc'].daemonSet, CNI_AGENTS['aws-vpc'].container),
  };
}

/** A Cluster setting and the manifest's, the Cluster's winning; a warning when they differ. */
function pick<T>(clusterValue: T | undefined, written: Written<T> | undefined, what: string, realIs: string): T | undefined {
  if (clusterValue !== undefined && written && written.value !== clusterValue) conflict(written.reader, written.path, what, clusterValue, written.value, realIs);
  return clusterValue ?? written?.value;
}

function whichPlugin(r: Reader | undefined, sources: CniSources): CniConfig['plugin'] {
  const p = ['spec', 'cni', 'plugin'];
  const { detected } = sources;
  const fallback = detected?.plugin ?? (sources.ipPoolObjects ? 'calico' : 'flannel');
  if (r?.get(p) === undefined) {
    if (detected) detected.reader.report('cniFromManifest', ['metadata', 'name'], `the Cluster document has no spec.cni.plugin, so the simulation uses ${detected.plugin}, which ${detected.what} installs; write spec.cni.plugin to choose`);
    return fallback;
  }
  const plugin = r.oneOf(p, cniPlugins, fallback);
  if (detected && detected.plugin !== plugin) {
    detected.reader.report('cniConflict', ['metadata', 'name'], `${detected.what} installs ${detected.plugin} but the Cluster document says ${JSON.stringify(plugin)}; the simulation follows the Cluster document, make them agree`);
  }
  return plugin;
}

function checkCniFields(r: Reader, plugin: CniConfig['plugin']): void {
  const p = ['spec', 'cni'];
  r.fields(p, clusterFields.cni, 'strict');
  const cni = r.get(p);
  if (!isRecord(cni)) return;
  for (const k of Object.keys(cni)) {
    if ((clusterFields.cni as readonly string[]).includes(k) && !cniFieldsByPlugin[plugin].includes(k)) {
      const hint = k === 'backend' && plugin === 'weave' ? '; weave chooses its data path with mode: fastdp or sleeve' : `; ${plugin} reads ${cniFieldsByPlugin[plugin].filter((f) => f !== 'plugin').join(', ')}`;
      r.report(k === 'backend' ? 'badBackend' : 'unknownClusterField', [...p, k], `${formatPath([...p, k])} does not apply to ${plugin}${hint}`, k === 'backend' ? 'value' : 'key');
    }
  }
}

export function resolveCni(r: Reader | undefined, sources: CniSources): CniResolution {
  const p = ['spec', 'cni'];
  const plugin = whichPlugin(r, sources);
  if (r) checkCniFields(r, plugin);
  const net = sources.netConfs[0];
  switch (plugin) {
    case 'flannel':
    case 'canal': {
      const flannel = readFlannel(r, net, plugin);
      const cni: CniConfig = plugin === 'flannel' ? { plugin, ...flannel } : { plugin, flannel };
      return { cni, ...(net?.network ? { network: net.network, netConf: net } : {}) };
    }
    case 'calico':
      return resolveCalico(r, sources);
    case 'weave':
      return resolveWeave(r, sources.weaveEnv);
    case 'kubenet':
      return { cni: { plugin, mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 1500 } };
    case 'aws-vpc':
      return { cni: resolveAwsVpc(r, sources.awsEnv) };
  }
}

function resolveCalico(r: Reader | undefined, sources: CniSources): CniResolution {
  const p = ['spec', 'cni'];
  const pool = sources.pools.find((x) => x.cidr) ?? sources.pools[0];
  const written = sources.calicoBackend;
  if (written && !(calicoBackends as readonly string[]).includes(written.value)) {
    written.reader.report('badBackend', written.path, `calico_backend "${written.value}" is not one calico-node runs; use ${oneOf(calicoBackends.map((b) => `"${b}"`))}`);
  }
  const manifestBackend = written && (calicoBackends as readonly string[]).includes(written.value) ? (written as Written<CalicoConfig['backend']>) : undefined;
  const clusterBackend = r?.get([...p, 'backend']) === undefined ? undefined : r!.oneOf([...p, 'backend'], calicoBackends, CALICO_DEFAULT_BACKEND, 'badBackend');
  const backend = pick(clusterBackend, manifestBackend, 'calico_backend', 'calico-node runs BIRD only with "bird"') ?? CALICO_DEFAULT_BACKEND;
  const mode = (key: 'ipipMode' | 'vxlanMode', fallback: CalicoEncapMode): CalicoEncapMode => {
    const fromCluster = r?.get([...p, key]) === undefined ? undefined : r!.oneOf([...p, key], calicoEncapModes, fallback);
    return pick(fromCluster, pool?.[key], `${pool?.what ?? 'the pool'} ${key}`, 'Felix encapsulates as the pool says') ?? fallback;
  };
  // Without any pool, the defaults of Calico's manifest for the backend: IPIP with BIRD, VXLAN without.
  const ipipMode = mode('ipipMode', backend === 'bird' ? 'Always' : 'Never');
  const vxlanMode = mode('vxlanMode', backend === 'vxlan' ? 'Always' : 'Never');
  const natOutgoing = pick(r?.bool([...p, 'natOutgoing']), pool?.natOutgoing, `${pool?.what ?? 'the pool'} natOutgoing`, 'Felix masquerades as the pool says') ?? true;
  const blockSize = pick(r?.int([...p, 'blockSize'], 20, 32), pool?.blockSize, `${pool?.what ?? 'the pool'} blockSize`, "Calico's IPAM hands out blocks of the pool's size") ?? 26;
  if (backend !== 'bird' && ipipMode === 'Never' && vxlanMode === 'Never') {
    const where = written ?? (r ? { reader: r, path: [...p, 'backend'] } : undefined);
    where?.reader.report(
      'cniConflict',
      where.path,
      `calico_backend "${backend}" runs no BGP daemon (calico-node's rc.local: "no BGP daemon running"), and Felix programs routes for an unencapsulated pool only with programClusterRoutes Enabled, so pods on different nodes cannot reach each other; use "bird", or give the pool vxlanMode`,
    );
  }
  const encap = vxlanMode !== 'Never' ? 1410 : ipipMode !== 'Never' ? 1440 : 1500;
  const cni: CalicoConfig = { plugin: 'calico', backend, ipipMode, vxlanMode, natOutgoing, blockSize, mtu: r?.int([...p, 'mtu'], 576, 65535) ?? encap };
  // A pool made without a CIDR (calico-node's environment, the operator's default) takes the Cluster's clusterCIDR, as kubeadm's podSubnet, or Calico's default.
  const clusterCidr = r?.get(['spec', 'clusterCIDR']);
  const network = pool ? (pool.cidr?.value ?? (clusterCidr === undefined ? (parseCidr(CALICO_DEFAULT_POOL) as Cidr) : undefined)) : undefined;
  if (pool?.cidr && typeof clusterCidr === 'string' && clusterCidr !== formatCidr(pool.cidr.value)) {
    conflict(pool.cidr.reader, pool.cidr.path, `${pool.what} cidr`, clusterCidr, formatCidr(pool.cidr.value), "Calico's IPAM hands out blocks from the pool, whatever the cluster CIDR");
  }
  return network ? { cni, network } : { cni };
}

/** weave-net's mode and pod range from its environment (prog/weave-kube/launch.sh). */
function resolveWeave(r: Reader | undefined, env: ReadonlyMap<string, Written>): CniResolution {
  const p = ['spec', 'cni'];
  const noFastdp = env.get('WEAVE_NO_FASTDP');
  const envMode: Written<WeaveConfig['mode']> | undefined = noFastdp ? { ...noFastdp, value: weaveNoFastdp(noFastdp.value) ? 'sleeve' : 'fastdp' } : undefined;
  const clusterMode = r?.get([...p, 'mode']) === undefined ? undefined : r!.oneOf([...p, 'mode'], weaveModes, 'fastdp');
  const mode = pick(clusterMode, envMode, 'WEAVE_NO_FASTDP', 'weaver runs with --no-fastdp whenever the variable is not empty') ?? 'fastdp';
  const range = env.get('IPALLOC_RANGE');
  const parsed = range ? parseCidr(range.value) : parseCidr(WEAVE_IPALLOC_RANGE);
  if (range && typeof parsed !== 'object') range.reader.report('badCniSetting', range.path, `IPALLOC_RANGE "${range.value}" is not an IPv4 CIDR; weave would refuse to start, write one such as "${WEAVE_IPALLOC_RANGE}"`);
  const network = typeof parsed === 'object' ? parsed : undefined;
  const clusterCidr = r?.get(['spec', 'clusterCIDR']);
  if (range && network && typeof clusterCidr === 'string' && clusterCidr !== formatCidr(network)) {
    conflict(range.reader, range.path, 'IPALLOC_RANGE', clusterCidr, range.value, 'weave allocates pod addresses from IPALLOC_RANGE');
  }
  const cni: WeaveConfig = { plugin: 'weave', mode, mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 1376 };
  return network ? { cni, network } : { cni };
}

function resolveAwsVpc(r: Reader | undefined, env: ReadonlyMap<string, Written>): AwsVpcConfig {
  const p = ['spec', 'cni'];
  const ext = env.get('AWS_VPC_K8S_CNI_EXTERNALSNAT');
  const envExternal = ext && goBool(ext.value) !== undefined ? { ...ext, value: goBool(ext.value)! } : undefined;
  const externalSnat = pick(r?.bool([...p, 'externalSnat']), envExternal, 'AWS_VPC_K8S_CNI_EXTERNALSNAT', 'aws-node writes no SNAT rule when it is true') ?? AWS_EXTERNAL_SNAT_DEFAULT;
  // parseCIDRString: comma-separated, each trimmed; aws-node logs and skips what is not an IPv4 CIDR.
  const exclude = env.get('AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS');
  const excludeSnatCidrs = externalSnat || !exclude ? [] : exclude.value.split(',').map((c) => parseCidr(c.trim())).filter((c): c is Cidr => typeof c === 'object').map(formatCidr);
  return { plugin: 'aws-vpc', mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 9001, externalSnat, excludeSnatCidrs };
}

/**
 * flanneld's kube subnet manager refuses to start on a node whose podCIDR its Network does not
 * hold (pkg/subnet/kube/kube.go: "subnet ... specified in the flannel net config doesn't contain
 * ... PodCIDR of the ... node").
 */
export function checkFlannelNetwork(net: NetConf, nodes: readonly { name: string; podCIDR?: string }[]): void {
  if (!net.network) return;
  const outside = nodes.filter((n) => {
    const c = n.podCIDR ? parseCidr(n.podCIDR) : undefined;
    return typeof c === 'object' && !cidrWithin(c, net.network!);
  });
  if (outside.length === 0) return;
  const network = formatCidr(net.network);
  const list = outside.map((n) => `${n.name} (${n.podCIDR})`).join(', ');
  net.reader.report('flannelNetworkMissesPodCidr', net.path, `net-conf.json Network ${network} does not hold the podCIDR of ${list}; flanneld refuses to start there ("subnet ${network} specified in the flannel net config doesn't contain ... PodCIDR"). Make Network cover the cluster CIDR`);
}
