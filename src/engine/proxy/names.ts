/**
 * kube-proxy's chain names: a prefix and the first 16 characters of base32(sha256(...)) of the
 * service port name and protocol (and, for endpoints, the endpoint), so names stay under
 * iptables' 28-character limit and stay stable across restarts.
 */

import { sha256Base32Prefix16 } from './sha256';

/**
 * Hashes already computed: every node, every rebuild and the walk's rule set ask for the same
 * names again. Bounded, so a long-lived editor session cannot grow it without limit.
 * Module-level on purpose (see model/caches.ts): a hash depends only on its text, so
 * a name computed for one topology is the right name for any other.
 */
const memo = new Map<string, string>();
const MEMO_LIMIT = 1 << 20;

function hash16(text: string): string {
  let h = memo.get(text);
  if (h === undefined) {
    h = sha256Base32Prefix16(text);
    if (memo.size >= MEMO_LIMIT) memo.clear();
    memo.set(text, h);
  }
  return h;
}

/** `ns/name:port`, or `ns/name` when the port has no name (ServicePortName.String()). */
export function servicePortName(namespace: string, name: string, port: string): string {
  return port ? `${namespace}/${name}:${port}` : `${namespace}/${name}`;
}

export interface ServiceChains {
  readonly svc: string;
  readonly svl: string;
  readonly fw: string;
  readonly ext: string;
}

/** `protocol` is lower case, as kube-proxy hashes it. */
export function serviceChains(portName: string, protocol: string): ServiceChains {
  const h = hash16(portName + protocol);
  return { svc: `KUBE-SVC-${h}`, svl: `KUBE-SVL-${h}`, fw: `KUBE-FW-${h}`, ext: `KUBE-EXT-${h}` };
}

/** `endpoint` is `ip:port`. */
export function endpointChain(portName: string, protocol: string, endpoint: string): string {
  return `KUBE-SEP-${hash16(portName + protocol + endpoint)}`;
}
