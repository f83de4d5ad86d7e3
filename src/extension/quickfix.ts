import * as vscode from 'vscode';
import { freeAddress } from './describe';
import type { TopologyStore } from './store';

/**
 * Quick fix for a pod whose IP lies outside its node's podCIDR: replace it with the first free
 * address of that podCIDR. The diagnostic is recognised by its range: it points at the IP.
 */
export class TopologyQuickFixes implements vscode.CodeActionProvider {
  static readonly kinds = [vscode.CodeActionKind.QuickFix];

  constructor(private readonly store: TopologyStore) {}

  provideCodeActions(document: vscode.TextDocument, _range: vscode.Range, context: vscode.CodeActionContext): vscode.CodeAction[] {
    const topology = this.store.get(document.uri)?.topology;
    if (!topology) return [];
    const actions: vscode.CodeAction[] = [];
    for (const diag of context.diagnostics) {
      if (diag.source !== 'packetwalk' || !/podCIDR/i.test(diag.message)) continue;
      const text = document.getText(diag.range);
      const ip = /\d+\.\d+\.\d+\.\d+/.exec(text)?.[0];
      if (!ip) continue;
      const pod = topology.pods.find((p) => p.ip === ip) ?? podNear(topology.pods, diag.range.start.line + 1);
      const node = topology.nodes.find((n) => n.name === pod?.nodeName);
      if (!node) continue;
      const used = new Set(topology.pods.map((p) => p.ip));
      const free = freeAddress(node.podCIDR, used);
      if (!free) continue;
      const action = new vscode.CodeAction(`Use ${free}, a free address of ${node.name}'s podCIDR ${node.podCIDR}`, vscode.CodeActionKind.QuickFix);
      action.diagnostics = [diag];
      action.isPreferred = true;
      action.edit = new vscode.WorkspaceEdit();
      const start = document.offsetAt(diag.range.start) + text.indexOf(ip);
      action.edit.replace(document.uri, new vscode.Range(document.positionAt(start), document.positionAt(start + ip.length)), free);
      actions.push(action);
    }
    return actions;
  }
}

function podNear<T extends { source: { line: number } }>(pods: readonly T[], line: number): T | undefined {
  let best: T | undefined;
  for (const p of pods) if (p.source.line <= line && (!best || p.source.line > best.source.line)) best = p;
  return best;
}
