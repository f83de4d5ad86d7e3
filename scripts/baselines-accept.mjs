// `npm run baselines:accept`: the only way a golden reference changes. Copies the results the last
// test run wrote to test/baselines-local over test/baselines, and deletes the references no test
// produced (test/harness/baseline.ts says when those can be judged). Review with `git diff`.
import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';

const harness = new URL('../out/test/harness/baseline.js', import.meta.url);
if (!existsSync(harness)) {
  console.error('No compiled test harness: run `npm run test:unit` first, then accept its results.');
  process.exit(1);
}
const { acceptBaselines } = createRequire(import.meta.url)(harness.pathname);
const report = acceptBaselines();
const lines = [
  ...report.added.map((name) => `added    test/baselines/${name}`),
  ...report.updated.map((name) => `updated  test/baselines/${name}`),
  ...report.deleted.map((name) => `deleted  test/baselines/${name} (orphaned: no test produced it)`),
];
console.log(lines.length > 0 ? lines.join('\n') : 'Every reference already matches the last run.');
if (report.kept.length > 0) {
  console.log(`\nKept, though the last run did not produce them, because ${report.keptBecause}:`);
  console.log(report.kept.map((name) => `  test/baselines/${name}`).join('\n'));
}
