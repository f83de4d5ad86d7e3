/**
 * Runs inside a VS Code downloaded by @vscode/test-electron (see test/e2e/electron.test.ts): the
 * extension activates on a seed sample, lenses and hovers come from the real loader, and the
 * commands are registered.
 */
import assert from 'node:assert/strict';
import * as path from 'node:path';
import * as vscode from 'vscode';

export async function run(): Promise<void> {
  const root = path.resolve(__dirname, '../../../..');
  const doc = await vscode.workspace.openTextDocument(path.join(root, 'samples', 'seed000-flannel-vxlan.yaml'));
  await vscode.window.showTextDocument(doc);
  const commands = await vscode.commands.getCommands(true);
  for (const c of ['packetwalk.trace', 'packetwalk.showTopology', 'packetwalk.showNodeRules', 'packetwalk.exportTrace', 'packetwalk.openSample']) assert.ok(commands.includes(c), c);
  let lenses: vscode.CodeLens[] = [];
  for (let i = 0; i < 40 && lenses.length === 0; i++) {
    lenses = (await vscode.commands.executeCommand<vscode.CodeLens[]>('vscode.executeCodeLensProvider', doc.uri)) ?? [];
    if (lenses.length === 0) await new Promise((r) => setTimeout(r, 250));
  }
  assert.ok(lenses.some((l) => l.command?.title === 'Trace to…'), 'pod CodeLenses');
  assert.ok(lenses.some((l) => l.command?.title === 'Show iptables rules'), 'service CodeLenses');
}
