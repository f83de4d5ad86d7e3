/**
 * Chain names: the hand-written SHA-256 and base32 agree with node:crypto and Go's base32 on
 * ASCII, multi-byte UTF-8 and inputs around the 55/56/64-byte padding boundaries; and upstream's
 * own name for a service port is reproduced.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { endpointChain, serviceChains } from '../../src/engine/proxy/names';
import { base32Order, sha256Base32Order, sha256Base32Prefix16 } from '../../src/engine/proxy/sha256';

const ALPHABET = 'ABCDEFGHIJKLMNOPQRSTUVWXYZ234567';

function reference(text: string): string {
  const digest = createHash('sha256').update(text, 'utf8').digest();
  let bits = '';
  for (const byte of digest) bits += byte.toString(2).padStart(8, '0');
  let out = '';
  for (let i = 0; i < 80; i += 5) out += ALPHABET[parseInt(bits.slice(i, i + 5), 2)];
  return out;
}

test('the first 16 base32 characters of SHA-256 match node:crypto on every padding boundary', () => {
  const inputs = ['', 'abc', 'ns1/svc1:p80tcp', 'é日本🙂abc', ...[54, 55, 56, 57, 63, 64, 65, 119, 120, 255, 256, 300].map((n) => 'x'.repeat(n))];
  for (const text of inputs) assert.equal(sha256Base32Prefix16(text), reference(text), JSON.stringify(text));
});

test('upstream names: ns1/svc1:p80 is KUBE-SVC-XPGD46QRK7WJZT7O, its endpoint 10.180.0.1:80 KUBE-SEP-SXIVWICOYRO3J4NJ', () => {
  assert.equal(serviceChains('ns1/svc1:p80', 'tcp').svc, 'KUBE-SVC-XPGD46QRK7WJZT7O');
  assert.equal(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
  // A second call comes from the memo and must not differ.
  assert.equal(endpointChain('ns1/svc1:p80', 'tcp', '10.180.0.1:80'), 'KUBE-SEP-SXIVWICOYRO3J4NJ');
});

test('a chain hash\'s order key sorts as its base32 text does, found from the text or without it', () => {
  const texts = Array.from({ length: 400 }, (_, i) => `ns${i % 7}/svc-${i}:httptcp10.42.${i % 256}.${i % 13}:8080`);
  const keyed = texts.map((text) => {
    const fromDigest = new Float64Array(2);
    const fromText = new Float64Array(2);
    const hash = sha256Base32Prefix16(text);
    sha256Base32Order(text.slice(0, 9), text.slice(9), fromDigest, 0);
    base32Order(hash, fromText, 0);
    assert.deepEqual(fromDigest, fromText, text);
    return { hash, hi: fromDigest[0]!, lo: fromDigest[1]! };
  });
  const byText = [...keyed].sort((a, b) => (a.hash < b.hash ? -1 : a.hash > b.hash ? 1 : 0)).map((k) => k.hash);
  const byKey = [...keyed].sort((a, b) => a.hi - b.hi || a.lo - b.lo).map((k) => k.hash);
  assert.deepEqual(byKey, byText);
});
