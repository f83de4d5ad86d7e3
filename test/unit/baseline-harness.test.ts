/**
 * The golden harness itself: a difference and a missing reference fail with a diff to read, a run
 * writes only the local folder, and accepting copies results over references and deletes orphans
 * only when a whole passing run can vouch for them. The folders here are temporary, so these tests
 * leave the repository's baselines alone.
 */
import assert from 'node:assert/strict';
import { existsSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { acceptBaselines, matchBaseline, recordRun, unproducedBaselines, upstreamBaseline, type BaselineFolders } from '../harness/baseline';
import { baselineVerdict, unifiedDiff } from '../harness/baselineDiff';

const paths = { reference: 'test/baselines/walk/x.txt', local: 'test/baselines-local/walk/x.txt' };

test('a result equal to its reference passes', () => {
  assert.equal(baselineVerdict('walk/x.txt', 'a\nb\n', 'a\nb\n', paths), undefined);
});

test('a missing reference fails, names both files and says how to accept', () => {
  const verdict = baselineVerdict('walk/x.txt', 'a\n', undefined, paths);
  assert.equal(verdict, 'no reference baseline test/baselines/walk/x.txt for walk/x.txt; this run wrote test/baselines-local/walk/x.txt: review it, then run `npm run baselines:accept` to accept it.');
});

test('a difference fails with a unified diff of the lines that changed, with context around them', () => {
  const reference = ['1', '2', '3', '4', 'old', '6', '7', '8', '9'].join('\n');
  const actual = ['1', '2', '3', '4', 'new', 'added', '6', '7', '8', '9'].join('\n');
  assert.equal(baselineVerdict('walk/x.txt', actual, reference, paths), [
    'baseline walk/x.txt differs from its reference; if the new result is right, run `npm run baselines:accept` to accept it.',
    '--- test/baselines/walk/x.txt (reference)',
    '+++ test/baselines-local/walk/x.txt (this run)',
    '@@ -2,7 +2,8 @@',
    ' 2', ' 3', ' 4', '-old', '+new', '+added', ' 6', ' 7', ' 8',
  ].join('\n'));
});

test('a long difference is cut short, saying how many lines were left out', () => {
  const many = (p: string) => Array.from({ length: 30 }, (_, i) => `${p}${i}`).join('\n');
  const diff = unifiedDiff(many('a'), many('b'), 3, 10).split('\n');
  assert.deepEqual(diff.slice(0, 2), ['@@ -1,30 +1,30 @@', '-a0']);
  assert.ok(diff.includes('-… 25 more lines') && diff.includes('+… 25 more lines'), diff.join('\n'));
  assert.equal(diff.length, 1 + 6 + 6);
});

test('differences a line diff cannot show are said in words: line endings, newlines at the end', () => {
  assert.match(baselineVerdict('x', 'a\r\nb\r\n', 'a\nb\n', paths)!, /differ only in line endings/);
  assert.match(baselineVerdict('x', 'a\nb\n', 'a\nb', paths)!, /differ only in newlines at the end/);
});

const scratch = mkdtempSync(path.join(tmpdir(), 'baselines-'));
after(() => rmSync(scratch, { recursive: true, force: true }));
let count = 0;
/** A fresh pair of folders, the references given as name → text. */
function folders(references: Record<string, string>): BaselineFolders {
  const at = { reference: path.join(scratch, `${++count}`, 'reference'), local: path.join(scratch, `${count}`, 'local') };
  for (const [name, text] of Object.entries(references)) {
    mkdirSync(path.dirname(path.join(at.reference, name)), { recursive: true });
    writeFileSync(path.join(at.reference, name), text);
  }
  return at;
}

test('a run writes its result to the local folder and never to the references, even when one is missing', () => {
  const at = folders({ 'walk/same.txt': 'same\n', 'walk/changed.txt': 'before\n' });
  matchBaseline('walk/same.txt', 'same\n', at);
  assert.throws(() => matchBaseline('walk/changed.txt', 'after\n', at), /-before\n\+after/);
  assert.throws(() => matchBaseline('cni/new.txt', 'new\n', at), /no reference baseline .*cni\/new\.txt.*baselines:accept/);
  assert.equal(readFileSync(path.join(at.local, 'walk/changed.txt'), 'utf8'), 'after\n');
  assert.equal(readFileSync(path.join(at.reference, 'walk/changed.txt'), 'utf8'), 'before\n');
  assert.equal(existsSync(path.join(at.reference, 'cni/new.txt')), false);
});

test('a name that could leave the folders is refused', () => {
  const at = folders({});
  for (const name of ['../x.txt', 'walk/../../x.txt', '/tmp/x.txt', '.read/x.txt', '']) {
    assert.throws(() => matchBaseline(name, '', at), /is not a relative path/, name);
  }
});

test('references neither produced nor read are the unproduced ones; an upstream baseline read counts as used', () => {
  const at = folders({ 'walk/a.txt': 'a\n', 'walk/stray.txt': 'x\n', 'proxy/upstream.rules': 'u\n' });
  matchBaseline('walk/a.txt', 'a\n', at);
  assert.equal(upstreamBaseline('proxy/upstream.rules', at), 'u\n');
  assert.deepEqual(unproducedBaselines(at), ['walk/stray.txt']);
});

test('accepting after a passing run copies new and changed results and deletes orphans, leaving upstream baselines alone', () => {
  const at = folders({ 'walk/a.txt': 'a\n', 'walk/b.txt': 'old\n', 'gone/stray.txt': 'x\n', 'proxy/upstream.rules': 'u\n' });
  matchBaseline('walk/a.txt', 'a\n', at);
  assert.throws(() => matchBaseline('walk/b.txt', 'new\n', at));
  assert.throws(() => matchBaseline('walk/c.txt', 'c\n', at));
  upstreamBaseline('proxy/upstream.rules', at);
  recordRun(true, at);
  assert.deepEqual(acceptBaselines(at), { added: ['walk/c.txt'], updated: ['walk/b.txt'], deleted: ['gone/stray.txt'], kept: [] });
  assert.equal(readFileSync(path.join(at.reference, 'walk/b.txt'), 'utf8'), 'new\n');
  assert.equal(readFileSync(path.join(at.reference, 'walk/c.txt'), 'utf8'), 'c\n');
  assert.equal(existsSync(path.join(at.reference, 'gone')), false, 'the emptied folder goes too');
  assert.equal(readFileSync(path.join(at.reference, 'proxy/upstream.rules'), 'utf8'), 'u\n');
  matchBaseline('walk/b.txt', 'new\n', at);
  assert.deepEqual(acceptBaselines(at), { added: [], updated: [], deleted: [], kept: [] });
});

test('accepting without a whole passing run copies results but keeps unproduced references, saying why', () => {
  const at = folders({ 'walk/a.txt': 'a\n', 'walk/unreached.txt': 'u\n' });
  assert.throws(() => matchBaseline('walk/a.txt', 'b\n', at));
  const byHand = acceptBaselines(at);
  assert.deepEqual([byHand.updated, byHand.deleted, byHand.kept], [['walk/a.txt'], [], ['walk/unreached.txt']]);
  assert.match(byHand.keptBecause!, /not come from a whole unit run/);
  recordRun(false, at);
  assert.match(acceptBaselines(at).keptBecause!, /last unit run had failures/);
  assert.equal(existsSync(path.join(at.reference, 'walk/unreached.txt')), true);
});
