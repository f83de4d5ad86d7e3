// `npm run bench`: builds, then runs every benchmark in scripts/bench/ in turn; each prints its own figures.
import { spawnSync } from 'node:child_process';
import { readdirSync } from 'node:fs';

const only = process.argv[2];
const r = spawnSync('node', ['esbuild.mjs'], { stdio: 'inherit' });
if (r.status !== 0) process.exit(r.status ?? 1);
spawnSync('npx', ['tsc', '-b'], { stdio: 'inherit' });
for (const file of readdirSync('scripts/bench').filter((f) => f.endsWith('.mjs')).sort()) {
  if (only && !file.includes(only)) continue;
  console.log(`\n## ${file.replace(/\.mjs$/, '')}`);
  const b = spawnSync('node', ['--expose-gc', `scripts/bench/${file}`], { stdio: 'inherit' });
  if (b.status !== 0) process.exitCode = b.status ?? 1;
}
