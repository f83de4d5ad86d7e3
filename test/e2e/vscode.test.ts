/**
 * End to end in a real VS Code: the packaged extension installed into code-server (VS Code 1.100),
 * driven through Debian's Chromium with playwright-core. Each step asserts what is on screen and
 * saves a screenshot under test-results/e2e/. Skips, saying why, when the browser or code-server
 * cannot be installed (scripts/e2e-setup.sh).
 */
import assert from 'node:assert/strict';
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readFileSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { chromium, type Browser, type Frame, type Page } from 'playwright-core';
import { freePort } from './freePort';

const root = path.resolve(__dirname, '../../..');
const out = path.join(root, 'test-results', 'e2e');
const sample = 'seed000-flannel-vxlan.yaml';
const heldOut = path.join(root, 'test', 'fixtures', 'heldout');

let skipReason: string | undefined;
let cache = '';
let browser: Browser | undefined;
let server: ChildProcess | undefined;
let page: Page;
let userData = '';
let workspace = '';
let port = 0;

function run(cmd: string, args: string[], options: { cwd?: string; env?: NodeJS.ProcessEnv } = {}): { ok: boolean; out: string } {
  const r = spawnSync(cmd, args, { cwd: options.cwd ?? root, env: options.env ?? process.env, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  return { ok: r.status === 0, out: `${r.stdout ?? ''}${r.stderr ?? ''}` };
}

async function shot(name: string): Promise<void> {
  await page.screenshot({ path: path.join(out, `${name}.png`) });
}

/** The topology webview's inner frame (webviews live in nested iframes). */
async function webviewFrame(file = sample, timeout = 30000): Promise<Frame> {
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
  throw new Error('the topology webview did not appear');
}

async function quickPick(text: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  await input.waitFor({ state: 'visible', timeout: 15000 });
  await input.fill(text);
  await page.waitForTimeout(300);
  await page.keyboard.press('Enter');
}

async function activationMs(): Promise<number | undefined> {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (e.name.endsWith('.log')) files.push(p);
    }
  };
  if (existsSync(path.join(userData, 'logs'))) walk(path.join(userData, 'logs'));
  for (const f of files) {
    const m = /Packet Walk activated in ([\d.]+) ms \(bundle load ([\d.]+) ms, activate ([\d.]+) ms\)/.exec(readFileSync(f, 'utf8'));
    if (m) {
      writeFileSync(path.join(out, 'activation.txt'), `${m[0]}\n`);
      return Number(m[1]);
    }
  }
  return undefined;
}

