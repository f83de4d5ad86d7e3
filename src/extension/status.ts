import * as vscode from 'vscode';
import type { TopologyStore } from './store';

/** The active topology's node, pod and service counts and its error count, in the status bar. */
export class TopologyStatus implements vscode.Disposable {
  private readonly item = vscode.window.createStatusBarItem('packetwalk.status', vscode.StatusBarAlignment.Left, 50);

  constructor(private readonly store: TopologyStore) {
    this.item.name = 'Packet Walk';
    this.item.command = 'packetwalk.showTopology';
  }

  update(editor: vscode.TextEditor | undefined): void {
    const analysis = editor ? this.store.get(editor.document.uri) : undefined;
    if (!analysis) {
      this.item.hide();
      return;
    }
    const c = analysis.counts;
    const counts = analysis.generation ? `${count(c.nodes, 'node')} · ${count(c.pods, 'pod')} · ${count(c.services, 'service')}` : 'not loaded';
    this.item.text = `$(type-hierarchy) ${counts}${analysis.errors ? ` · $(error) ${analysis.errors}` : ''}`;
    this.item.tooltip = `Packet Walk: ${counts}, ${analysis.errors} error(s). Click to show the topology.`;
    this.item.backgroundColor = analysis.errors ? new vscode.ThemeColor('statusBarItem.errorBackground') : undefined;
    this.item.show();
  }

  dispose(): void {
    this.item.dispose();
  }
}

function count(n: number, noun: string): string {
  return `${n} ${noun}${n === 1 ? '' : 's'}`;
}
