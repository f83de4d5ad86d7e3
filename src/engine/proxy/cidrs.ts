import { ipToNum, parsePrefix, prefixContains } from '../net/ipv4';

/** Whether `cidr` (host bits tolerated, as Go's ParseCIDRSloppy does) contains `address`. */
export function cidrHas(cidr: string, address: string): boolean {
  const p = parsePrefix(cidr.includes('/') ? cidr : `${cidr}/32`);
  const n = ipToNum(address);
  return p !== undefined && !Number.isNaN(n) && prefixContains(p, n);
}
