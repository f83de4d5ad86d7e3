import { createHash } from 'node:crypto';

const base32Alphabet = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/**
 * kube-proxy's per-service-port chain name: the prefix and the first 16 characters of the base32
 * (standard alphabet) of sha256(`ns/name:port` + protocol in lower case), as its
 * servicePortChainName does.
 */
export function serviceChainName(namespace: string, name: string, portName: string, protocol: string): string {
  const digest = createHash('sha256').update(`${namespace}/${name}:${portName}${protocol.toLowerCase()}`).digest();
  return `KUBE-SVC-${base32(digest).slice(0, 16)}`;
}

function base32(bytes: Uint8Array): string {
  let bits = 0;
  let value = 0;
  let out = '';
  for (const b of bytes) {
    value = (value << 8) | b;
    bits += 8;
    while (bits >= 5) {
      out += base32Alphabet[(value >>> (bits - 5)) & 31];
      bits -= 5;
    }
  }
  if (bits > 0) out += base32Alphabet[(value << (5 - bits)) & 31];
  return out;
}
