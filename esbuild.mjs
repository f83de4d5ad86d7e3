// Three bundles: the extension host (node/cjs, `vscode` external), the CLI (node/cjs), the webview (browser/iife).
import * as esbuild from 'esbuild';

const production = process.argv.includes('--production');
const watch = process.argv.includes('--watch');
const common = { bundle: true, minify: production, sourcemap: !production, logLevel: 'warning', legalComments: 'none' };

const builds = [
  // The banner marks when the extension bundle starts evaluating, so activation can report its load time.
  { ...common, entryPoints: ['src/extension/extension.ts'], outfile: 'dist/extension.js', platform: 'node', format: 'cjs', target: 'node20', external: ['vscode'], banner: { js: 'var __packetwalkLoadStart = performance.now();' } },
  { ...common, entryPoints: ['src/extension/engineWorker.ts'], outfile: 'dist/engineWorker.js', platform: 'node', format: 'cjs', target: 'node20' },
  { ...common, entryPoints: ['src/cli/main.ts'], outfile: 'dist/cli.js', platform: 'node', format: 'cjs', target: 'node20', banner: { js: '#!/usr/bin/env node' } },
];
const webviewEntry = 'webview/main.ts';
import { existsSync } from 'node:fs';
if (existsSync(webviewEntry)) {
  builds.push({ ...common, entryPoints: [webviewEntry], outfile: 'dist/webview.js', platform: 'browser', format: 'iife', target: 'es2022' });
}

if (watch) {
  for (const b of builds) await (await esbuild.context(b)).watch();
} else {
  await Promise.all(builds.map((b) => esbuild.build(b)));
}