before(async () => {
  mkdirSync(out, { recursive: true });
  const setup = run('bash', ['scripts/e2e-setup.sh']);
  const lines = setup.out.trim().split('\n');
  cache = lines[lines.length - 1] ?? '';
  if (!setup.ok || !existsSync(path.join(cache, 'cs/node_modules/.bin/code-server')) || !existsSync('/usr/bin/chromium')) {
    skipReason = `code-server or chromium could not be installed: ${lines.slice(-3).join(' | ')}`;
    return;
  }
  const pack = run('npm', ['run', 'package']);
  assert.ok(pack.ok, `npm run package failed:\n${pack.out.slice(-2000)}`);
  const vsix = path.join(root, 'packet-walk.vsix');
  const size = statSync(vsix).size;
  writeFileSync(path.join(out, 'vsix-size.txt'), `${size}\n`);
  assert.ok(size < 5 * 1024 * 1024, `the vsix is ${size} bytes, over 5 MB`);
  const listing = run('unzip', ['-Z1', vsix]);
  if (listing.ok) {
    const files = listing.out.split('\n');
    assert.ok(!files.some((f) => f.endsWith('.map')), 'no source maps in the vsix');
    assert.ok(!files.some((f) => /^extension\/(src|test|out|webview)\//.test(f)), 'no sources or tests in the vsix');
    assert.ok(files.includes('extension/dist/webview.js') && files.includes('extension/media/icon.png'));
  }

  workspace = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ws-'));
  copyFileSync(path.join(root, 'samples', sample), path.join(workspace, sample));
  if (existsSync(heldOut)) for (const f of readdirSync(heldOut)) copyFileSync(path.join(heldOut, f), path.join(workspace, f));
  userData = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ud-'));
  const extensions = mkdtempSync(path.join(tmpdir(), 'pw-e2e-ext-'));
  mkdirSync(path.join(userData, 'User'), { recursive: true });
  // No workspace-trust modal, no welcome page: both would cover the editor.
  writeFileSync(path.join(userData, 'User', 'settings.json'), JSON.stringify({ 'security.workspace.trust.enabled': false, 'workbench.startupEditor': 'none', 'workbench.tips.enabled': false, 'editor.minimap.enabled': false, 'workbench.editorLargeFileConfirmation': 1024 }));
  const cs = path.join(cache, 'cs/node_modules/.bin/code-server');
  const install = run(cs, ['--user-data-dir', userData, '--extensions-dir', extensions, '--install-extension', vsix, '--force']);
  assert.ok(install.ok, install.out);
  port = await freePort();
  server = spawn(cs, ['--auth', 'none', '--bind-addr', `127.0.0.1:${port}`, '--disable-telemetry', '--disable-update-check', '--user-data-dir', userData, '--extensions-dir', extensions, workspace], { stdio: 'ignore', detached: false });
  for (let i = 0; i < 120; i++) {
    const r = await fetch(`http://127.0.0.1:${port}/healthz`).catch(() => undefined);
    if (r?.ok) break;
    await new Promise((res) => setTimeout(res, 500));
  }
  browser = await chromium.launch({ executablePath: '/usr/bin/chromium', args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run'] });
  page = await browser.newPage({ viewport: { width: 1800, height: 1000 } });
  await page.goto(`http://127.0.0.1:${port}/?folder=${encodeURIComponent(workspace)}`);
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
});

after(async () => {
  await browser?.close();
  server?.kill();
  for (const d of [workspace, userData]) if (d) rmSync(d, { recursive: true, force: true });
});

afterEach(async (t) => {
  // Whatever the outcome, keep what the screen showed at the end of each step.
  if (!skipReason && page) await page.screenshot({ path: path.join(out, `last-${t.name.replace(/[^a-z0-9]+/gi, '-').slice(0, 60)}.png`) }).catch(() => undefined);
});

function guard(t: { skip(message?: string): void }): boolean {
  if (skipReason) t.skip(skipReason);
  return Boolean(skipReason);
}

/** Moves the cursor of the active editor to a 1-based line (Go to Line), which scrolls it into view. */
async function gotoLine(line: number): Promise<void> {
  await page.keyboard.press('Control+G');
  await page.locator('.quick-input-widget input').waitFor({ state: 'visible', timeout: 10000 });
  await page.keyboard.type(String(line));
  await page.keyboard.press('Enter');
  await page.waitForTimeout(300);
}

function lineOf(file: string, pattern: RegExp): number {
  const index = readFileSync(file, 'utf8').split('\n').findIndex((l) => pattern.test(l));
  assert.ok(index >= 0, `${pattern} in ${file}`);
  return index + 1;
}

async function openFile(name: string): Promise<void> {
  await page.locator('.explorer-folders-view .monaco-list-row', { hasText: name }).first().click();
  await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).first().waitFor({ timeout: 20000 });
}

test('opening a seed sample shows CodeLenses on its pods and services', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  await openFile(sample);
  // Lenses render only on visible lines: bring the first Pod into view.
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await gotoLine(lineOf(path.join(workspace, sample), /^kind: Pod$/) + 3);
  const lens = page.locator('.codelens-decoration a', { hasText: 'Trace to…' }).first();
  await lens.waitFor({ timeout: 30000 });
  const texts = await page.locator('.codelens-decoration a').allTextContents();
  assert.ok(texts.some((x) => x.includes('Trace to…')), `CodeLenses: ${texts.join(', ')}`);
  assert.ok(texts.some((x) => x.includes('Show in topology')));
  await shot('1-codelens');
  // Hide the side bar: the topology panel beside the YAML gets the room.
  await page.keyboard.press('Control+B');
  const ms = await activationMs();
  writeFileSync(path.join(out, 'activation-ms.txt'), `${ms ?? 'not found'}\n`);
  console.log(`# activation: ${ms} ms`);
  assert.ok(ms !== undefined, 'the extension logged its activation time');
  // The figure is reported, not judged here: a shared CI machine's timing is noise. The bound only
  // catches an activation that does real work up front (VS Code calls a host unresponsive at 3 s).
  assert.ok(ms < 3000, `activation took ${ms} ms`);
});

test('a trace from a pod CodeLens draws the highlighted cross-node path in the graph', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  await page.locator('.codelens-decoration a', { hasText: 'Trace to…' }).first().click();
  await quickPick('nginx-worker1');
  await quickPick('tcp');
  await quickPick('80');
  const frame = await webviewFrame();
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 30000 });
  await frame.waitForSelector('.hop-badge', { timeout: 30000 });
  const disposition = await frame.textContent('.disposition');
  assert.match(disposition ?? '', /pod\/kube-system\/coredns-\S+ → pod\/default\/nginx-worker1 tcp\/80: DELIVERED/);
  const hops = await frame.locator('.hop-item').allTextContents();
  assert.ok(hops.some((h) => h.includes('k8s-master')) && hops.some((h) => h.includes('k8s-node1')), `hops cross nodes: ${hops.join(' | ')}`);
  assert.ok((await frame.locator('.hop-badge').count()) >= 3);
  await page.waitForTimeout(500);
  await shot('2-trace-graph');
});

