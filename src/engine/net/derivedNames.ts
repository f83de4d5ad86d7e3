/**
 * Names and MACs that the kernel or a CNI picks at random on a real node (host veth names of the
 * bridge plugin, bridge and VTEP MACs). The simulator derives them from a hash of what identifies
 * the object, so the same file always gives the same answer.
 */

import { sha1Hex } from './sha1';

/** A locally administered unicast MAC, as the kernel's random MACs are (second-lowest bit of the first byte set, lowest clear). */
export function derivedMac(seed: string): string {
  const hex = sha1Hex(seed);
  const first = ((parseInt(hex.slice(0, 2), 16) & 0xfe) | 0x02).toString(16).padStart(2, '0');
  const rest = [2, 4, 6, 8, 10].map((i) => hex.slice(i, i + 2));
  return [first, ...rest].join(':');
}

/** The bridge plugin's host veth name: `veth` and 8 hex digits (random there, hashed here). */
export function bridgePluginVethName(namespace: string, pod: string): string {
  return `veth${sha1Hex(`${namespace}/${pod}`).slice(0, 8)}`;
}
