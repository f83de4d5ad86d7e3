// The whole test command: build, type-check every layer, lint the layering, then run the suites
// with node's own test runner. Suites that need what a machine may lack (network namespaces, a
// real VS Code) decide for themselves and skip visibly with the reason.
import { spawnSync } from 'node:child_process';
import { readdirSync, rmSync, statSync } from 'node:fs';
import { createRequire } from 'node:module';
import * as path from 'node:path';

const unitOnly = process.argv.includes('--unit');
function run(cmd, args) {
  console.log(`\n$ ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit' });
  if (r.status !== 0) process.exit(r.status ?? 1);
}
function find(dir, suffix) {
  let out = [];
  try { statSync(dir); } catch { return out; }
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    const p = path.join(dir, e.name);
    if (e.isDirectory()) out = out.concat(find(p, suffix));
    else if (p.endsWith(suffix)) out.push(p);
  }
  return out.sort();
}

// Compiled tests whose source was deleted would otherwise keep running. Their project's
// .tsbuildinfo lives in out/test too, so tsc rebuilds the tests (about 10 s) and nothing else.
rmSync('out/test', { recursive: true, force: true });
// Golden results of an earlier run must never count for this one (test/harness/baseline.ts).
rmSync('test/baselines-local', { recursive: true, force: true });

run('node', ['esbuild.mjs']);
run('npx', ['tsc', '-b']);
run('npx', ['eslint', '--no-error-on-unmatched-pattern', 'src', 'webview', 'test', 'scripts']);
const suites = unitOnly ? ['out/test/unit'] : ['out/test/unit', 'out/test/kernel', 'out/test/e2e'];
const files = suites.flatMap((d) => find(d, '.test.js'));
console.log(`\n$ node --test --test-concurrency=1 ${suites.map((d) => `${d}/**/*.test.js`).join(' ')}`);
const passed = spawnSync('node', ['--test', '--test-concurrency=1', ...files], { stdio: 'inherit' }).status === 0;

// Every golden test ran, so a reference none of them produced is an orphan. Judged only when the
// run passed: a failing test may have stopped before reaching its baselines.
const baselines = createRequire(import.meta.url)('../out/test/harness/baseline.js');
baselines.recordRun(passed);
const unproduced = baselines.unproducedBaselines();
if (unproduced.length > 0) {
  const list = unproduced.map((name) => `  test/baselines/${name}`).join('\n');
  if (passed) {
    console.error(`\nOrphaned baselines: no test produced these references; run \`npm run baselines:accept\` to delete them.\n${list}`);
    process.exit(1);
  }
  console.error(`\nNot produced by this failing run (orphaned, or their test failed before reaching them):\n${list}`);
}
if (!passed) process.exit(1);