test('hovering the hop that crosses the underlay shows the outer VXLAN headers and the inner ones', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  const frame = await webviewFrame();
  const badges = frame.locator('.hop-badge');
  const n = await badges.count();
  let text = '';
  for (let i = 0; i < n; i++) {
    // Move away first, as a user would, so the previous hop's tooltip closes.
    await frame.hover('#status');
    await frame.waitForSelector('#tooltip', { state: 'hidden', timeout: 5000 });
    await badges.nth(i).hover();
    await frame.waitForSelector('#tooltip:not([hidden])', { timeout: 5000 });
    text = (await frame.textContent('#tooltip')) ?? '';
    if (text.includes('VXLAN')) break;
  }
  assert.match(text, /VXLAN/);
  const layers = await frame.locator('#tooltip .header .layer').allTextContents();
  assert.deepEqual(layers.slice(0, 7), ['ETH', 'IPV4', 'UDP', 'VXLAN', 'ETH', 'IPV4', 'TCP']);
  assert.match(text, /dport=8472/);
  assert.match(text, /vni=1/);
  assert.match(text, /dst=10\.244\.1\.\d+/, 'the inner destination is the pod on k8s-node1');
  assert.ok((await frame.locator('#tooltip .header.changed').count()) >= 1, 'the new outer headers are marked');
  await shot('3-hop-tooltip');
});

test('a trace from the command palette replaces the one shown', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  await page.locator('.tabs-container .tab', { hasText: sample }).first().click();
  await page.keyboard.press('Control+Shift+P');
  await quickPick('>Packet Walk: Trace Packet');
  await quickPick('nginx-worker2');
  await quickPick('kube-dns:53');
  await quickPick('udp');
  const frame = await webviewFrame();
  await frame.waitForFunction(() => document.querySelector('.disposition')?.textContent?.includes('kube-dns'), undefined, { timeout: 30000 });
  const disposition = (await frame.textContent('.disposition')) ?? '';
  assert.match(disposition, /pod\/default\/nginx-worker2 → svc\/kube-system\/kube-dns:53 udp\/53: DELIVERED/);
  await shot('4-palette-trace');
});

test('a netfilter step opens the iptables preview with the rules the trace hit decorated', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  const frame = await webviewFrame();
  const stepLink = frame.locator('#trace .step-netfilter.link').first();
  if ((await stepLink.count()) === 0) {
    // The current hop has no rule: step through the hops until one does.
    const items = frame.locator('.hop-item');
    for (let i = 0; i < (await items.count()) && (await stepLink.count()) === 0; i++) await items.nth(i).click();
  }
  await stepLink.click();
  await page.locator('.tabs-container .tab', { hasText: 'iptables.rules' }).first().waitFor({ timeout: 20000 });
  const editorText = await page.locator('.editor-group-container.active .view-lines').textContent();
  assert.match(editorText ?? '', /KUBE-SERVICES/);
  // The hit lines carry the extension's decoration type (VS Code names its classes `ced-…`).
  const decorated = await page
    .waitForFunction(() => document.querySelectorAll('.editor-group-container.active .monaco-editor .view-overlays [class*="ced-"], .editor-group-container.active .monaco-editor .view-lines [class*="ced-"]').length, undefined, { timeout: 10000 })
    .then((h) => h.jsonValue() as Promise<number>, async () => {
      const classes = await page.evaluate(() => [...new Set(Array.from(document.querySelectorAll('.editor-group-container.active .monaco-editor .view-overlays *')).map((e) => e.className))].join(' | '));
      assert.fail(`no decorated line; overlay classes: ${classes}`);
    });
  assert.ok(decorated >= 1, 'hit lines are decorated');
  await shot('5-iptables-hits');
});

test('an error typed into the YAML shows in the Problems panel', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  await page.locator('.tabs-container .tab', { hasText: sample }).first().click();
  const editor = page.locator('.editor-group-container.active .monaco-editor .view-lines').first();
  await editor.click();
  // An invalid prefix length on the cluster CIDR: the loader must report it.
  await gotoLine(lineOf(path.join(workspace, sample), /^\s+clusterCIDR:/));
  await page.keyboard.press('End');
  await page.keyboard.type('9');
  await page.waitForTimeout(1000);
  await page.keyboard.press('Control+Shift+M');
  const row = page.locator('.markers-panel .monaco-list-row').first();
  await row.waitFor({ timeout: 20000 });
  const problems = await page.locator('.markers-panel').textContent();
  assert.match(problems ?? '', /10\.244\.0\.0\/169|prefix|CIDR/i);
  assert.ok((await page.locator('.markers-panel .codicon-error').count()) >= 1, 'an error, not only warnings');
  await shot('6-problems');
});

