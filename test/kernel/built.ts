/** The lab tests' first check: the namespaces were built, or why not. */

import assert from 'node:assert/strict';
import type { UpResult } from '../../src/cli/lab/up';

export function assertBuilt(up: UpResult): asserts up is Extract<UpResult, { kind: 'built' }> {
  assert.equal(up.kind, 'built', up.kind === 'failed' ? `${up.failure.argv.join(' ')}: ${up.failure.stderr}` : up.kind === 'refused' ? up.reason : '');
}
