/**
 * What each setting a CNI's manifest writes means, as the component itself reads it: the parsing
 * and the default of every environment variable, ConfigMap key and resource field the simulator
 * takes from a manifest. The loader (cni.ts, calicoPools.ts) and the importer (import/cni.ts) read
 * the same objects; both take a setting's meaning from here, so they cannot drift apart.
 */

import { isRecord } from './reader';
import type { CalicoEncapMode } from './types';

/**
 * The agent of each CNI as its upstream install manifest names it: the DaemonSet and the container
 * that reads the settings below (Calico's calico.yaml and canal.yaml, flannel's kube-flannel.yml,
 * weave's daemonset, aws-k8s-cni.yaml). Canal runs calico-node and kube-flannel in one DaemonSet.
 */
export const CNI_AGENTS = {
  canal: { daemonSet: 'canal', configMap: 'canal-config' },
  calico: { daemonSet: 'calico-node', container: 'calico-node', configMap: 'calico-config' },
  flannel: { daemonSet: 'kube-flannel-ds', container: 'kube-flannel', configMap: 'kube-flannel-cfg' },
  weave: { daemonSet: 'weave-net', container: 'weave' },
  'aws-vpc': { daemonSet: 'aws-node', container: 'aws-node' },
} as const;

/** `strconv.ParseBool`, which aws-node's getBoolEnvVar uses: anything else keeps the default. */
export function goBool(text: string): boolean | undefined {
  if (['1', 't', 'T', 'TRUE', 'true', 'True'].includes(text)) return true;
  if (['0', 'f', 'F', 'FALSE', 'false', 'False'].includes(text)) return false;
  return undefined;
}

/** aws-node's default for AWS_VPC_K8S_CNI_EXTERNALSNAT (pkg/networkutils/network.go). */
export const AWS_EXTERNAL_SNAT_DEFAULT = false;

/** calico-node's DEFAULT_IPV4_POOL_CIDR and DEFAULT_IPV4_POOL_BLOCK_SIZE. */
export const CALICO_DEFAULT_POOL = '192.168.0.0/16';
export const CALICO_DEFAULT_BLOCK_SIZE = 26;

/** calico-config's key that Calico's manifest passes to calico-node as CALICO_NETWORKING_BACKEND. */
export const CALICO_BACKEND_KEY = 'calico_backend';

/** calico-node's backend when CALICO_NETWORKING_BACKEND is unset: it runs BIRD. */
export const CALICO_DEFAULT_BACKEND = 'bird';

/**
 * createIPPool's reading of CALICO_IPV4POOL_IPIP and _VXLAN (node/pkg/lifecycle/startup/startup.go):
 * empty and "off" mean Never; undefined where calico-node terminates ("Unrecognized IPIP mode").
 */
export function calicoEnvMode(text: string): CalicoEncapMode | undefined {
  switch (text.toLowerCase()) {
    case '':
    case 'off':
    case 'never':
      return 'Never';
    case 'crosssubnet':
    case 'cross-subnet':
      return 'CrossSubnet';
    case 'always':
      return 'Always';
    default:
      return undefined;
  }
}

/** calico-node's default pool mode when CALICO_IPV4POOL_IPIP or _VXLAN is unset. */
export const CALICO_ENV_MODE_DEFAULT: CalicoEncapMode = 'Never';

/** evaluateENVBool, which reads CALICO_IPV4POOL_NAT_OUTGOING: only false, 0, no, n and f (any case) turn it off. */
export function calicoEnvBool(text: string): boolean {
  return !['false', '0', 'no', 'n', 'f'].includes(text.toLowerCase());
}

/** calico-node's default pool masquerades when CALICO_IPV4POOL_NAT_OUTGOING is unset. */
export const CALICO_ENV_NAT_DEFAULT = true;

/**
 * The IPPool API's defaults for fields an IPPool leaves out (libcalico-go lib/clientv3/ippool.go:
 * ipipMode and vxlanMode Never; natOutgoing is a Go bool, false when left out).
 */
export const IPPOOL_DEFAULTS = { ipipMode: 'Never', vxlanMode: 'Never', natOutgoing: false } as const satisfies { ipipMode: CalicoEncapMode; vxlanMode: CalicoEncapMode; natOutgoing: boolean };

/**
 * The operator's `encapsulation` as the IPPool modes it creates (operator.tigera.io/v1
 * Installation, spec.calicoNetwork.ipPools[]); IPIP when left out, natOutgoing Enabled unless
 * "Disabled".
 */
export const OPERATOR_ENCAPSULATIONS: Readonly<Record<string, { ipip: CalicoEncapMode; vxlan: CalicoEncapMode }>> = {
  IPIP: { ipip: 'Always', vxlan: 'Never' },
  IPIPCrossSubnet: { ipip: 'CrossSubnet', vxlan: 'Never' },
  VXLAN: { ipip: 'Never', vxlan: 'Always' },
  VXLANCrossSubnet: { ipip: 'Never', vxlan: 'CrossSubnet' },
  None: { ipip: 'Never', vxlan: 'Never' },
};
export const OPERATOR_DEFAULT_ENCAPSULATION = 'IPIP';
export const operatorNatOutgoing = (text: string | undefined): boolean => text !== 'Disabled';

/** launch.sh: `[ -z "$WEAVE_NO_FASTDP" ] || echo --no-fastdp`, so any non-empty value, even "false", turns fastdp off. */
export const weaveNoFastdp = (text: string): boolean => text !== '';

/** launch.sh's default for IPALLOC_RANGE. */
export const WEAVE_IPALLOC_RANGE = '10.32.0.0/12';

/** flannel's install manifest's backend, which the importer assumes where net-conf.json is missing. */
export const FLANNEL_MANIFEST_BACKEND = 'vxlan';

/** The ConfigMaps whose net-conf.json flanneld reads: flannel's own, and Canal's. */
export const FLANNEL_CONFIGMAPS: readonly string[] = [CNI_AGENTS.flannel.configMap, CNI_AGENTS.canal.configMap];

/**
 * flannel's net-conf.json as flanneld reads it: JSON (pkg/subnet/config.go ParseConfig,
 * json.Unmarshal), which must be an object. The error is JSON.parse's, for a located message.
 */
export function parseNetConf(text: string): { readonly conf?: Record<string, unknown>; readonly error?: unknown } {
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (error) {
    return { error };
  }
  return isRecord(conf) ? { conf } : {};
}