test('a held-out topology (upstream guestbook manifests on Calico) shows lenses, its graph and a trace', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  const file = 'guestbook.packetwalk.yaml';
  await page.keyboard.press('Control+J'); // close the Problems panel: the editor gets the height back
  await page.keyboard.press('Control+P');
  await quickPick(file);
  await page.locator('.tabs-container .tab.active', { hasText: file }).waitFor({ timeout: 20000 });
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await gotoLine(lineOf(path.join(workspace, file), /^kind: Service$/) + 3);
  await page.locator('.codelens-decoration a', { hasText: 'Trace from a pod…' }).first().click();
  await quickPick('frontend');
  await quickPick('tcp');
  const frame = await webviewFrame(file);
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 30000 });
  await frame.waitForFunction(() => document.querySelector('.disposition')?.textContent?.includes('redis-leader'), undefined, { timeout: 30000 });
  const status = (await frame.textContent('#status')) ?? '';
  assert.match(status, /^guestbook: 3 nodes, 4 pods shown, 2 services/);
  const disposition = (await frame.textContent('.disposition')) ?? '';
  assert.match(disposition, /pod\/default\/frontend-\S+ → svc\/default\/redis-leader:6379 tcp\/6379: [A-Z_]+/);
  writeFileSync(path.join(out, 'heldout-disposition.txt'), `${disposition}\n`);
  await shot('7-heldout');
});

/** The text of the active editor's visible lines. */
async function editorText(): Promise<string> {
  // Monaco draws spaces as no-break spaces.
  return ((await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().textContent()) ?? '').replace(/\u00a0/g, ' ');
}

/** Brings a workspace file to the front through Quick Open (its tab may be scrolled out of sight). */
async function focusFile(name: string): Promise<void> {
  // A webview that holds focus swallows the key; under load that happens between a click and the
  // press, so Quick Open is asked for again, from the workbench, until its box shows.
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Control+P');
    const shown = await page.locator('.quick-input-widget input').first().waitFor({ state: 'visible', timeout: 5000 }).then(() => true, () => false);
    if (shown) break;
    if (attempt === 3) throw new Error('Quick Open did not open after four tries');
    await page.locator('.part.statusbar').first().click({ position: { x: 5, y: 5 } });
  }
  await quickPick(name);
  await page.locator(`.tabs-container .tab.active[data-resource-name="${name}"]`).first().waitFor({ timeout: 20000 });
}

async function palette(command: string): Promise<void> {
  await page.keyboard.press('Control+Shift+P');
  await quickPick(`>${command}`);
}

test('Export Trace writes the last trace as Markdown and as JSON', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  await focusFile('guestbook.packetwalk.yaml');
  await palette('Packet Walk: Export Trace');
  await quickPick('Markdown');
  await page.locator('.tabs-container .tab.active', { hasText: 'Untitled' }).waitFor({ timeout: 20000 });
  await page.waitForTimeout(500);
  const md = await editorText();
  assert.match(md, /# pod\/default\/frontend-\S+ → svc\/default\/redis-leader:6379 tcp\/6379/);
  assert.match(md, /Disposition: \*\*[A-Z_]+\*\*/);
  await shot('8-export-markdown');
  await focusFile('guestbook.packetwalk.yaml');
  await palette('Packet Walk: Export Trace');
  await quickPick('JSON');
  await page.waitForFunction(() => /"disposition"/.test((document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.textContent ?? '').replace(/\u00a0/g, ' ')), undefined, { timeout: 20000 });
  assert.match(await editorText(), /"hops": \[/);
});

test('Open Sample… lists the bundled samples and opens the one picked', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  await palette('Packet Walk: Open Sample');
  const rows = page.locator('.quick-input-list .monaco-list-row');
  await rows.first().waitFor({ timeout: 15000 });
  const names = await rows.allTextContents();
  assert.ok(names.some((n) => n.includes('seed000-flannel-vxlan.yaml')), `samples offered: ${names.join(', ')}`);
  await quickPick('calico-ipip');
  await page.locator('.tabs-container .tab.active', { hasText: 'calico-ipip.yaml' }).waitFor({ timeout: 20000 });
  assert.match(await editorText(), /packetwalk\.io\/v1alpha1/);
});

