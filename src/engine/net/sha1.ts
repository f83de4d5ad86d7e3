/**
 * SHA-1 of a UTF-8 string, as hex. Calico names a pod's host veth from the SHA-1 of
 * "namespace.pod"; the engine may not import node:crypto, and this is the only digest it needs.
 * A large topology hashes once per pod, so the message bytes and the schedule live in buffers
 * reused across calls: a digest allocates nothing but its hex string.
 */

/** The padded message, grown (by whole blocks) only when a longer one comes. */
let message = new Uint8Array(128);
const schedule = new Uint32Array(80);
const HEX = Array.from({ length: 256 }, (_, i) => i.toString(16).padStart(2, '0'));

/** Writes `text` as UTF-8 into `message` and returns its length in bytes. */
function encode(text: string): number {
  // Every UTF-16 unit becomes at most 3 bytes; 9 more cover the 0x80 marker and the length.
  const worst = ((((text.length * 3 + 9) >> 6) + 1) << 6);
  if (message.length < worst) message = new Uint8Array(worst);
  const out = message;
  let n = 0;
  for (let i = 0; i < text.length; i++) {
    let c = text.charCodeAt(i);
    if (c < 0x80) {
      out[n++] = c;
      continue;
    }
    if (c >= 0xd800 && c < 0xdc00 && i + 1 < text.length) {
      const low = text.charCodeAt(i + 1);
      if (low >= 0xdc00 && low < 0xe000) {
        c = 0x10000 + ((c - 0xd800) << 10) + (low - 0xdc00);
        i++;
      }
    }
    if (c < 0x800) {
      out[n++] = 0xc0 | (c >> 6);
      out[n++] = 0x80 | (c & 63);
    } else if (c < 0x10000) {
      out[n++] = 0xe0 | (c >> 12);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    } else {
      out[n++] = 0xf0 | (c >> 18);
      out[n++] = 0x80 | ((c >> 12) & 63);
      out[n++] = 0x80 | ((c >> 6) & 63);
      out[n++] = 0x80 | (c & 63);
    }
  }
  return n;
}

function hex32(h: number): string {
  return HEX[h >>> 24]! + HEX[(h >>> 16) & 255]! + HEX[(h >>> 8) & 255]! + HEX[h & 255]!;
}

/** The digest of the last `sha1Words` call, as five big-endian words. */
const digest = new Uint32Array(5);

/** The SHA-1 of `text` as five words, in a buffer the next call overwrites: for callers that want a few bytes, not hex. */
export function sha1Words(text: string): Readonly<Uint32Array> {
  const length = encode(text);
  const blocks = ((length + 8) >> 6) + 1;
  const end = blocks << 6;
  const bytes = message;
  bytes[length] = 0x80;
  bytes.fill(0, length + 1, end - 8);
  // The bit length as a big-endian 64-bit number; no message here comes near 2^32 bits.
  const bits = length * 8;
  bytes[end - 8] = 0;
  bytes[end - 7] = 0;
  bytes[end - 6] = 0;
  bytes[end - 5] = Math.floor(bits / 0x100000000) & 255;
  bytes[end - 4] = bits >>> 24;
  bytes[end - 3] = (bits >>> 16) & 255;
  bytes[end - 2] = (bits >>> 8) & 255;
  bytes[end - 1] = bits & 255;
  let h0 = 0x67452301;
  let h1 = 0xefcdab89;
  let h2 = 0x98badcfe;
  let h3 = 0x10325476;
  let h4 = 0xc3d2e1f0;
  const w = schedule;
  for (let block = 0; block < end; block += 64) {
    for (let i = 0, o = block; i < 16; i++, o += 4) w[i] = (bytes[o]! << 24) | (bytes[o + 1]! << 16) | (bytes[o + 2]! << 8) | bytes[o + 3]!;
    for (let i = 16; i < 80; i++) {
      const x = w[i - 3]! ^ w[i - 8]! ^ w[i - 14]! ^ w[i - 16]!;
      w[i] = (x << 1) | (x >>> 31);
    }
    let a = h0;
    let b = h1;
    let c = h2;
    let d = h3;
    let e = h4;
    for (let i = 0; i < 80; i++) {
      let f: number;
      let k: number;
      if (i < 20) {
        f = (b & c) | (~b & d);
        k = 0x5a827999;
      } else if (i < 40) {
        f = b ^ c ^ d;
        k = 0x6ed9eba1;
      } else if (i < 60) {
        f = (b & c) | (b & d) | (c & d);
        k = 0x8f1bbcdc;
      } else {
        f = b ^ c ^ d;
        k = 0xca62c1d6;
      }
      const t = (((a << 5) | (a >>> 27)) + f + e + k + w[i]!) >>> 0;
      e = d;
      d = c;
      c = (b << 30) | (b >>> 2);
      b = a;
      a = t;
    }
    h0 = (h0 + a) >>> 0;
    h1 = (h1 + b) >>> 0;
    h2 = (h2 + c) >>> 0;
    h3 = (h3 + d) >>> 0;
    h4 = (h4 + e) >>> 0;
  }
  digest[0] = h0;
  digest[1] = h1;
  digest[2] = h2;
  digest[3] = h3;
  digest[4] = h4;
  return digest;
}

export function sha1Hex(text: string): string {
  const h = sha1Words(text);
  // Joined, so the digest is one flat string rather than a chain of five pieces.
  return [hex32(h[0]!), hex32(h[1]!), hex32(h[2]!), hex32(h[3]!), hex32(h[4]!)].join('');
}
