/**
 * Resolves the CNI configuration from the Cluster's `cni` block, flannel's `net-conf.json`
 * (ConfigMap kube-flannel-cfg, or canal-config) and Calico IPPools. The Cluster document wins
 * where both say something; a disagreement is a warning, since a real cluster would follow the
 * ConfigMap and the simulation should not silently differ.
 */

import { parseCidr, type Cidr } from '../net/cidr';
import type { CalicoEncapMode, CniConfig, FlannelConfig } from './types';
import { calicoBackends, calicoEncapModes, clusterFields, cniFieldsByPlugin, cniPlugins, flannelBackends, flannelUnsimulated, weaveModes } from './clusterFields';
import { describeJsonError } from './jsonError';
import { nearest, oneOf } from './nearest';
import { formatPath, type Path } from './path';
import { isRecord, type Reader } from './reader';
import { readCidr } from './values';

/** What flannel's net-conf.json said, with where to point if it disagrees. */
interface NetConf {
  readonly reader: Reader;
  readonly path: Path;
  readonly network?: Cidr;
  readonly backend?: string;
  readonly vni?: number;
  readonly port?: number;
  readonly directRouting?: boolean;
}

interface PoolConf {
  readonly reader: Reader;
  readonly cidr?: Cidr;
  readonly ipipMode?: CalicoEncapMode;
  readonly vxlanMode?: CalicoEncapMode;
  readonly natOutgoing?: boolean;
  readonly blockSize?: number;
}

export function readNetConf(r: Reader): NetConf | undefined {
  const path = ['data', 'net-conf.json'];
  const text = r.str(path);
  if (text === undefined) return undefined;
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (e) {
    r.report('badNetConf', path, `net-conf.json is not valid JSON (${describeJsonError(text, e)}); flanneld would refuse to start, fix the JSON`);
    return undefined;
  }
  if (!isRecord(conf)) {
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

export function readIpPool(r: Reader): PoolConf {
  r.fields(['spec'], ['cidr', 'ipipMode', 'vxlanMode', 'natOutgoing', 'blockSize'], 'lenient', ['disabled', 'nodeSelector', 'allowedUses', 'disableBGPExport', 'ipip', 'nat-outgoing', 'assignmentMode']);
  const c = r.get(['spec', 'cidr']) === undefined ? undefined : readCidr(r, ['spec', 'cidr']);
  const modes = (key: string): CalicoEncapMode | undefined => (r.get(['spec', key]) === undefined ? undefined : r.oneOf(['spec', key], calicoEncapModes, 'Never'));
  const ipip = modes('ipipMode');
  const vxlan = modes('vxlanMode');
  const nat = r.bool(['spec', 'natOutgoing']);
  const block = r.int(['spec', 'blockSize'], 20, 32);
  return { reader: r, ...(c ? { cidr: c.cidr } : {}), ...(ipip ? { ipipMode: ipip } : {}), ...(vxlan ? { vxlanMode: vxlan } : {}), ...(nat !== undefined ? { natOutgoing: nat } : {}), ...(block !== undefined ? { blockSize: block } : {}) };
}

function conflict(r: Reader, path: Path, what: string, clusterValue: unknown, otherValue: unknown): void {
  r.report('cniConflict', path, `${what} says ${JSON.stringify(otherValue)} but the Cluster document says ${JSON.stringify(clusterValue)}; the simulation follows the Cluster document, make them agree`);
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
}

export function resolveCni(r: Reader | undefined, netConfs: readonly NetConf[], pools: readonly PoolConf[]): CniResolution {
  const p = ['spec', 'cni'];
  const net = netConfs[0];
  const pool = pools.find((x) => x.cidr) ?? pools[0];
  const inferred = pools.length ? 'calico' : 'flannel';
  const plugin = r && r.get([...p, 'plugin']) !== undefined ? r.oneOf([...p, 'plugin'], cniPlugins, inferred) : inferred;
  if (r) {
    r.fields(p, clusterFields.cni, 'strict');
    const cni = r.get(p);
    if (isRecord(cni)) {
      for (const k of Object.keys(cni)) {
        if ((clusterFields.cni as readonly string[]).includes(k) && !cniFieldsByPlugin[plugin].includes(k)) {
          const hint = k === 'backend' && plugin === 'weave' ? '; weave chooses its data path with mode: fastdp or sleeve' : `; ${plugin} reads ${cniFieldsByPlugin[plugin].filter((f) => f !== 'plugin').join(', ')}`;
          r.report(k === 'backend' ? 'badBackend' : 'unknownClusterField', [...p, k], `${formatPath([...p, k])} does not apply to ${plugin}${hint}`, k === 'backend' ? 'value' : 'key');
        }
      }
    }
  }
  const network = net?.network ?? pool?.cidr;
  const withNetwork = (cni: CniConfig): CniResolution => (network ? { cni, network } : { cni });
  switch (plugin) {
    case 'flannel':
      return withNetwork({ plugin, ...readFlannel(r, net, plugin) });
    case 'canal':
      return withNetwork({ plugin, flannel: readFlannel(r, net, plugin) });
    case 'calico': {
      const backend = r?.get([...p, 'backend']) === undefined ? 'bird' : r.oneOf([...p, 'backend'], calicoBackends, 'bird', 'badBackend');
      const mode = (key: 'ipipMode' | 'vxlanMode', fallback: CalicoEncapMode): CalicoEncapMode => {
        const written = r?.get([...p, key]) === undefined ? undefined : r!.oneOf([...p, key], calicoEncapModes, fallback);
        if (written && pool?.[key] && written !== pool[key]) conflict(pool.reader, ['spec', key], `IPPool ${key}`, written, pool[key]);
        return written ?? pool?.[key] ?? fallback;
      };
      const ipipMode = mode('ipipMode', backend === 'bird' ? 'Always' : 'Never');
      const vxlanMode = mode('vxlanMode', backend === 'vxlan' ? 'Always' : 'Never');
      const encap = vxlanMode !== 'Never' ? 1410 : ipipMode !== 'Never' ? 1440 : 1500;
      return withNetwork({
        plugin,
        ipipMode,
        vxlanMode,
        natOutgoing: r?.bool([...p, 'natOutgoing']) ?? pool?.natOutgoing ?? true,
        blockSize: r?.int([...p, 'blockSize'], 20, 32) ?? pool?.blockSize ?? 26,
        mtu: r?.int([...p, 'mtu'], 576, 65535) ?? encap,
      });
    }
    case 'weave':
      return withNetwork({ plugin, mode: r?.get([...p, 'mode']) === undefined ? 'fastdp' : r.oneOf([...p, 'mode'], weaveModes, 'fastdp'), mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 1376 });
    case 'kubenet':
      return withNetwork({ plugin, mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 1500 });
    case 'aws-vpc':
      return withNetwork({ plugin, mtu: r?.int([...p, 'mtu'], 576, 65535) ?? 9001, externalSnat: r?.bool([...p, 'externalSnat']) ?? false });
  }
}
