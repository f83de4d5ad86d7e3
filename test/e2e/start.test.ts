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

test('npm start prints a trace and a URL that opens the seed sample with its CodeLenses', { timeout: 300000 }, async (t) => {
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
  const url = await new Promise<string>((resolve, reject) => {
    const timer = setInterval(() => {
      const m = /^ {2}(http:\/\/127\.0\.0\.1:\d+\/\?folder=\S+)$/m.exec(printed);
      if (m?.[1]) {
        clearInterval(timer);
        resolve(m[1]);
      } else if (start?.exitCode !== null) {
        clearInterval(timer);
        reject(new Error(`start.sh ended with ${start?.exitCode}:\n${printed.slice(-2000)}`));
      }
    }, 250);
  });
  writeFileSync(path.join(out, 'start-output.txt'), printed);

  // The terminal shows the engine working before any browser: the seed's walk across the VXLAN overlay.
  assert.match(printed, /^pod\/default\/busybox -> svc\/default\/nginx-test-service:80 tcp port 80$/m);
  assert.match(printed, /^ {2}2\. master host cni0 -> enp0s1: .*\| udp \d+ > 8472 \| vxlan vni 1 \|/m);
  assert.match(printed, /^ {2}=> DELIVERED$/m);
  assert.ok(url.startsWith(`http://127.0.0.1:${port}/`), `the URL names the port asked for: ${url}`);

  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1600, height: 900 } });
  await page.goto(url);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  // Nothing clicked, nothing typed: the URL alone opens the sample, at its first Pod.
  await page.locator(`.tabs-container .tab.active[data-resource-name="${sample}"]`).waitFor({ timeout: 30000 });
  await page.locator('.codelens-decoration a', { hasText: 'Trace to…' }).first().waitFor({ timeout: 30000 });
  const lenses = await page.locator('.codelens-decoration a').allTextContents();
  assert.ok(lenses.includes('Trace to…') && lenses.includes('Show in topology'), `CodeLenses: ${lenses.join(', ')}`);
  const status = (await page.locator('.statusbar-item', { hasText: /\d+ nodes · \d+ pods/ }).first().textContent()) ?? '';
  assert.match(status, /3 nodes · 4 pods · 1 service\b/);
  await page.screenshot({ path: path.join(out, '0-npm-start.png') });

  stop();
  const ended = await new Promise<boolean>((resolve) => {
    if (start?.exitCode !== null) resolve(true);
    start?.once('exit', () => resolve(true));
    setTimeout(() => resolve(false), 15000);
  });
  assert.ok(ended, 'start.sh stops on SIGTERM');
  await new Promise((r) => setTimeout(r, 500));
  const listening = await fetch(`http://127.0.0.1:${port}/healthz`).then(() => true, () => false);
  assert.equal(listening, false, 'code-server stopped with it');
});
