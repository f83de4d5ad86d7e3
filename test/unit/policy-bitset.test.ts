/** Bitset iteration: members in order, across word boundaries and the sign bit of each word. */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Bitset } from '../../src/engine/policy/bitset';

function members(b: Bitset): number[] {
  const out: number[] = [];
  b.forEach((i) => out.push(i));
  return out;
}

test('forEach visits exactly the members, in increasing order', () => {
  const wanted = [0, 1, 30, 31, 32, 63, 64, 95, 127, 128, 200];
  const b = new Bitset(201);
  for (const i of [...wanted].reverse()) b.add(i);
  assert.deepEqual(members(b), wanted);
  for (let i = 0; i < 201; i++) assert.equal(b.has(i), wanted.includes(i));
});

test('forEach over a full set and an empty one', () => {
  assert.deepEqual(members(Bitset.full(70)), Array.from({ length: 70 }, (_, i) => i));
  assert.deepEqual(members(new Bitset(70)), []);
});
