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
import { out, palette, quickInput, start, webviewFrame, type Session } from './codeServer';
import { dumpFolder, dumps } from '../unit/importDumps';

let session: Session | string = 'not started';

before(async () => {
  // The kubeconfig VS Code's kubectl reads: its contexts are offered beside the dump choices.
  const kube = mkdtempSync(path.join(tmpdir(), 'pw-e2e-kube-'));
  writeFileSync(path.join(kube, 'config'), 'apiVersion: v1\nkind: Config\nclusters: [{name: c, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: prod-eu, context: {cluster: c, user: u}}, {name: staging, context: {cluster: c, user: u}}]\ncurrent-context: staging\n');
  process.env.KUBECONFIG = path.join(kube, 'config');
  session = await start((workspace) => cpSync(dumpFolder(dumps[1]!), path.join(workspace, 'oke-dump'), { recursive: true }));
});

afterEach(async () => {
  // Whatever the outcome, keep what the screen showed at the end.
  if (typeof session !== 'string') await session.page.screenshot({ path: path.join(out, 'import-last.png') }).catch(() => undefined);
});

after(async () => {
  if (typeof session !== 'string') await session.close();
});

test('Import from Cluster imports a cluster-info dump picked from the palette and shows its graph', { timeout: 240000 }, async (t) => {
  if (typeof session === 'string') return t.skip(session);
  const { page, workspace } = session;
  await palette(page, 'Packet Walk: Import from Cluster');
  await page.locator('.quick-input-widget .quick-input-title', { hasText: 'Import from Cluster' }).waitFor({ state: 'visible', timeout: 30000 });
  const offered = await page.locator('.quick-input-widget .monaco-list-row').allTextContents();
  assert.ok(['prod-eu', 'staging', 'Dump files or folder…', 'Path to a dump…'].every((x) => offered.some((o) => o.includes(x))), `offered: ${offered.join(' | ')}`);
  await page.screenshot({ path: path.join(out, 'import-from-cluster-pick.png') });
  await quickInput(page, 'Path to a dump', 'Import from Cluster', 'Path to a dump');
  await quickInput(page, path.join(workspace, 'oke-dump'), 'Path to a dump');
  const file = path.join(workspace, 'oke-dump.packetwalk.yaml');
  await page.locator('.tabs-container .tab.active[data-resource-name="oke-dump.packetwalk.yaml"]').first().waitFor({ timeout: 60000 });
  assert.ok(existsSync(file), 'the topology was written beside the workspace files');
  assert.match(readFileSync(file, 'utf8'), /plugin: flannel {2}# from DaemonSet kube-system\/kube-flannel-ds/);
  const frame = await webviewFrame(page, 'oke-dump.packetwalk.yaml');
  await frame.waitForSelector('body[data-graph="ready"]', { timeout: 60000 });
  assert.match((await frame.textContent('#status')) ?? '', /^oke-dump: 4 nodes, \d+ pods shown, 10 services/);
  await page.screenshot({ path: path.join(out, 'import-from-cluster.png') });
});
