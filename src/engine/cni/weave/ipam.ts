/**
 * Weave Net's IPAM ring: with `--ipalloc-init consensus=N` the peers claim the whole allocation
 * range (IPALLOC_RANGE, 10.32.0.0/12 by default) together, each taking a CIDR-aligned share by
 * recursive halving (`Ring.subdivide` in weave's ipam/ring). Three peers get 10.32.0.0/13,
 * 10.40.0.0/14 and 10.44.0.0/14, which is why pods on a weave cluster's second node are 10.40.x.
 * Weave orders peers by their peer name (a MAC); the simulator uses node order in its stead.
 */

import { ipToNum, numToIp, parsePrefix } from '../../net/ipv4';

/** One peer's share of the range: `[start, end)` as unsigned numbers. */
export interface WeaveShare {
  readonly start: number;
  readonly end: number;
}

/** Each peer's share of `range`, in peer order; empty when the range does not parse. */
export function weaveShares(range: string, peers: number): WeaveShare[] {
  const prefix = parsePrefix(range);
  const shares: WeaveShare[] = [];
  if (!prefix || peers === 0) return shares;
  subdivide(prefix.base, prefix.base + 2 ** (32 - prefix.prefix), peers, shares);
  return shares;
}

function subdivide(from: number, to: number, peers: number, out: WeaveShare[]): void {
  const share = to - from;
  if (share === 0) return;
  if (share === 1 || peers === 1) {
    out.push({ start: from, end: to });
    // Peers beyond the first get nothing when the range is a single address.
    for (let i = 1; i < peers; i++) out.push({ start: to, end: to });
    return;
  }
  const mid = from + Math.floor(share / 2);
  const firstHalf = Math.floor(peers / 2);
  subdivide(from, mid, firstHalf, out);
  subdivide(mid + (share % 2), to, peers - firstHalf, out);
}

/**
 * The address the `weave` bridge gets (`weave expose`, allocated as `weave:expose` before any pod
 * on the node): the lowest free address of the peer's share, never the range's network or
 * broadcast address, skipping addresses pods already hold.
 */
export function weaveBridgeAddress(range: string, share: WeaveShare, taken: ReadonlySet<string>): string | undefined {
  const prefix = parsePrefix(range);
  if (!prefix) return undefined;
  const network = prefix.base;
  const broadcast = prefix.base + 2 ** (32 - prefix.prefix) - 1;
  for (let n = share.start; n < share.end; n++) {
    if (n === network || n === broadcast) continue;
    const ip = numToIp(n);
    if (!taken.has(ip)) return ip;
  }
  return undefined;
}

/** Whether an address lies in a share. */
export function inShare(share: WeaveShare, ip: string): boolean {
  const n = ipToNum(ip);
  return n >= share.start && n < share.end;
}
