/**
 * The README's main command, end to end: `npm start` (scripts/start.sh) prints a CLI trace of the seed
 * sample, serves code-server with the packaged extension, and prints a URL; that URL, opened in
 * Chromium, shows the sample open in the editor with its CodeLenses. Runs start.sh on a free port with
 * its own VS Code state, so a fresh machine is what it sees. Skips, saying why, when the browser or
 * code-server cannot be installed (scripts/e2e-setup.sh).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, test } from 'node:test';
import { chromium, type Browser } from 'playwright-core';
import { freePort } from './freePort';
import { coldStartMs, stepMs, until } from './until';

const root = path.resolve(__dirname, '../../..');
const out = path.join(root, 'test-results', 'e2e');
const sample = 'seed002-flannel-vxlan.yaml';

let start: ChildProcess | undefined;
let browser: Browser | undefined;
let state = '';

/** Stops start.sh and the code-server it started: the whole process group, as Ctrl-C would. */
function stop(): void {
  if (start?.pid !== undefined && start.exitCode === null) {
    try {
      process.kill(-start.pid, 'SIGTERM');
    } catch {
      // Already gone.
    }
  }
}

after(async () => {
  await browser?.close();
  stop();
  if (state) rmSync(state, { recursive: true, force: true });
});

test('npm start prints a trace and a URL that opens the seed sample with its CodeLenses', { timeout: 4 * coldStartMs }, async (t) => {
  const setup = spawnSync('bash', ['scripts/e2e-setup.sh'], { cwd: root, encoding: 'utf8' });
  const cache = (setup.stdout ?? '').trim().split('\n').pop() ?? '';
  if (setup.status !== 0 || !existsSync(path.join(cache, 'cs/node_modules/.bin/code-server')) || !existsSync('/usr/bin/chromium')) {
    t.skip(`code-server or chromium could not be installed: ${(setup.stderr ?? '').trim().split('\n').slice(-3).join(' | ')}`);
    return;
  }
  mkdirSync(out, { recursive: true });
  state = mkdtempSync(path.join(tmpdir(), 'pw-e2e-start-'));
  const port = await freePort();
  // Its own process group, so stopping it stops code-server too.
  start = spawn('bash', ['scripts/start.sh'], { cwd: root, env: { ...process.env, PORT: String(port), PACKETWALK_START_STATE: state }, detached: true, stdio: ['ignore', 'pipe', 'pipe'] });
  let printed = '';
  start.stdout?.on('data', (d: Buffer) => (printed += d.toString()));
  start.stderr?.on('data', (d: Buffer) => (printed += d.toString()));
  // start.sh packages the extension and starts code-server before it prints the URL.
  const url = await until('start.sh to print the URL', coldStartMs, () => {
    const m = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)$/m.exec(printed);
    if (!m?.[1] && start?.exitCode !== null) throw new Error(`start.sh ended with ${start?.exitCode}:\n${printed.slice(-2000)}`);
    return m?.[1];
  });
  writeFileSync(path.join(out, 'start-output.txt'), printed);

  // The terminal shows the engine working before any browser: the seed's walk across the VXLAN overlay.
  assert.match(printed, /^pod\/default\/busybox -> svc\/default\/nginx-test-service:80 tcp port 80$/m);
  assert.match(printed, /^ {2}2\. master host cni0 -> enp0s1: .*\| udp \d+ > 8472 \| vxlan vni 1 \|/m);
  assert.match(printed, /^ {2}=> DELIVERED$/m);
  assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), `the URL names the port asked for: ${url}`);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  page.setDefaultTimeout(stepMs);
  await page.goto(url);
  // A cold VS Code: the workbench loads, the extension activates, its worker loads the sample.
  await page.waitForSelector('.monaco-workbench', { timeout: coldStartMs });
  // Nothing clicked, nothing typed: the URL alone opens the sample, at its first Pod.
  await page.locator(`.tabs-container .tab.active[data-resource-name="${sample}"]`).waitFor({ timeout: coldStartMs });
  // All in one look at the page: VS Code redraws lenses whenever a CodeLens provider is registered or changes.
  const lenses = await page.waitForFunction(() => {
    const all = Array.from(document.querySelectorAll('.codelens-decoration a')).map((a) => a.textContent ?? '');
    return all.includes('Trace to…') && all.includes('Show in topology') && all;
  }, undefined, { timeout: coldStartMs });
  assert.ok(await lenses.jsonValue(), 'CodeLenses on the first Pod');
  const status = page.locator('.statusbar-item', { hasText: /\d+ nodes · \d+ pods/ }).first();
  assert.match((await status.textContent()) ?? '', /3 nodes · 4 pods · 1 service\b/);
  await page.screenshot({ path: path.join(out, '0-npm-start.png') });

  stop();
  await until('start.sh to stop on SIGTERM', stepMs, () => start?.exitCode !== null || start.signalCode !== null);
  // code-server is stopped by start.sh's exit trap: its port closes once it has gone.
  await until('code-server to stop with it', stepMs, () => fetch(`http://127.0.0.1:${port}/healthz`).then(() => false, () => true));
});
