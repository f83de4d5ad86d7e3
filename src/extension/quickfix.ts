import * as vscode from 'vscode';
import { podIpFix } from './podIpFix';
import type { TopologyStore } from './store';

/** Quick fix for a pod whose IP lies outside its node's podCIDR: the first free address of that podCIDR. */
export class TopologyQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly store: TopologyStore) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const topology = this.store.get(document.uri)?.topology;
    if (!topology) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== 'packetwalk') continue;
      const fix = podIpFix(diag.code, document.getText(diag.range), diag.range.start.line + 1, topology);
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
