/**
 * kube-proxy's nftables object names (pkg/proxy/nftables/proxier.go, hashAndTruncate and
 * servicePortChainNameBase): a prefix, the first 8 characters of base32(sha256(base)), then the
 * base itself in clear, since nftables names may be long and may contain `/`.
 */

import { sha256Base32Prefix16 } from '../sha256';

/** nftables' chain name limit (256) less the longest prefix kube-proxy puts in front (16). */
const BASE_LENGTH_MAX = 240;

function hashAndTruncate(base: string): string {
  const name = `${sha256Base32Prefix16(base).slice(0, 8)}-${base}`;
  return name.length > BASE_LENGTH_MAX ? `${name.slice(0, BASE_LENGTH_MAX - 3)}...` : name;
}

export interface NftServiceChains {
  /** `service-…`: Cluster traffic policy. */
  readonly cluster: string;
  /** `local-…`: Local traffic policy. */
  readonly local: string;
  /** `external-…`: every external destination goes here first. */
  readonly external: string;
  /** `firewall-…`: loadBalancerSourceRanges. */
  readonly firewall: string;
}

/** `protocol` is lower case; `port` is the port's name (may be empty). */
export function nftServiceChains(namespace: string, name: string, protocol: string, port: string): NftServiceChains {
  const base = hashAndTruncate(`${namespace}/${name}/${protocol}/${port}`);
  return { cluster: `service-${base}`, local: `local-${base}`, external: `external-${base}`, firewall: `firewall-${base}` };
}

export interface NftEndpointNames {
  readonly chain: string;
  readonly affinitySet: string;
}

/** servicePortEndpointChainNameBase: `ns/name/proto/port__ip/port`. */
export function nftEndpointNames(namespace: string, name: string, protocol: string, port: string, ip: string, targetPort: number): NftEndpointNames {
  const base = hashAndTruncate(`${namespace}/${name}/${protocol}/${port}__${ip}/${targetPort}`);
  return { chain: `endpoint-${base}`, affinitySet: `affinity-${base}` };
}
