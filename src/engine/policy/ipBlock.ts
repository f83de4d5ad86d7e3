/**
 * NetworkPolicy ipBlock: an address matches when it lies in `cidr` and in none of `except`.
 * The loader has already checked the CIDRs, so they are turned into numeric prefixes once here.
 */

import type { Cidr } from '../net/cidr';
import { parsePrefix, prefixContains } from '../net/ipv4';

export interface CompiledIpBlock {
  readonly cidr: Cidr;
  readonly except: readonly Cidr[];
  /** As written in the policy, for explanations. */
  readonly text: string;
}

/** Undefined for a block this model cannot evaluate (IPv6): it then matches no IPv4 address. */
export function compileIpBlock(block: { readonly cidr: string; readonly except: readonly string[] }): CompiledIpBlock | undefined {
  const cidr = block.cidr.includes('/') ? parsePrefix(block.cidr) : undefined;
  if (!cidr) return undefined;
  const except = block.except.map((e) => parsePrefix(e)).filter((c): c is Cidr => c !== undefined);
  const text = block.except.length ? `ipBlock ${block.cidr} except ${block.except.join(',')}` : `ipBlock ${block.cidr}`;
  return { cidr, except, text };
}

/** `ip` as `ipToNum` gives it: NaN (an IPv6 address) matches no block. */
export function ipBlockMatches(block: CompiledIpBlock, ip: number): boolean {
  return !Number.isNaN(ip) && prefixContains(block.cidr, ip) && !block.except.some((e) => prefixContains(e, ip));
}
