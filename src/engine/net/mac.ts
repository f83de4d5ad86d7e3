/** MAC addresses as the loader normalises and derives them: lower case, colon separated. */

/** The canonical form of a MAC (`aa:bb:cc:dd:ee:ff`), or undefined when the text is not one. */
export function parseMac(text: string): string | undefined {
  const m = /^([0-9a-fA-F]{2})([:-])([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})\2([0-9a-fA-F]{2})$/.exec(text);
  if (!m) return undefined;
  return [m[1], m[3], m[4], m[5], m[6], m[7]].join(':').toLowerCase();
}

/**
 * Two hex digits for each byte value, built once: a large topology forms a MAC per pod. MACs are
 * joined rather than concatenated: a joined MAC is one flat string, a concatenated one of 17
 * characters a chain of pieces, three times the memory.
 */
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

function hex2(n: number): string {
  return HEX[n & 255]!;
}

/**
 * The MAC the CNI bridge plugin gives a pod's eth0: `0a:58:` followed by the four bytes of its
 * IPv4 address (containernetworking/plugins, pkg/utils/hwaddr), so it can be read off the address.
 */
export function podMacFor(ip: number): string {
  return ['0a', '58', hex2(ip >>> 24), hex2(ip >>> 16), hex2(ip >>> 8), hex2(ip)].join(':');
}

/**
 * A default underlay MAC for a node or external host: the QEMU/KVM prefix `52:54:00` (what the
 * seeds' virtual machines show) followed by the low three bytes of its address, so it is stable
 * and unique within a /8.
 */
export function hostMacFor(ip: number): string {
  return ['52', '54', '00', hex2(ip >>> 16), hex2(ip >>> 8), hex2(ip)].join(':');
}
