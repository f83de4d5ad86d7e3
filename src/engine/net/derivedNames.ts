/**
 * Names and MACs that the kernel or a CNI picks at random on a real node (host veth names of the
 * bridge plugin, bridge and VTEP MACs). The simulator derives them from a hash of what identifies
 * the object, so the same file always gives the same answer.
 */

import { sha1Hex, sha1Words } from './sha1';

/** Character codes of a MAC being formatted, reused: `aa:bb:cc:dd:ee:ff`. */
const macCodes: number[] = new Array<number>(17).fill(0x3a);

/** The lowercase hex digit of a nibble, as a character code. */
function hexDigit(n: number): number {
  return n < 10 ? 0x30 + n : 0x57 + n;
}

/**
 * A locally administered unicast MAC, as the kernel's random MACs are (second-lowest bit of the
 * first byte set, lowest clear): the first six bytes of the seed's SHA-1. Every pod of a
 * non-bridge CNI gets one, so it is written straight from the digest words as one flat string
 * (concatenated pieces would each stay a separate object for as long as the pod lives).
 */
export function derivedMac(seed: string): string {
  const h = sha1Words(seed);
  const bytes = [((h[0]! >>> 24) & 0xfe) | 0x02, (h[0]! >>> 16) & 255, (h[0]! >>> 8) & 255, h[0]! & 255, h[1]! >>> 24, (h[1]! >>> 16) & 255];
  for (let i = 0; i < 6; i++) {
    macCodes[i * 3] = hexDigit(bytes[i]! >> 4);
    macCodes[i * 3 + 1] = hexDigit(bytes[i]! & 15);
  }
  return String.fromCharCode(...macCodes);
}

/** The bridge plugin's host veth name: `veth` and 8 hex digits (random there, hashed here). */
export function bridgePluginVethName(namespace: string, pod: string): string {
  return `veth${sha1Hex(`${namespace}/${pod}`).slice(0, 8)}`;
}
