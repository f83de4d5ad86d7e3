// The whole test command: build, type-check every layer, lint the layering, then run the suites
// with node's own test runner. Suites that need what a machine may lack (network namespaces, a
// real VS Code) decide for themselves and skip visibly with the reason.
import { spawnSync } from 'node:child_process';
import { readdirSync, statSync } from 'node:fs';
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

run('node', ['esbuild.mjs']);
run('npx', ['tsc', '-b']);
run('npx', ['eslint', '--no-error-on-unmatched-pattern', 'src', 'webview', 'test', 'scripts']);
const suites = unitOnly ? ['out/test/unit'] : ['out/test/unit', 'out/test/kernel', 'out/test/e2e'];
const files = suites.flatMap((d) => find(d, '.test.js'));
run('node', ['--test', '--test-concurrency=1', ...files]);
