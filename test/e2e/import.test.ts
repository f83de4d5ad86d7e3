/**
 * Packet Walk: Import from Cluster… in a real VS Code: a real cluster's `cluster-info dump` folder
 * (the OKE cluster of test/fixtures/upstream/) picked from the palette, imported by the bundled
 * CLI, opened with its graph. The dump's path is typed into the command's input box, since a
 * native file dialog cannot be driven.
 */
import assert from 'node:assert/strict';
import { cpSync, existsSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { after, afterEach, before, test } from 'node:test';
import { out, palette, quickInput, start, webviewFrame, type Session } from './codeServer';
import { dumpFolder, dumps } from '../unit/importDumps';

let session: Session | string = 'not started';

before(async () => {
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
  await quickInput(page, 'Path to a dump', 'Import from Cluster', 'Path to a dump');
  await page.screenshot({ path: path.join(out, 'import-from-cluster-pick.png') });
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
