/**
 * IPv4 in numeric form. The loader hands over canonical dotted quads (checked with ipaddr.js), so
 * the walk converts each address once and then works on unsigned 32-bit numbers.
 */

import { formatIPv4, maskOf, parseIPv4, type Cidr } from './cidr';

/** The unsigned 32-bit value of a canonical dotted quad (the loader's own parse); NaN when it is not one. */
export function ipToNum(ip: string): number {
  return parseIPv4(ip) ?? NaN;
}

export function isIpv4(text: string): boolean {
  return !Number.isNaN(ipToNum(text));
}

/** A dotted quad, as the loader formats one. */
export const numToIp: (n: number) => string = formatIPv4;

export function prefixOf(address: number, length: number): Cidr {
  return { base: (address & maskOf(length)) >>> 0, prefix: length };
}

/** `10.42.0.0/24`, `10.42.0.65` (a /32) or `default` (a /0), as `ip route` writes destinations. */
export function parsePrefix(text: string): Cidr | undefined {
  if (text === 'default') return { base: 0, prefix: 0 };
  const slash = text.indexOf('/');
  const address = ipToNum(slash < 0 ? text : text.slice(0, slash));
  const length = slash < 0 ? 32 : Number(text.slice(slash + 1));
  if (Number.isNaN(address) || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  return prefixOf(address, length);
}

export function prefixContains(prefix: Cidr, address: number): boolean {
  return ((address & maskOf(prefix.prefix)) >>> 0) === prefix.base;
}

/** As `ip route` prints a destination: `default`, a bare address for /32, else `a.b.c.d/len`. */
export function formatRouteDst(prefix: Cidr): string {
  if (prefix.prefix === 0) return 'default';
  if (prefix.prefix === 32) return numToIp(prefix.base);
  return `${numToIp(prefix.base)}/${prefix.prefix}`;
}

export { formatCidr } from './cidr';

/** The directed broadcast address of a prefix. */
export function broadcastOf(prefix: Cidr): number {
  return (prefix.base | ~maskOf(prefix.prefix)) >>> 0;
}

/** The n-th address of a prefix (0 is the network address itself). */
export function nthAddress(prefix: Cidr, n: number): string {
  return numToIp((prefix.base + n) >>> 0);
}
