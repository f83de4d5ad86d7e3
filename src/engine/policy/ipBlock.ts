/**
 * NetworkPolicy ipBlock: an address matches when it lies in `cidr` and in none of `except`.
 * The loader has already checked the CIDRs, so parsing here only turns them into numbers once.
 */

export interface Cidr4 {
  readonly base: number;
  readonly length: number;
}

export interface CompiledIpBlock {
  readonly cidr: Cidr4;
  readonly except: readonly Cidr4[];
  /** As written in the policy, for explanations. */
  readonly text: string;
}

/** The unsigned 32-bit value of a dotted quad; NaN when it is not one (IPv6 never matches an IPv4 block). */
export function ipv4ToNumber(ip: string): number {
  const parts = ip.split('.');
  if (parts.length !== 4) return NaN;
  let n = 0;
  for (const p of parts) {
    if (!/^\d{1,3}$/.test(p) || Number(p) > 255) return NaN;
    n = n * 256 + Number(p);
  }
  return n;
}

function maskOf(length: number): number {
  return length === 0 ? 0 : (0xffffffff << (32 - length)) >>> 0;
}

function parseCidr(text: string): Cidr4 | undefined {
  const [addr, len] = text.split('/');
  const base = ipv4ToNumber(addr ?? '');
  const length = len === undefined ? 32 : Number(len);
  if (Number.isNaN(base) || !Number.isInteger(length) || length < 0 || length > 32) return undefined;
  return { base: (base & maskOf(length)) >>> 0, length };
}

function contains(c: Cidr4, ip: number): boolean {
  return ((ip & maskOf(c.length)) >>> 0) === c.base;
}

/** Undefined for a block this model cannot evaluate (IPv6): it then matches no IPv4 address. */
export function compileIpBlock(block: { readonly cidr: string; readonly except: readonly string[] }): CompiledIpBlock | undefined {
  const cidr = parseCidr(block.cidr);
  if (!cidr) return undefined;
  const except = block.except.map(parseCidr).filter((c): c is Cidr4 => c !== undefined);
  const text = block.except.length ? `ipBlock ${block.cidr} except ${block.except.join(',')}` : `ipBlock ${block.cidr}`;
  return { cidr, except, text };
}

export function ipBlockMatches(block: CompiledIpBlock, ip: number): boolean {
  return !Number.isNaN(ip) && contains(block.cidr, ip) && !block.except.some((e) => contains(e, ip));
}
