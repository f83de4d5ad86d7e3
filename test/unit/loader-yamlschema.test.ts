/**
 * The loader's YAML schema only skips regular expressions that could not match: every plain
 * scalar must become what js-yaml's default schema makes of it (string, number, NaN, Infinity,
 * Date, null, boolean), including the ones that look almost like a float or a timestamp.
 */

import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import { topologySchema } from '../../src/engine/model/yamlSchema';

const both = (text: string): [unknown, unknown] => [yaml.load(text), yaml.load(text, { schema: topologySchema })];

test('scalars near floats and timestamps load as the default schema loads them', () => {
  const scalars = [
    '1.5', '-1.5', '+1.5', '.5', '-.5', '1e3', '1.0e+3', '1.', '.inf', '-.Inf', '+.INF', '.nan', '.NaN', '1_000.5', '0x1F', '0o17', '012', '+12', '-0',
    '2001-12-14', '2001-12-14t21:59:43.10-05:00', '2001-12-14 21:59:43.10', '2001-12-15T02:59:43.1Z', '2002-1-1 1:00:00', '2001-12-1', '20011-12-14', '2001-12', '1999-',
    '10.42.0.5', '10.42.0.0/16', 'pod-1', '+', '.', 'e3', '~', 'null', 'true', 'False', 'yes', '<<', '', '0', '9', '1-2-3',
  ];
  for (const s of scalars) {
    const [a, b] = both(`v: ${s}\n`);
    assert.deepEqual(b, a, s);
  }
});

test('random plain scalars from digits, signs, dots, dashes and letters load alike', () => {
  const scalar = fc.string({ unit: fc.constantFrom('0', '1', '2', '9', '.', '-', '+', ':', 'e', 'E', 'T', 'Z', ' ', 'i', 'n', 'f', 'a', '_'), minLength: 1, maxLength: 22 });
  fc.assert(
    fc.property(scalar, (s) => {
      let a: unknown;
      try {
        a = yaml.load(`v: ${s}\n`);
      } catch {
        return; // Not a plain scalar at all (a stray indicator): nothing to compare.
      }
      assert.deepEqual(yaml.load(`v: ${s}\n`, { schema: topologySchema }), a);
    }),
    { numRuns: 3000, seed: 4 },
  );
});
