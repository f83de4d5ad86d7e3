/**
 * Calico's IPv4 pool, from wherever the stream defines it, each with the defaults of the component
 * that creates it:
 * - an IPPool object: fields left out take the API's defaults (libcalico-go
 *   lib/clientv3/ippool.go: ipipMode and vxlanMode Never, blockSize 26; natOutgoing is a Go bool,
 *   false when left out);
 * - the operator's Installation `spec.calicoNetwork.ipPools[]` (operator.tigera.io/v1, CRD text in
 *   charts/crd.projectcalico.org.v1/templates/operator.tigera.io_installations.yaml: encapsulation
 *   IPIP, natOutgoing Enabled by default; no ipPools at all makes one default pool);
 * - calico-node's environment, read once at startup when no pool exists yet
 *   (node/pkg/lifecycle/startup/startup.go, configureIPPools and createIPPool):
 *   CALICO_IPV4POOL_IPIP and _VXLAN empty mean Never, _NAT_OUTGOING defaults to true, and a
 *   missing _CIDR takes kubeadm's podSubnet (the Cluster's clusterCIDR here) or 192.168.0.0/16.
 * A real cluster uses the IPPool objects when there are any: calico-node creates its default pool
 * only "if none exists" (manifests/calico.yaml).
 */

import { parseCidr, type Cidr } from '../net/cidr';
import type { CalicoEncapMode } from './types';
import { calicoEncapModes } from './clusterFields';
import { containerEnv, type Written } from './cniManifest';
import { CNI_AGENTS, CALICO_DEFAULT_BLOCK_SIZE, CALICO_ENV_MODE_DEFAULT, CALICO_ENV_NAT_DEFAULT, calicoEnvBool, calicoEnvMode, IPPOOL_DEFAULTS, OPERATOR_DEFAULT_ENCAPSULATION, OPERATOR_ENCAPSULATIONS, operatorNatOutgoing } from './cniSettings';
import type { Path } from './path';
import { isRecord, type Reader } from './reader';
import { readCidr } from './values';

export interface CalicoPool {
  /** `IPPool default-ipv4-ippool`, as a message names where the pool comes from. */
  readonly what: string;
  readonly cidr?: Written<Cidr>;
  readonly ipipMode: Written<CalicoEncapMode>;
  readonly vxlanMode: Written<CalicoEncapMode>;
  readonly natOutgoing: Written<boolean>;
  readonly blockSize: Written<number>;
}

const at = <T>(value: T, reader: Reader, path: Path): Written<T> => ({ value, reader, path });

export function readIpPool(r: Reader): CalicoPool {
  r.fields(['spec'], ['cidr', 'ipipMode', 'vxlanMode', 'natOutgoing', 'blockSize'], 'lenient', ['disabled', 'nodeSelector', 'allowedUses', 'disableBGPExport', 'ipip', 'nat-outgoing', 'assignmentMode']);
  const c = r.get(['spec', 'cidr']) === undefined ? undefined : readCidr(r, ['spec', 'cidr']);
  const spec = ['spec'];
  const field = <T>(key: string, value: T | undefined, fallback: T): Written<T> => (value === undefined ? at(fallback, r, spec) : at(value, r, [...spec, key]));
  const mode = (key: string): CalicoEncapMode | undefined => (r.get([...spec, key]) === undefined ? undefined : r.oneOf([...spec, key], calicoEncapModes, 'Never'));
  return {
    what: `IPPool ${String(r.get(['metadata', 'name']) ?? '')}`.trim(),
    ...(c ? { cidr: at(c.cidr, r, [...spec, 'cidr']) } : {}),
    ipipMode: field('ipipMode', mode('ipipMode'), IPPOOL_DEFAULTS.ipipMode),
    vxlanMode: field('vxlanMode', mode('vxlanMode'), IPPOOL_DEFAULTS.vxlanMode),
    natOutgoing: field('natOutgoing', r.bool([...spec, 'natOutgoing']), IPPOOL_DEFAULTS.natOutgoing),
    blockSize: field('blockSize', r.int([...spec, 'blockSize'], 20, 32), CALICO_DEFAULT_BLOCK_SIZE),
  };
}

