/**
 * A real VS Code for one e2e file: the packaged extension installed into code-server, a workspace
 * of the caller's files, Debian's Chromium driving it through playwright-core. `start` answers
 * why it cannot run (code-server or chromium missing) rather than failing. Also the ways the e2e
 * files drive the workbench, each waiting for the condition it needs, never a fixed time.
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { freePort } from './freePort';
import { coldStartMs, stepMs, until } from './until';

export const root = path.resolve(__dirname, '../../..');
export const out = path.join(root, 'test-results', 'e2e');

export interface Session {
  readonly page: Page;
  readonly workspace: string;
  /** VS Code's user data folder: its logs (the extension's output channel among them) are under `logs/`. */
  readonly userData: string;
  close(): Promise<void>;
}

export function run(cmd: string, args: string[]): { ok: boolean; out: string } {
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
  // No workspace-trust modal, no welcome page: both would cover the editor. A 37 MB topology opens without asking.
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'editor.minimap.enabled': false, 'workbench.editorLargeFileConfirmation': 1024 }));
  const install = run(cs, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', path.join(root, 'packet-walk.vsix'), '--force']);
  assert.ok(install.ok, install.out);
  const port = await freePort();
  const server: ChildProcess = spawn(cs, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--user-data-dir', userData, '--extensions-dir', extensions, workspace], { stdio: 'ignore' });
  await until('code-server to answer', coldStartMs, () => fetch(`http://127.0.0.1:${port}/healthz`).then((r) => r.ok, () => false));
  const browser: Browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  const page = await browser.newPage({ viewport: { width: 1800, height: 1000 } });
  // Every wait that names no deadline of its own gets a step's.
  page.setDefaultTimeout(stepMs);
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: coldStartMs });
  return {
    page,
    workspace,
    userData,
    close: async () => {
      await browser.close();
      server.kill();
      for (const d of [workspace, userData, extensions]) rmSync(d, { recursive: true, force: true });
    },
  };
}

/** The topology webview's inner frame (webviews live in nested iframes) for a document whose name ends with `file`. */
export async function webviewFrame(page: Page, file: string, timeout = stepMs): Promise<Frame> {
  return until(`the topology webview of ${file}`, timeout, async () => {
    for (const f of page.frames()) {
      // A frame navigating away throws: it is not the one.
      if (await f.$(`body[data-document$="${file}"] #graph`).catch(() => null)) return f;
    }
    return undefined;
  });
}

/**
 * Keys for the workbench (a quick input, a panel toggle) go where the focus is: in a webview's
 * iframe the workbench never sees them. A click on the empty middle of the status bar takes the
 * focus back, as a user's would, when a webview holds it.
 */
async function focusWorkbench(page: Page): Promise<void> {
  if (await page.evaluate(() => document.activeElement?.tagName !== 'IFRAME')) return;
  const bar = page.locator('.part.statusbar').first();
  const box = await bar.boundingBox();
  await bar.click({ position: { x: (box?.width ?? 800) / 2, y: 5 } });
  await page.waitForFunction(() => document.activeElement?.tagName !== 'IFRAME');
}

/**
 * Opens a quick input (Quick Open, the command palette, Go to Line) with its shortcut.
 * This is the e2e suites' one retry, for input the browser loses: a webview takes the focus when
 * its panel is revealed or redrawn, and a key pressed in the moment between `focusWorkbench` and
 * the press is delivered to the webview's iframe, where the workbench never sees it (seen under
 * load: no quick input opened). Escape first, so a quick input that did open late is not asked twice.
 */
export async function openQuickInput(page: Page, key: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  // One left open (by a step that failed) would take what is typed next.
  if (await input.isVisible()) {
    await page.keyboard.press('Escape');
    await input.waitFor({ state: 'hidden' });
  }
  for (let attempt = 1; ; attempt++) {
    await focusWorkbench(page);
    await page.keyboard.press(key);
    if (await input.waitFor({ state: 'visible', timeout: 15_000 }).then(() => true, () => false)) return;
    if (attempt === 3) throw new Error(`${key} opened no quick input in three tries`);
    await page.keyboard.press('Escape');
  }
}

/**
 * Types `text` into the open quick input until its list offers a row containing it. The palette
 * and Quick Open make their lists from what they knew when last asked, and ask again only when
 * the text changes: the palette lists the extension's commands once its contributions have
 * arrived, a little after the workbench; Quick Open lists a file written during the run once the
 * file list it starts loading as it opens has loaded.
 */
export async function typeUntilOffered(page: Page, text: string, timeout = stepMs): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text.replace(/^>/, '') }).first();
  await until(`the quick input to offer ${text}`, timeout, async () => {
    await input.fill(text.startsWith('>') ? '>' : '');
    await input.fill(text);
    return row.waitFor({ timeout: 2000 }).then(() => true, () => false);
  });
}

/**
 * Picks the first row of the open quick pick that contains `text` (any case): Enter when it is the
 * focused one, else a click on it (the best match by VS Code's fuzzy score, focused first, may be
 * another row: "Browse Color Themes" comes before "Color Theme").
 */
export async function pickRow(page: Page, text: string, timeout = stepMs): Promise<void> {
  const row = page.locator('.quick-input-widget .quick-input-list .monaco-list-row', { hasText: text }).first();
  await row.waitFor({ timeout });
  if (await row.evaluate((e) => e.classList.contains('focused'))) await page.keyboard.press('Enter');
  else await row.click();
}

/**
 * Answers the open quick pick: waits until it is the one titled `title` (each step of a command has
 * its own: a key typed before the next pick replaced the last one would go to the last one), types
 * `text`, and picks the first row that contains it once the list shows one.
 */
export async function quickPick(page: Page, text: string, title?: string, timeout = stepMs): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible' });
  if (title) await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ timeout });
  await input.fill(text);
  await pickRow(page, text.replace(/^>/, ''), timeout);
}

/**
 * Answers the open input box titled `title` (no list to filter: the value is what is accepted).
 * Enter is pressed once the box shows no error: one the extension's validation gave the value
 * before (an empty path is "no such file") stays until it has checked the new one, and until then
 * VS Code ignores Enter.
 */
export async function inputBox(page: Page, title: string, text: string): Promise<void> {
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor();
  await page.locator('.quick-input-widget input').fill(text);
  await page.locator('.quick-input-widget .monaco-inputbox.error').waitFor({ state: 'detached' });
  await page.keyboard.press('Enter');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: title }).waitFor({ state: 'hidden' });
}

/** Runs a command from the palette. */
export async function palette(page: Page, command: string, timeout = stepMs): Promise<void> {
  await openQuickInput(page, 'Control+Shift+P');
  await typeUntilOffered(page, `>${command}`, timeout);
  await pickRow(page, command);
}
