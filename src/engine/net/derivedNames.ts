/**
 * Names and MACs that the kernel or a CNI picks at random on a real node (host veth names of the
 * bridge plugin, bridge and VTEP MACs). The simulator derives them from a hash of what identifies
 * the object, so the same file always gives the same answer.
 */

import { hexByte, sha1Hex, sha1Words } from './sha1';

/**
 * A locally administered unicast MAC, as the kernel's random MACs are (second-lowest bit of the
 * first byte set, lowest clear): the first six bytes of the seed's SHA-1. Every pod of a
 * non-bridge CNI gets one, so it is formatted straight from the digest words.
 */
export function derivedMac(seed: string): string {
  const h = sha1Words(seed);
  const a = h[0]!;
  const b = h[1]!;
  return `${hexByte(((a >>> 24) & 0xfe) | 0x02)}:${hexByte(a >>> 16)}:${hexByte(a >>> 8)}:${hexByte(a)}:${hexByte(b >>> 24)}:${hexByte(b >>> 16)}`;
}

/** The bridge plugin's host veth name: `veth` and 8 hex digits (random there, hashed here). */
export function bridgePluginVethName(namespace: string, pod: string): string {
  return `veth${sha1Hex(`${namespace}/${pod}`).slice(0, 8)}`;
}
