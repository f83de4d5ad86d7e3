/**
 * A real VS Code for one e2e file: the packaged extension installed into code-server, a workspace
 * of the caller's files, Debian's Chromium driving it through playwright-core. `start` answers
 * why it cannot run (code-server or chromium missing) rather than failing.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { freePort } from './freePort';

export const root = path.resolve(__dirname, '../../..');
export const out = path.join(root, 'test-results', 'e2e');

export interface Session {
  readonly page: Page;
  readonly workspace: string;
  close(): Promise<void>;
}

function run(cmd: string, args: string[]): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

/** Packages the extension, serves it in code-server over a fresh workspace that `fill` writes, and opens it in Chromium. */
export async function start(fill: (workspace: string) => void): Promise<Session | string> {
  mkdirSync(out, { recursive: true });
  const setup = run('bash', ['scripts/e2e-setup.sh']);
  const lines = setup.out.trim().split('\n');
  const cache = lines[lines.length - 1] ?? '';
  const cs = path.join(cache, 'cs/node_modules/.bin/code-server');
  if (!setup.ok || !existsSync(cs) || !existsSync('/usr/bin/chromium')) return `code-server or chromium could not be installed: ${lines.slice(-3).join(' | ')}`;
  const pack = run('npm', ['run', 'package']);
  assert.ok(pack.ok, `npm run package failed:\n${pack.out.slice(-2000)}`);
  const workspace = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ws-'));
  fill(workspace);
  const userData = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ud-'));
  const extensions = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ext-'));
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  // No workspace-trust modal, no welcome page: both would cover the editor.
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'editor.minimap.enabled': false }));
  const install = run(cs, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', path.join(root, 'packet-walk.vsix'), '--force']);
  assert.ok(install.ok, install.out);
  const port = await freePort();
  const server: ChildProcess = spawn(cs, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--user-data-dir', userData, '--extensions-dir', extensions, workspace], { stdio: 'ignore' });
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (r?.ok) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1800, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  return {
    page,
    workspace,
    close: async () => {
      await browser.close();
      server.kill();
      for (const d of [workspace, userData, extensions]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/**
 * Types into the quick input (the palette, a quick pick, an input box) and accepts. `title` waits
 * for that quick input to be the one shown, `row` for a list row with that text to be offered.
 */
export async function quickInput(page: Page, text: string, title?: string, row?: string): Promise<void> {
  if (title) await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'visible', timeout: 30000 });
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(text);
  if (row) await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: row }).waitFor({ state: 'visible', timeout: 60000 });
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

/** The topology webview of the document whose name ends with `file` (webviews live in nested iframes). */
export async function webviewFrame(page: Page, file: string, timeout = 60000): Promise<Frame> {
  const deadline = Date.now() + timeout;
  while (Date.now() < deadline) {
    for (const f of page.frames()) {
      try {
        if (await f.$(`body[data-document$="${file}"] #graph`)) return f;
      } catch {
        // A frame navigating away: look again.
      }
    }
    await page.waitForTimeout(250);
  }
  throw new Error(`the topology webview of ${file} did not appear`);
}

/**
 * Runs a command from the palette. The palette lists what is contributed when it opens, and the
 * extension's contributions arrive a little after the workbench: it is opened again until the
 * command is offered.
 */
export async function palette(page: Page, command: string): Promise<void> {
  const deadline = Date.now() + 90000;
  for (;;) {
    await page.keyboard.press('Control+Shift+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 15000 });
    await input.fill(`>${command}`);
    const offered = await page.locator('.quick-input-widget .monaco-list-row.focused', { hasText: command }).waitFor({ state: 'visible', timeout: 3000 }).then(() => true, () => false);
    if (offered) break;
    await page.keyboard.press('Escape');
    if (Date.now() > deadline) throw new Error(`the palette never offered ${command}`);
    await page.waitForTimeout(1000);
  }
  await page.keyboard.press('Enter');
}
