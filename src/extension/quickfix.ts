import * as vscode from 'vscode';
import type { TopologyStore } from './store';

/** Quick fix for a pod whose IP lies outside its node's podCIDR: the first free address of that podCIDR. */
export class TopologyQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly store: TopologyStore) {}

  async provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): Promise<vscode.CodeAction[]> {
    if (!this.store.get(document.uri)?.generation) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== 'packetwalk') continue;
      // The code is sent as VS Code holds it ({value, target} or plain): podIpFix reads both.
      const code = typeof diag.code === 'object' ? { value: diag.code.value } : diag.code;
      const fix = await this.store.engine.call('quickFix', { doc: document.uri.toString(), code, text: document.getText(diag.range), line: diag.range.start.line + 1 }).catch(() => undefined);
      if (!fix) continue;
      const action = new vscode.CodeAction(fix.title, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diag];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      const start = document.offsetAt(diag.range.start) + fix.offset;
      action.edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(start + fix.ip.length)), fix.free);
      actions.push(action);
    }
    return actions;
  }
}
