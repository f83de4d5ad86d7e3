// `packetwalk diff`: what a policy change opens and closes, between two files and between a file
// and its version at a git revision, with golden output in every format.
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { capture } from '../fixtures/cli';
import { matchBaseline } from '../harness/baseline';

const fixtures = path.resolve(__dirname, '../../../test/fixtures/connectivity');
const before = path.join(fixtures, 'shop.yaml');
const after = path.join(fixtures, 'shop-after.yaml');

async function diff(...args: string[]): Promise<string> {
  const c = capture();
  assert.equal(await main(['diff', ...args], c.io), 0, c.err.join('\n'));
  assert.deepEqual(c.err, []);
  return c.out.join('\n');
}

for (const format of ['txt', 'json', 'csv', 'md', 'dot']) {
  test(`diff --format ${format} of the shop's policy review matches its baseline`, async () => {
    matchBaseline(`reach/shop-diff.${format}`, `${await diff(before, after, '--format', format)}\n`);
  });
}

test('diff names what opens and what narrows, and nothing for an unchanged file', async () => {
  const lines = (await diff(before, after)).split('\n');
  assert.ok(lines.includes('added   shop/debug[Pod] => shop/db[StatefulSet]{db-0} : TCP 5432'));
  assert.ok(lines.includes('changed shop/web[Deployment] => 0.0.0.0-9.255.255.255 : TCP 53,443,8000-8090; UDP 53 -> TCP 53,443; UDP 53'));
  assert.equal(await diff(before, before), '');
  assert.match(await diff(after, before), /^removed shop\/debug\[Pod\] => shop\/db\[StatefulSet\]\{db-0\} : TCP 5432$/m);
});

test('diff FILE --base REF compares with the file as git has it at REF', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'packetwalk-diff-'));
  try {
    const git = (...args: string[]): string => execFileSync('git', ['-c', 'user.name=t', '-c', 'user.email=t@example.com', ...args], { cwd: dir, encoding: 'utf8' });
    git('init', '-q');
    copyFileSync(before, path.join(dir, 'shop.yaml'));
    git('add', 'shop.yaml');
    git('commit', '-qm', 'before');
    copyFileSync(after, path.join(dir, 'shop.yaml'));
    assert.equal(await diff(path.join(dir, 'shop.yaml'), '--base', 'HEAD'), await diff(before, after));
    const c = capture();
    assert.equal(await main(['diff', path.join(dir, 'shop.yaml'), '--base', 'no-such-ref'], c.io), 1);
    assert.match(c.err.join('\n'), /cannot read the file at no-such-ref/);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
