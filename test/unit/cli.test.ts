import assert from 'node:assert/strict';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { capture } from '../fixtures/cli';

test('an unknown command is a usage error with one line', async () => {
  const c = capture();
  assert.equal(await main(['frobnicate'], c.io), 2);
  assert.equal(c.err.length, 1);
  assert.match(c.err[0]!, /unknown command 'frobnicate'/);
});

test('an unknown option is a usage error naming it', async () => {
  const c = capture();
  assert.equal(await main(['check', 'x.yaml', '--bogus'], c.io), 2);
  assert.match(c.err[0]!, /--bogus/);
});

test('every command answers --help with its synopsis', async () => {
  for (const name of ['check', 'trace', 'rules', 'ipvs', 'show', 'reach', 'lab', 'generate', 'import']) {
    const c = capture();
    assert.equal(await main([name, '--help'], c.io), 0);
    assert.match(c.out.join('\n'), new RegExp(`^usage: packetwalk ${name}`));
  }
});

test('a missing file is an input error with file:line:col', async () => {
  const c = capture();
  assert.equal(await main(['check', 'does/not/exist.yaml'], c.io), 1);
  assert.match(c.err[0]!, /^does\/not\/exist\.yaml:1:1: error: cannot read the file/);
});
