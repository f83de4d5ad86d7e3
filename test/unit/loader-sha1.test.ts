/**
 * The engine's SHA-1 (pod MACs and veth names hang on it) agrees with node:crypto on every padding
 * boundary and on multi-byte text, and its reused buffers carry nothing from one digest to the next.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { sha1Hex } from '../../src/engine/net/sha1';

const reference = (text: string): string => createHash('sha1').update(text, 'utf8').digest('hex');

test('SHA-1 matches the published vectors', () => {
  assert.equal(sha1Hex(''), 'da39a3ee5e6b4b0d3255bfef95601890afd80709');
  assert.equal(sha1Hex('abc'), 'a9993e364706816aba3e25717850c26c9cd0d89d');
  assert.equal(sha1Hex('abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq'), '84983e441c3bd26ebaae4aa1f95129e5e54670f1');
});

test('SHA-1 matches node:crypto for every length across three blocks, long and short alternating', () => {
  for (let n = 0; n < 200; n++) {
    const long = 'x'.repeat(n);
    assert.equal(sha1Hex(long), reference(long), `length ${n}`);
    // A short message right after a long one: stale bytes of the longer message must not leak in.
    const short = String(n % 7);
    assert.equal(sha1Hex(short), reference(short), `short after length ${n}`);
  }
});

test('SHA-1 hashes the UTF-8 bytes of two-, three- and four-byte characters', () => {
  for (const text of ['kube-system/coredns-é', 'défaut/ポッド/eth0', 'ns/pod-😀/eth0', `${'ü'.repeat(40)}${'中'.repeat(30)}`]) {
    assert.equal(sha1Hex(text), reference(text), text);
  }
});
