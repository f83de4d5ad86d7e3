/**
 * Names Kubernetes generates at random (pod name suffixes, pod-template-hash, EndpointSlice
 * names), derived here from a hash of what identifies the object so that the same file always
 * gives the same names. The alphabet is the one apimachinery's rand.String uses.
 */

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** 32-bit FNV-1a of a string, continued from `seed`: cheap, and stable across runs and platforms. */
function fnv1a(text: string, seed = 0x811c9dc5): number {
  let h = seed;
  for (let i = 0; i < text.length; i++) {
    h ^= text.charCodeAt(i);
    h = Math.imul(h, 0x01000193) >>> 0;
  }
  return h;
}

/** `length` characters of Kubernetes' random-name alphabet, fixed by `seed`. */
export function generatedSuffix(seed: string, length: number): string {
  let out = '';
  let h = fnv1a(seed);
  for (let i = 0; i < length; i++) {
    if (i % 4 === 0 && i > 0) h = fnv1a(seed, h);
    out += alphabet[h % alphabet.length];
    h = (Math.floor(h / alphabet.length) ^ Math.imul(h, 0x9e3779b1)) >>> 0;
  }
  return out;
}