test('the quick fix for a pod IP outside its podCIDR puts a free address of the node in its place', { timeout: 60000 }, async (t) => {
  if (guard(t)) return;
  const file = 'quickfix.packetwalk.yaml';
  writeFileSync(path.join(workspace, file), [
    'apiVersion: packetwalk.io/v1alpha1', 'kind: Cluster', 'metadata: {name: quickfix}', 'spec:', '  clusterCIDR: 10.42.0.0/16', '  serviceCIDR: 10.43.0.0/16',
    '  cni: {plugin: flannel, backend: vxlan}', '  nodes:', '  - {name: n1, address: 192.168.1.10, podCIDR: 10.42.0.0/24}', '---', 'apiVersion: v1', 'kind: Pod',
    'metadata: {name: web, namespace: default}', 'spec: {nodeName: n1, containers: [{name: c}]}', 'status: {podIP: 10.42.9.9}', '',
  ].join('\n'));
  await focusFile(file);
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await gotoLine(15);
  await page.keyboard.press('End');
  await page.keyboard.press('ArrowLeft');
  await page.keyboard.press('ArrowLeft');
  // The diagnostic arrives after the debounce; then the light bulb's menu offers the fix.
  await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ timeout: 20000 });
  await page.keyboard.press('Control+.');
  const fix = page.locator('.action-widget .monaco-list-row', { hasText: 'Use 10.42.0.2' });
  await fix.waitFor({ timeout: 15000 });
  await shot('9-quickfix');
  // The preferred fix is the focused row: Enter applies it.
  await page.keyboard.press('Enter');
  await page.waitForFunction(() => document.querySelector('.editor-group-container.active .monaco-editor .view-lines')?.textContent?.replace(/\u00a0/g, ' ').includes('podIP: 10.42.0.2'), undefined, { timeout: 10000 });
  await page.locator('.editor-group-container.active .squiggly-error').first().waitFor({ state: 'detached', timeout: 20000 });
});

test('editing the YAML updates the open graph and its trace within half a second', { timeout: 90000 }, async (t) => {
  if (guard(t)) return;
  await focusFile(sample);
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  // Take back the error typed two tests ago.
  await gotoLine(lineOf(path.join(workspace, sample), /^\s+clusterCIDR:/));
  await page.keyboard.press('End');
  await page.keyboard.press('Backspace');
  const frame = await webviewFrame();
  await frame.waitForFunction(() => !/error/.test(document.getElementById('status')?.textContent ?? 'error'), undefined, { timeout: 20000 });
  const before = (await frame.textContent('#trace .disposition')) ?? '';
  // Rename the cluster: the graph's title follows as the user types.
  await gotoLine(lineOf(path.join(workspace, sample), /^ {2}name: seed000-flannel-vxlan$/));
  await page.keyboard.press('End');
  const started = Date.now();
  await page.keyboard.type('x');
  await frame.waitForFunction(() => document.getElementById('status')?.textContent?.startsWith('seed000-flannel-vxlanx:'), undefined, { timeout: 10000, polling: 'raf' });
  const ms = Date.now() - started;
  writeFileSync(path.join(out, 'live-update-ms.txt'), `${ms}\n`);
  console.log(`# live update: keystroke → graph updated in ${ms} ms (debounce 300 ms)`);
  // The trace was walked again over the edited topology, not dropped.
  assert.equal((await frame.textContent('#trace .disposition')) ?? '', before);
  assert.ok(ms < 3000, `the graph followed the edit after ${ms} ms`);
});

