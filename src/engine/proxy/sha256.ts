/**
 * SHA-256 and RFC 4648 base32 (Go's StdEncoding alphabet), in plain TypeScript: kube-proxy names
 * its chains with base32(sha256(...))[:16], and the engine runs in the browser too, so it cannot
 * use node:crypto.
 */

const K = new Int32Array([
  0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5,
  0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3, 0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174,
  0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
  0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967,
  0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13, 0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85,
  0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
  0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3,
  0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208, 0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
]);

/** UTF-8 bytes of a string (Go hashes the string's bytes, which are UTF-8). */
function utf8(text: string): Uint8Array {
  const out: number[] = [];
  for (const ch of text) {
    const c = ch.codePointAt(0)!;
    if (c < 0x80) out.push(c);
    else if (c < 0x800) out.push(0xc0 | (c >> 6), 0x80 | (c & 63));
    else if (c < 0x10000) out.push(0xe0 | (c >> 12), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
    else out.push(0xf0 | (c >> 18), 0x80 | ((c >> 12) & 63), 0x80 | ((c >> 6) & 63), 0x80 | (c & 63));
  }
  return Uint8Array.from(out);
}

/**
 * The message padded to whole blocks. Short ASCII text (every chain-name input) is written into a
 * reused buffer: naming 100,000 endpoints would otherwise allocate two arrays per name.
 */
const scratch = new Uint8Array(256);

function padded(text: string): Uint8Array {
  let length = text.length;
  let bytes: Uint8Array | undefined;
  for (let i = 0; i < text.length; i++) {
    if (text.charCodeAt(i) >= 0x80) {
      bytes = utf8(text);
      length = bytes.length;
      break;
    }
  }
  const size = ((length + 9 + 63) >> 6) << 6;
  const out = size <= scratch.length ? scratch.subarray(0, size).fill(0) : new Uint8Array(size);
  if (bytes) out.set(bytes);
  else for (let i = 0; i < length; i++) out[i] = text.charCodeAt(i);
  out[length] = 0x80;
  const high = Math.floor(length / 0x20000000), low = (length * 8) >>> 0;
  for (let i = 0; i < 4; i++) {
    out[size - 8 + i] = (high >>> (24 - 8 * i)) & 0xff;
    out[size - 4 + i] = (low >>> (24 - 8 * i)) & 0xff;
  }
  return out;
}

const W = new Int32Array(64);
const H = new Int32Array(8);
/** H read as the unsigned words the digest is. */
const DIGEST = new Uint32Array(H.buffer);
const INITIAL = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];

/**
 * Loads `head + tail` as the one padded block W[0..15] when it is ASCII and at most 55 characters
 * (every chain-name input), without joining the two or passing through a byte buffer.
 */
function loadShort(head: string, tail: string): boolean {
  const h = head.length;
  const n = h + tail.length;
  if (n > 55) return false;
  W.fill(0, 0, 16);
  for (let i = 0; i < n; i++) {
    const c = i < h ? head.charCodeAt(i) : tail.charCodeAt(i - h);
    if (c >= 0x80) return false;
    W[i >> 2]! |= c << (24 - ((i & 3) << 3));
  }
  W[n >> 2]! |= 0x80 << (24 - ((n & 3) << 3));
  W[15] = n * 8;
  return true;
}

/**
 * One block W[0..15] into the state H. The arithmetic stays in signed 32-bit integers (`| 0`),
 * which the JIT keeps in registers: a layout of 100,000 endpoint chains hashes every one.
 */
