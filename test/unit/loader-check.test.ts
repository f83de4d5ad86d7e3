/** `packetwalk check`: sorted FILE:LINE:COL lines, exit 1 on errors only, info notes on request. */

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/broken');

async function run(...args: string[]): Promise<{ code: number; out: string[]; err: string[] }> {
  const out: string[] = [];
  const err: string[] = [];
  const code = await main(['check', ...args], { out: (t) => void out.push(t), err: (t) => void err.push(t) });
  return { code, out, err };
}

test('errors exit 1 with sorted FILE:LINE:COL: severity: message [code] lines', async () => {
  const file = path.join(fixtures, 'bad-address-node.yaml');
  const r = await run(file);
  assert.equal(r.code, 1);
  assert.deepEqual(r.out.map((l) => l.replace(file, 'F').replace(/: .*\[/, ': … [')), ['F:9:3: … [PW4015]', 'F:11:14: … [PW3002]']);
  assert.match(r.out[1]!, /^.*:11:14: error: spec\.nodes\[0\]\.address is "192\.168\.1\.300", not an IPv4 address/);
});

test('warnings alone exit 0; --quiet hides them', async () => {
  const file = path.join(fixtures, 'policy-flannel.yaml');
  const r = await run(file);
  assert.equal(r.code, 0);
  assert.equal(r.out.length, 1);
  assert.match(r.out[0]!, /:14:7: warning: flannel does not enforce NetworkPolicy/);
  assert.deepEqual((await run(file, '--quiet')).out, []);
});

test('info notes are shown only with --infos', async () => {
  const file = path.join(fixtures, 'ignored-kind.yaml');
  assert.deepEqual((await run(file)).out, []);
  const r = await run(file, '--infos');
  assert.equal(r.code, 0);
  assert.match(r.out[0]!, /:14:7: info: ServiceAccount is a real Kubernetes kind/);
});
