/**
 * IPv4 addresses and CIDRs as the loader checks and normalises them. Parsing is strict (four
 * decimal octets, no leading zeros) because a lenient parse would silently move a pod to another
 * address than the one the user wrote.
 */

import * as ipaddr from 'ipaddr.js';

/** An IPv4 network: `base` is the unsigned 32-bit network address, host bits clear. */
export interface Cidr {
  readonly base: number;
  readonly prefix: number;
}

/** Why a text is not an IPv4 address or CIDR, phrased to finish "… is not valid: ". */
export type AddressProblem = 'ipv6' | 'syntax' | 'host-bits' | 'prefix';

/** The unsigned value of a dotted quad, or undefined when it is not one in canonical form (no leading zeros). */
export function parseIPv4(text: string): number | undefined {
  let value = 0;
  let octet = 0;
  let digits = 0;
  let dots = 0;
  for (let i = 0; i < text.length; i++) {
    const c = text.charCodeAt(i);
    if (c === 46) {
      if (digits === 0 || dots === 3) return undefined;
      value = value * 256 + octet;
      octet = 0;
      digits = 0;
      dots++;
    } else if (c >= 48 && c <= 57) {
      if (digits === 1 && octet === 0) return undefined;
      octet = octet * 10 + (c - 48);
      if (++digits > 3 || octet > 255) return undefined;
    } else return undefined;
  }
  return dots === 3 && digits > 0 ? value * 256 + octet : undefined;
}

export function formatIPv4(n: number): string {
  return `${(n >>> 24) & 255}.${(n >>> 16) & 255}.${(n >>> 8) & 255}.${n & 255}`;
}

export function isIPv6(text: string): boolean {
  return ipaddr.IPv6.isValid(text);
}

export function maskOf(prefix: number): number {
  return prefix === 0 ? 0 : (0xffffffff << (32 - prefix)) >>> 0;
}

/** Parses `a.b.c.d/n`; host bits set is a problem of its own so the message can show the network. */
export function parseCidr(text: string): Cidr | AddressProblem {
  const slash = text.indexOf('/');
  if (slash < 0) return isIPv6(text) ? 'ipv6' : 'syntax';
  const ip = parseIPv4(text.slice(0, slash));
  if (ip === undefined) return isIPv6(text.slice(0, slash)) ? 'ipv6' : 'syntax';
  const p = text.slice(slash + 1);
  if (!/^(0|[1-9][0-9]?)$/.test(p) || Number(p) > 32) return 'prefix';
  const prefix = Number(p);
  const base = (ip & maskOf(prefix)) >>> 0;
  return base === ip ? { base, prefix } : 'host-bits';
}

/** The network a CIDR with host bits set meant, for the "write X instead" hint. */
export function networkOf(text: string): string | undefined {
  const [ip, p] = text.split('/');
  const n = ip === undefined ? undefined : parseIPv4(ip);
  if (n === undefined || p === undefined) return undefined;
  return formatCidr({ base: (n & maskOf(Number(p))) >>> 0, prefix: Number(p) });
}

export function formatCidr(c: Cidr): string {
  return `${formatIPv4(c.base)}/${c.prefix}`;
}

export function cidrContains(c: Cidr, ip: number): boolean {
  return ((ip & maskOf(c.prefix)) >>> 0) === c.base;
}

export function cidrsOverlap(a: Cidr, b: Cidr): boolean {
  const prefix = Math.min(a.prefix, b.prefix);
  return ((a.base & maskOf(prefix)) >>> 0) === ((b.base & maskOf(prefix)) >>> 0);
}

/** True when `inner` lies wholly inside `outer`. */
export function cidrWithin(inner: Cidr, outer: Cidr): boolean {
  return inner.prefix >= outer.prefix && cidrContains(outer, inner.base);
}

export function cidrSize(c: Cidr): number {
  return 2 ** (32 - c.prefix);
}

/** The `index`-th subnet of length `prefix` inside `c`, or undefined when `c` has no such subnet. */
export function subnetAt(c: Cidr, prefix: number, index: number): Cidr | undefined {
  if (prefix < c.prefix || prefix > 32 || index < 0 || index >= 2 ** (prefix - c.prefix)) return undefined;
  return { base: c.base + index * 2 ** (32 - prefix), prefix };
}

/** The broadcast address (last address) of a network. */
export function lastAddress(c: Cidr): number {
  return c.base + cidrSize(c) - 1;
}
