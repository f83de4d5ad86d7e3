/**
 * Names Kubernetes generates at random (pod name suffixes, pod-template-hash, EndpointSlice
 * names), derived here from a hash of what identifies the object so that the same file always
 * gives the same names. The alphabet is the one apimachinery's rand.String uses.
 */

import { sha1Hex } from '../net/sha1';

const alphabet = 'bcdfghjklmnpqrstvwxz2456789';

/** `length` characters of Kubernetes' random-name alphabet, fixed by `seed`. */
export function generatedSuffix(seed: string, length: number): string {
  const hex = sha1Hex(seed);
  let out = '';
  for (let i = 0; i < length; i++) out += alphabet[parseInt(hex.slice(i * 2, i * 2 + 2), 16) % alphabet.length];
  return out;
}
