import * as vscode from 'vscode';
import { TopologyCodeLenses } from './codelens';
import { createCommands } from './commands';
import { Ctx } from './ctx';
import { TopologyHovers } from './hover';
import { TopologyPanel, panelViewType } from './panel';
import { TopologyQuickFixes } from './quickfix';
import { RuleDocuments, ruleScheme } from './ruleDocs';
import { TopologyStatus } from './status';

// The bundle's banner (esbuild.mjs) records when evaluation began; imports are hoisted above this line.
declare const __packetwalkLoadStart: number | undefined;
const loadMs = typeof __packetwalkLoadStart === 'number' ? performance.now() - __packetwalkLoadStart : 0;

/**
 * Activation registers providers and commands and looks at the already open documents; nothing
 * is loaded until a topology file (or a command) asks for it.
 */
export function activate(context: vscode.ExtensionContext): void {
  const started = performance.now();
  const log = vscode.window.createOutputChannel('Packet Walk', { log: true });
  const ctx = new Ctx(context, log);
  const status = new TopologyStatus(ctx.store);
  const yaml: vscode.DocumentSelector = [{ language: 'yaml' }];
  const lenses = new TopologyCodeLenses(ctx.store);
  context.subscriptions.push(log, ctx, status, lenses);
  for (const [id, make] of Object.entries(createCommands())) context.subscriptions.push(vscode.commands.registerCommand(id, make(ctx)));
  context.subscriptions.push(
    vscode.languages.registerCodeLensProvider(yaml, lenses),
    vscode.languages.registerHoverProvider(yaml, new TopologyHovers(ctx.store)),
    vscode.languages.registerCodeActionsProvider(yaml, new TopologyQuickFixes(ctx.store), { providedCodeActionKinds: TopologyQuickFixes.kinds }),
    vscode.workspace.registerTextDocumentContentProvider(ruleScheme, new RuleDocuments(ctx.store)),
    vscode.window.registerWebviewPanelSerializer(panelViewType, {
      async deserializeWebviewPanel(panel: vscode.WebviewPanel, state: unknown) {
        const doc = typeof state === 'object' && state && 'document' in state ? String((state as { document: unknown }).document) : undefined;
        if (!doc) return panel.dispose();
        const uri = vscode.Uri.parse(doc);
        await ctx.analysis(uri);
        TopologyPanel.revive(panel, context.extensionUri, uri, ctx);
      },
    }),
    vscode.workspace.onDidOpenTextDocument((d) => ctx.store.schedule(d)),
    vscode.workspace.onDidChangeTextDocument((e) => ctx.store.schedule(e.document)),
    vscode.workspace.onDidCloseTextDocument((d) => ctx.store.forget(d.uri)),
    vscode.window.onDidChangeActiveTextEditor((e) => status.update(e)),
    vscode.window.onDidChangeVisibleTextEditors((editors) => ctx.hits.apply(editors)),
    ctx.store.onDidChange(() => status.update(vscode.window.activeTextEditor)),
  );
  void vscode.commands.executeCommand('setContext', 'packetwalk.canRunLab', process.platform === 'linux' && process.getuid?.() === 0);
  for (const d of vscode.workspace.textDocuments) ctx.store.schedule(d);
  // VS Code's activation cost is loading the bundle plus running activate(); both are reported.
  const activateMs = performance.now() - started;
  log.info(`Packet Walk activated in ${(loadMs + activateMs).toFixed(1)} ms (bundle load ${loadMs.toFixed(1)} ms, activate ${activateMs.toFixed(1)} ms)`);
}

export function deactivate(): void {}