function compress(): void {
  for (let i = 16; i < 64; i++) {
    const a = W[i - 15]!, b = W[i - 2]!;
    const s0 = ((a >>> 7) | (a << 25)) ^ ((a >>> 18) | (a << 14)) ^ (a >>> 3);
    const s1 = ((b >>> 17) | (b << 15)) ^ ((b >>> 19) | (b << 13)) ^ (b >>> 10);
    W[i] = (W[i - 16]! + s0 + W[i - 7]! + s1) | 0;
  }
  let a = H[0]!, b = H[1]!, c = H[2]!, d = H[3]!, e = H[4]!, f = H[5]!, g = H[6]!, h = H[7]!;
  for (let i = 0; i < 64; i++) {
    const S1 = ((e >>> 6) | (e << 26)) ^ ((e >>> 11) | (e << 21)) ^ ((e >>> 25) | (e << 7));
    const ch = (e & f) ^ (~e & g);
    const t1 = (h + S1 + ch + K[i]! + W[i]!) | 0;
    const S0 = ((a >>> 2) | (a << 30)) ^ ((a >>> 13) | (a << 19)) ^ ((a >>> 22) | (a << 10));
    const maj = (a & b) ^ (a & c) ^ (b & c);
    h = g; g = f; f = e; e = (d + t1) | 0; d = c; c = b; b = a; a = (t1 + S0 + maj) | 0;
  }
  H[0] = (H[0]! + a) | 0; H[1] = (H[1]! + b) | 0; H[2] = (H[2]! + c) | 0; H[3] = (H[3]! + d) | 0;
  H[4] = (H[4]! + e) | 0; H[5] = (H[5]! + f) | 0; H[6] = (H[6]! + g) | 0; H[7] = (H[7]! + h) | 0;
}

/** The digest of `head + tail` as eight big-endian words, in a buffer reused by the next call. */
function digestWords(head: string, tail = ''): Uint32Array {
  H.set(INITIAL);
  if (loadShort(head, tail)) compress();
  else {
    const data = padded(head + tail);
    for (let off = 0; off < data.length; off += 64) {
      for (let i = 0; i < 16; i++) {
        const j = off + i * 4;
        W[i] = (data[j]! << 24) | (data[j + 1]! << 16) | (data[j + 2]! << 8) | data[j + 3]!;
      }
      compress();
    }
  }
  return DIGEST;
}

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

/** base32(sha256(text)) cut to its first 16 characters: the first 80 bits of the digest. */
export function sha256Base32Prefix16(text: string): string {
  const w = digestWords(text);
  // 80 bits as a 32-bit, a 32-bit and a 16-bit piece; each character takes five of them.
  const bits = [w[0]!, w[1]!, w[2]! >>> 16];
  const widths = [32, 32, 16];
  let out = '';
  let buffer = 0, count = 0;
  for (let p = 0; p < 3; p++) {
    for (let shift = widths[p]! - 8; shift >= 0; shift -= 8) {
      buffer = ((buffer << 8) | ((bits[p]! >>> shift) & 0xff)) & 0x1fff;
      count += 8;
      while (count >= 5) {
        out += ALPHABET[(buffer >>> (count - 5)) & 31];
        count -= 5;
      }
    }
  }
  return out;
}

/**
 * Where base32(sha256(head + tail))[:16] sorts among such prefixes, as two numbers compared in
 * turn (the first ten characters, then the last six), written to `out[at]` and `out[at + 1]`: the
 * order of the text itself, found without writing it. ASCII puts base32's digits 2–7 before its
 * letters.
 */
export function sha256Base32Order(head: string, tail: string, out: Float64Array, at: number): void {
  const w = digestWords(head, tail);
  let hi = 0, lo = 0;
  for (let i = 0; i < 16; i++) {
    const bit = i * 5;
    const word = bit >>> 5, off = bit & 31;
    const d = (off <= 27 ? w[word]! >>> (27 - off) : (w[word]! << (off - 27)) | (w[word + 1]! >>> (59 - off))) & 31;
    const rank = d < 26 ? d + 6 : d - 26;
    if (i < 10) hi = hi * 32 + rank;
    else lo = lo * 32 + rank;
  }
  out[at] = hi;
  out[at + 1] = lo;
}

/** sha256Base32Order of a prefix already written out: its sixteen characters ranked as ASCII ranks them. */
export function base32Order(prefix: string, out: Float64Array, at: number): void {
  let hi = 0, lo = 0;
  for (let i = 0; i < 16; i++) {
    const c = prefix.charCodeAt(i);
    const rank = c <= 55 /* 7 */ ? c - 50 /* 2 */ : c - 65 /* A */ + 6;
    if (i < 10) hi = hi * 32 + rank;
    else lo = lo * 32 + rank;
  }
  out[at] = hi;
  out[at + 1] = lo;
}
