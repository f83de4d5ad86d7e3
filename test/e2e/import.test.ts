/**
 * Packet Walk: Import from Cluster… in a real VS Code: a real cluster's `cluster-info dump` folder
 * (the OKE cluster of test/fixtures/upstream/) picked from the palette, imported by the bundled
 * CLI, opened with its graph. The dump's path is typed into the command's input box, since a
 * native file dialog cannot be driven.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { inputBox, out, palette, quickPick, start, webviewFrame, type Session } from './codeServer';
import { coldStartMs, stepMs } from './until';
import { dumpFolder, dumps } from '../unit/importDumps';
import { recordedKubeconfig, replayServer } from '../unit/kubeApiReplay';

let session: Session | string = 'not started';

let api: { url: string; close(): void } | undefined;

before(async () => {
  // The kubeconfig VS Code's kubectl reads: its contexts reach a local server replaying an OKE
  // cluster's recorded API responses, and are offered beside the dump choices.
  api = await replayServer();
  const kube = mkdtempSync(path.join(tmpdir(), 'pw-e2e-kube-'));
  writeFileSync(path.join(kube, 'config'), recordedKubeconfig(api.url));
  process.env.KUBECONFIG = path.join(kube, 'config');
  session = await start((workspace) => cpSync(dumpFolder(dumps[1]!), path.join(workspace, 'oke-dump'), { recursive: true }));
});

afterEach(async () => {
  // Whatever the outcome, keep what the screen showed at the end.
  if (typeof session !== 'string') await session.page.screenshot({ path: path.join(out, 'import-last.png') }).catch(() => undefined);
});

after(async () => {
  if (typeof session !== 'string') await session.close();
  api?.close();
});

test('Import from Cluster imports a cluster-info dump picked from the palette and shows its graph', { timeout: 2 * coldStartMs + 4 * stepMs }, async (t) => {
  if (typeof session === 'string') return t.skip(session);
  const { page, workspace } = session;
  // The first command of a freshly started VS Code: the palette offers it once the extension's contributions have arrived.
  await palette(page, 'Packet Walk: Import from Cluster', coldStartMs);
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Import from Cluster' }).waitFor();
  await page.locator('.quick-input-widget .monaco-list-row', { hasText: 'Path to a dump' }).first().waitFor();
  const offered = await page.locator('.quick-input-widget .monaco-list-row').allTextContents();
  assert.ok(['oke-recorded', 'other', 'Dump files or folder…', 'Path to a dump…'].every((x) => offered.some((o) => o.includes(x))), `offered: ${offered.join(' | ')}`);
  await page.screenshot({ path: path.join(out, 'import-from-cluster-pick.png') });
  await quickPick(page, 'Path to a dump', 'Import from Cluster');
  await inputBox(page, 'Path to a dump', path.join(workspace, 'oke-dump'));
  const file = path.join(workspace, 'oke-dump.packetwalk.yaml');
  // The bundled CLI imports the dump off the host, then the topology opens.
  await page.locator('.tabs-container .tab.active[data-resource-name="oke-dump.packetwalk.yaml"]').first().waitFor({ timeout: coldStartMs });
  assert.ok(existsSync(file), 'the topology was written beside the workspace files');
  assert.match(readFileSync(file, 'utf8'), /plugin: flannel {2}# from DaemonSet kube-system\/kube-flannel-ds/);
  const frame = await webviewFrame(page, 'oke-dump.packetwalk.yaml');
  await frame.waitForSelector('body[data-graph="ready"]');
  assert.match((await frame.textContent('#status')) ?? '', /^oke-dump: 4 nodes, \d+ pods shown, 10 services/);
  await page.screenshot({ path: path.join(out, 'import-from-cluster.png') });
});

test('Import from Cluster reads a kube context through the real kubectl (a local server replaying recorded API responses) and shows its graph', { timeout: 2 * coldStartMs + 4 * stepMs }, async (t) => {
  if (typeof session === 'string') return t.skip(session);
  const { page, workspace } = session;
  await palette(page, 'Packet Walk: Import from Cluster');
  await quickPick(page, 'oke-recorded', 'Import from Cluster');
  await page.locator('.tabs-container .tab.active[data-resource-name="oke-recorded.packetwalk.yaml"]').first().waitFor({ timeout: coldStartMs });
  const text = readFileSync(path.join(workspace, 'oke-recorded.packetwalk.yaml'), 'utf8');
  assert.match(text, /^# Imported by `packetwalk import` from kube context oke-recorded through kubectl\./);
  const frame = await webviewFrame(page, 'oke-recorded.packetwalk.yaml');
  await frame.waitForSelector('body[data-graph="ready"]');
  assert.match((await frame.textContent('#status')) ?? '', /^oke-recorded: 4 nodes, \d+ pods shown, 10 services/);
  await page.screenshot({ path: path.join(out, 'import-from-context.png') });
});