test('the graph exports as PNG and SVG through the save dialog', { timeout: 90000 }, async (t) => {
  if (guard(t)) return;
  await focusFile(sample);
  await palette('Packet Walk: Show Topology');
  const frame = await webviewFrame();
  for (const format of ['png', 'svg'] as const) {
    const target = path.join(workspace, `graph.${format}`);
    await frame.locator('vscode-button', { hasText: format.toUpperCase() }).click();
    // code-server's save dialog is a path in a quick input.
    // The dialog fills in its folder once it has read it: type the path after that, and check it stuck.
    await page.waitForFunction(() => (document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.value.startsWith('/'), undefined, { timeout: 15000 });
    await page.waitForTimeout(1000);
    const input = page.locator('.quick-input-widget input');
    await input.fill(target);
    await page.waitForTimeout(300);
    assert.equal(await input.inputValue(), target);
    await page.keyboard.press('Enter');
    const deadline = Date.now() + 15000;
    while (!existsSync(target) && Date.now() < deadline) await page.waitForTimeout(200);
    assert.ok(existsSync(target), `${target} written`);
    await page.waitForTimeout(300);
    const bytes = readFileSync(target);
    if (format === 'png') assert.deepEqual([...bytes.subarray(0, 8)], [0x89, 0x50, 0x4e, 0x47, 0x0d, 0x0a, 0x1a, 0x0a]);
    else {
      const svg = bytes.toString('utf8');
      assert.match(svg, /^<svg xmlns="http:\/\/www\.w3\.org\/2000\/svg"/);
      assert.match(svg, />nginx-worker1</, 'pod labels are in the SVG');
    }
  }
});

/**
 * Picks a colour theme as a user does: Preferences: Color Theme (Ctrl+K Ctrl+T), then its label.
 * The chord's first key is now and then taken before the editor has focus back from the webview
 * (seen twice under load: no picker opened); a user then presses it again, and so does this.
 */
async function pickTheme(label: string): Promise<void> {
  const input = page.locator('.quick-input-widget input');
  for (let attempt = 0; ; attempt++) {
    await page.keyboard.press('Escape');
    await page.locator('.tabs-container .tab', { hasText: sample }).first().click();
    await page.keyboard.press('Control+K');
    await page.keyboard.press('Control+T');
    try {
      await input.waitFor({ state: 'visible', timeout: 5000 });
      break;
    } catch (e) {
      if (attempt === 2) throw e;
    }
  }
  await input.fill(label);
  await page.locator('.quick-input-list .monaco-list-row.focused', { hasText: new RegExp(`^${label}`) }).waitFor({ timeout: 10000 });
  await page.keyboard.press('Enter');
}

/**
 * The lowest contrast ratio (WCAG) among the trace list's texts against what is behind them, and
 * whether the current hop is marked (a background of its own or an outline).
 */
function legibility(): { lowest: number; worst: string; currentMarked: boolean } {
  const rgba = (c: string): number[] => (c.match(/[\d.]+/g) ?? []).map(Number);
  const luminance = (c: number[]): number => {
    const [r, g, b] = c.slice(0, 3).map((v) => {
      const x = v / 255;
      return x <= 0.03928 ? x / 12.92 : ((x + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * b!;
  };
  const background = (e: Element | null): number[] => {
    for (let n = e; n; n = n.parentElement) {
      const c = rgba(getComputedStyle(n).backgroundColor);
      if (c.length === 3 || (c[3] ?? 0) > 0.5) return c;
    }
    return rgba(getComputedStyle(document.body).backgroundColor);
  };
  let lowest = Infinity;
  let worst = '';
  for (const selector of ['.disposition', '.hop-item', '.hop-item.current', '#status', '.hop-badge', '.hop-badge.current', '.header.changed .field', '.step']) {
    const e = document.querySelector(selector);
    if (!e) continue;
    const [a, b] = [luminance(rgba(getComputedStyle(e).color)), luminance(background(e))];
    const ratio = (Math.max(a, b) + 0.05) / (Math.min(a, b) + 0.05);
    if (ratio < lowest) [lowest, worst] = [ratio, selector];
  }
  const current = document.querySelector('.hop-item.current');
  const style = current ? getComputedStyle(current) : undefined;
  const own = style ? rgba(style.backgroundColor) : [];
  const outlined = style ? style.outlineStyle !== 'none' && (rgba(style.outlineColor)[3] ?? 1) > 0 : false;
  return { lowest, worst, currentMarked: Boolean(current) && (outlined || (own.length === 3 || (own[3] ?? 0) > 0.5)) };
}

test('the graph and its trace stay legible in light, dark and both high contrast themes', { timeout: 150000 }, async (t) => {
  if (guard(t)) return;
  const frame = await webviewFrame();
  await frame.waitForSelector('.hop-item.current', { timeout: 20000 });
  const figures: string[] = [];
  for (const [name, label, kind] of [
    ['10-theme-light', 'Light Modern', 'vscode-light'],
    ['10-theme-high-contrast', 'Dark High Contrast', 'vscode-high-contrast'],
    ['10-theme-high-contrast-light', 'Light High Contrast', 'vscode-high-contrast-light'],
    ['10-theme-dark', 'Dark Modern', 'vscode-dark'],
  ] as const) {
    await pickTheme(label);
    // The webview's body class names the theme's kind (a light high contrast theme has both high contrast classes).
    await frame.waitForFunction((k) => {
      const c = document.body.classList;
      return c.contains(k) && (k !== 'vscode-high-contrast' || !c.contains('vscode-high-contrast-light'));
    }, kind, { timeout: 20000 });
    await page.waitForTimeout(800);
    const seen = await frame.evaluate(legibility);
    figures.push(`${label}: lowest contrast ${seen.lowest.toFixed(2)} (${seen.worst}), current hop marked: ${seen.currentMarked}`);
    await shot(name);
    assert.ok(seen.lowest >= 3, `${label}: ${seen.worst} has contrast ${seen.lowest.toFixed(2)}`);
    assert.ok(seen.currentMarked, `${label}: the current hop is marked`);
  }
  writeFileSync(path.join(out, 'theme-contrast.txt'), `${figures.join('\n')}\n`);
  console.log(`# ${figures.join('\n# ')}`);
});

test('after a window reload the topology panel comes back by itself with its graph', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  await page.reload();
  await page.waitForSelector('.monaco-workbench', { timeout: 60000 });
  // VS Code revives the visible panel at once (hidden ones when first shown): any topology will do.
  const frame = await webviewFrame('.yaml', 60000);
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 60000 });
  assert.match((await frame.textContent('#status')) ?? '', /^[\w.-]+: \d+ nodes, \d+ pods shown/);
  await shot('13-restored');
});

test('a 1 MB topology loads in the load worker and shows its counts and its graph', { timeout: 150000 }, async (t) => {
  if (guard(t)) return;
  const file = 'large.packetwalk.yaml';
  const generated = spawnSync('node', ['dist/cli.js', 'generate', '--nodes', '50', '--pods-per-node', '90', '--services', '150', '--endpoints-per-service', '10'], { cwd: root, encoding: 'utf8', maxBuffer: 64 * 1024 * 1024 });
  assert.equal(generated.status, 0, generated.stderr);
  writeFileSync(path.join(workspace, file), generated.stdout);
  const bytes = Buffer.byteLength(generated.stdout);
  assert.ok(bytes > 900_000, `the generated topology is ${bytes} bytes`);
  await page.keyboard.press('Escape');
  // Focus back in the workbench (a reload leaves it in the webview), so Quick Open gets the keys.
  await page.locator('.tabs-container .tab', { hasText: sample }).first().click();
  await focusFile(file);
  // While the large file loads, switch back to the seed sample and time until the status bar (drawn
  // by the extension host) shows the sample's counts. Reported, not judged: it also includes the
  // browser's own work on the large file, and so does not tell the host's share apart.
  const asked = Date.now();
  await page.locator('.tabs-container .tab', { hasText: sample }).first().click();
  const counts = page.locator('.statusbar-item', { hasText: /\d+ nodes? · \d+ pods? · \d+ services?/ }).first();
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.statusbar-item')).some((e) => /^\s*\d+ nodes? · \d+ pods? · \d+ services?/.test(e.textContent ?? '') && !/^\s*50 nodes/.test(e.textContent ?? '')), undefined, { timeout: 20000, polling: 50 });
  const answeredMs = Date.now() - asked;
  await focusFile(file);
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.statusbar-item')).some((e) => /50 nodes · 4500 pods · 150 services/.test(e.textContent ?? '')), undefined, { timeout: 60000 });
  assert.match((await counts.textContent()) ?? '', /50 nodes · 4500 pods · 150 services/);
  const logged = await new Promise<string | undefined>((resolve) => {
    const deadline = Date.now() + 10000;
    const look = () => {
      const line = logLines().find((l) => l.includes(`Loaded ${path.join(workspace, file)} in`));
      if (line || Date.now() > deadline) resolve(line);
      else setTimeout(look, 250);
    };
    look();
  });
  assert.match(logged ?? '', /in \d+ ms in the load worker: 4500 pods, 0 errors/, `the load worker took the file: ${logged}`);
  await palette('Packet Walk: Show Topology');
  const frame = await webviewFrame(file, 60000);
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 60000 });
  assert.match((await frame.textContent('#status')) ?? '', /^generated-50: 50 nodes, \d+ pods? shown, 150 services/);
  const loadMs = /in (\d+) ms in the load worker/.exec(logged ?? '')?.[1];
  writeFileSync(path.join(out, 'worker-load.txt'), `${bytes} bytes; loaded in the worker in ${loadMs} ms; the host showed another file's counts ${answeredMs} ms after the switch\n`);
  console.log(`# large file: ${bytes} bytes, worker load ${loadMs} ms, status bar of another file after ${answeredMs} ms`);
  await shot('14-large-worker');
});