/** The pools an Installation asks the operator for; none when it lists an empty `ipPools`. */
export function installationPools(r: Reader): CalicoPool[] {
  const base = ['spec', 'calicoNetwork', 'ipPools'];
  const list = r.get(base);
  const what = 'the Installation';
  if (!Array.isArray(list)) {
    const where = ['spec'];
    const encap = OPERATOR_ENCAPSULATIONS[OPERATOR_DEFAULT_ENCAPSULATION]!;
    return [{ what, ipipMode: at(encap.ipip, r, where), vxlanMode: at(encap.vxlan, r, where), natOutgoing: at(operatorNatOutgoing(undefined), r, where), blockSize: at(CALICO_DEFAULT_BLOCK_SIZE, r, where) }];
  }
  return list.flatMap((item: unknown, i): CalicoPool[] => {
    if (!isRecord(item)) return [];
    const p = [...base, i];
    const c = item.cidr === undefined ? undefined : readCidr(r, [...p, 'cidr']);
    const encapText = r.get([...p, 'encapsulation']) === undefined ? undefined : r.oneOf([...p, 'encapsulation'], Object.keys(OPERATOR_ENCAPSULATIONS), OPERATOR_DEFAULT_ENCAPSULATION, 'badCniSetting');
    const encap = OPERATOR_ENCAPSULATIONS[encapText ?? OPERATOR_DEFAULT_ENCAPSULATION]!;
    const encapAt = encapText === undefined ? p : [...p, 'encapsulation'];
    const nat = r.get([...p, 'natOutgoing']) === undefined ? undefined : r.oneOf([...p, 'natOutgoing'], ['Enabled', 'Disabled'], 'Enabled', 'badCniSetting');
    const block = r.int([...p, 'blockSize'], 20, 32);
    return [{
      what: `the Installation's ipPools[${i}]`,
      ...(c ? { cidr: at(c.cidr, r, [...p, 'cidr']) } : {}),
      ipipMode: at(encap.ipip, r, encapAt),
      vxlanMode: at(encap.vxlan, r, encapAt),
      natOutgoing: at(operatorNatOutgoing(nat), r, nat === undefined ? p : [...p, 'natOutgoing']),
      blockSize: at(block ?? CALICO_DEFAULT_BLOCK_SIZE, r, block === undefined ? p : [...p, 'blockSize']),
    }];
  });
}

/** The default pool calico-node would create from its container's environment. */
export function envPool(node: Reader, configMaps: readonly Reader[]): CalicoPool {
  const env = containerEnv(node, CNI_AGENTS.calico.container, configMaps);
  const containers = node.get(['spec', 'template', 'spec', 'containers']);
  const index = Array.isArray(containers) ? Math.max(0, containers.findIndex((c) => isRecord(c) && c.name === CNI_AGENTS.calico.container)) : 0;
  const envAt = ['spec', 'template', 'spec', 'containers', index, 'env'];
  const what = "calico-node's environment";
  const mode = (name: string): Written<CalicoEncapMode> => {
    const w = env.get(name);
    if (!w) return at(CALICO_ENV_MODE_DEFAULT, node, envAt);
    const m = calicoEnvMode(w.value);
    if (m === undefined) {
      w.reader.report('badCniSetting', w.path, `${name} "${w.value}" is not a mode calico-node knows ("Unrecognized IPIP mode", it exits); use Always, CrossSubnet or Never`);
      return at('Never', w.reader, w.path);
    }
    return at(m, w.reader, w.path);
  };
  const nat = env.get('CALICO_IPV4POOL_NAT_OUTGOING');
  const cidrText = env.get('CALICO_IPV4POOL_CIDR');
  const cidr = cidrText ? parseCidr(cidrText.value) : undefined;
  if (cidrText && typeof cidr !== 'object') cidrText.reader.report('badCniSetting', cidrText.path, `CALICO_IPV4POOL_CIDR "${cidrText.value}" is not an IPv4 CIDR; calico-node logs "Invalid CIDR specified" and exits. Write one such as "192.168.0.0/16"`);
  const blockText = env.get('CALICO_IPV4POOL_BLOCK_SIZE');
  const block = blockText ? Number(blockText.value) : NaN;
  return {
    what,
    ...(cidrText && typeof cidr === 'object' ? { cidr: at(cidr, cidrText.reader, cidrText.path) } : {}),
    ipipMode: mode('CALICO_IPV4POOL_IPIP'),
    vxlanMode: mode('CALICO_IPV4POOL_VXLAN'),
    natOutgoing: nat ? at(calicoEnvBool(nat.value), nat.reader, nat.path) : at(CALICO_ENV_NAT_DEFAULT, node, envAt),
    blockSize: Number.isInteger(block) && block >= 20 && block <= 32 ? at(block, blockText!.reader, blockText!.path) : at(CALICO_DEFAULT_BLOCK_SIZE, node, envAt),
  };
}