/** Every line the extension host logs have written so far (the Packet Walk output channel among them). */
function logLines(): string[] {
  const files: string[] = [];
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      if (e.isDirectory()) walk(path.join(d, e.name));
      else if (e.name.endsWith('.log')) files.push(path.join(d, e.name));
    }
  };
  if (existsSync(path.join(userData, 'logs'))) walk(path.join(userData, 'logs'));
  return files.flatMap((f) => readFileSync(f, 'utf8').split('\n'));
}

async function logged(pattern: RegExp, timeout = 20000): Promise<string> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const line = logLines().find((l) => pattern.test(l));
    if (line) return line;
    if (Date.now() > deadline) throw new Error(`no log line matches ${pattern}`);
    await new Promise((r) => setTimeout(r, 250));
  }
}

test('a file of more pods and services than the lens limit gets lenses near the lines on screen, and line 1 says so', { timeout: 120000 }, async (t) => {
  if (guard(t)) return;
  const file = 'large.packetwalk.yaml';
  await page.keyboard.press('Escape');
  await focusFile(file);
  await page.locator('.editor-group-container.active .monaco-editor .view-lines').first().click();
  await gotoLine(1);
  // A lens with no command is drawn as text, not as a link.
  await page.locator('.codelens-decoration', { hasText: 'lenses shown near the visible lines only (4,650 pods and services' }).first().waitFor({ timeout: 30000 });
  // Deep in the file, the pods there have their lenses once the editor has scrolled to them.
  await gotoLine(lineOf(path.join(workspace, file), /^metadata: \{name: pod-4321, /));
  // Other editors keep their lenses in hidden DOM: only this editor's drawn ones count.
  const drawn = page.locator('.editor-group-container.active .codelens-decoration a:visible', { hasText: 'Trace to…' });
  await drawn.first().waitFor({ timeout: 30000 });
  const lenses = await drawn.count();
  assert.ok(lenses >= 1 && lenses < 100, `${lenses} Trace lenses drawn`);
  await shot('15-windowed-lenses');
});

test('a 5,000-node topology (150,000 pods, 37 MB) loads, traces from the palette and draws its graph; the host stalls are logged', { timeout: 400000 }, async (t) => {
  if (guard(t)) return;
  const file = 'huge.packetwalk.yaml';
  const generated = spawnSync('node', ['dist/cli.js', 'generate', '--nodes', '5000', '--pods-per-node', '30', '--services', '10000', '--endpoints-per-service', '10', '--cni', 'calico/ipip', '--policies', '200'], { cwd: root, encoding: 'utf8', maxBuffer: 256 * 1024 * 1024 });
  assert.equal(generated.status, 0, generated.stderr);
  writeFileSync(path.join(workspace, file), generated.stdout);
  await page.keyboard.press('Escape');
  // Quick Open finds a file written a moment ago once the workspace's file search has seen it.
  for (let attempt = 0; ; attempt++) {
    await page.locator('.part.statusbar').first().click({ position: { x: 5, y: 5 } });
    await page.keyboard.press('Control+P');
    const input = page.locator('.quick-input-widget input');
    await input.waitFor({ state: 'visible', timeout: 10000 });
    await input.fill(file);
    const found = await page.locator('.quick-input-list .monaco-list-row', { hasText: file }).first().waitFor({ timeout: 3000 }).then(() => true, () => false);
    if (found) {
      await page.keyboard.press('Enter');
      break;
    }
    await page.keyboard.press('Escape');
    assert.ok(attempt < 20, `Quick Open never listed ${file}`);
  }
  await page.locator(`.tabs-container .tab.active[data-resource-name="${file}"]`).first().waitFor({ timeout: 60000 });
  await page.waitForFunction(() => Array.from(document.querySelectorAll('.statusbar-item')).some((e) => /5000 nodes · 150000 pods · 10000 services/.test(e.textContent ?? '')), undefined, { timeout: 180000 });
  // VS Code draws no CodeLenses on a file this large (its large-file optimisations): the palette it is.
  await palette('Packet Walk: Trace Packet');
  // 155,000 sources: the pick lists the first ones and says so; what is typed is searched in the worker.
  await page.waitForFunction(() => /type to search 155,001 endpoints/.test((document.querySelector('.quick-input-widget input') as HTMLInputElement | null)?.placeholder ?? ''), undefined, { timeout: 30000 });
  await page.locator('.quick-input-widget input').fill('pod-123456');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'default/pod-123456' }).first().waitFor({ timeout: 15000 });
  await shot('16-huge-pick');
  await page.keyboard.press('Enter');
  // The destination pick reuses the same widget: typed before it has replaced the source pick,
  // the text would go to the closing one.
  await page.locator('.quick-input-title', { hasText: 'to (destination)' }).waitFor({ timeout: 30000 });
  await page.locator('.quick-input-widget input').fill('svc-1:80');
  await page.locator('.quick-input-list .monaco-list-row', { hasText: 'default/svc-1:80' }).first().waitFor({ timeout: 15000 });
  await page.keyboard.press('Enter');
  // Typed before the protocol pick replaced it, "tcp" would search the destinations again.
  await page.locator('.quick-input-title', { hasText: 'Protocol' }).waitFor({ timeout: 60000 });
  await quickPick('tcp');
  const frame = await webviewFrame(file, 180000);
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 180000 });
  await frame.waitForFunction(() => /pod\/default\/pod-123456 → svc\/default\/svc-1:80 tcp\/80: [A-Z_]+/.test(document.querySelector('.disposition')?.textContent ?? ''), undefined, { timeout: 120000 });
  assert.match((await frame.textContent('#status')) ?? '', /^generated-5000: 5000 nodes/);
  await shot('17-huge-trace-graph');
  const stall = (line: string) => /longest extension host stall since the last report (\d+) ms/.exec(line)?.[1];
  const load = await logged(/Loaded \S+huge\.packetwalk\.yaml in \d+ ms in the load worker: 150000 pods, 0 errors/);
  const trace = await logged(/trace pod\/default\/pod-123456 → svc\/default\/svc-1:80 tcp\/80: /);
  const graph = await logged(/Graph of \d{5,} elements/);
  const figures = [`open (load, diagnostics, counts): ${stall(load)} ms`, `first trace: ${stall(trace)} ms`, `graph: ${stall(graph)} ms`];
  writeFileSync(path.join(out, 'host-stall-5000.txt'), `longest extension host stall, 5,000-node topology\n${figures.join('\n')}\n${[load, trace, graph].join('\n')}\n`);
  console.log(`# host stall at 5,000 nodes: ${figures.join('; ')}`);
  assert.ok([load, trace, graph].every((l) => stall(l) !== undefined), 'each step logged the host stall');
});
