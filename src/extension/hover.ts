import * as vscode from 'vscode';
import type { TopologyStore } from './store';

/** Hovers on topology files: the pod, service or node whose document holds the line, or the CIDR under the cursor. */
export class TopologyHovers implements vscode.HoverProvider {
  constructor(private readonly store: TopologyStore) {}

  async provideHover(document: vscode.TextDocument, position: vscode.Position): Promise<vscode.Hover | undefined> {
    const analysis = this.store.get(document.uri);
    if (!analysis?.generation) return undefined;
    const range = document.getWordRangeAtPosition(position, /[0-9a-fA-F:.]+\/\d+|[\w.-]+/);
    const word = range ? document.getText(range) : undefined;
    const lines = await this.store.engine.call('hover', { doc: document.uri.toString(), path: analysis.path, line: position.line + 1, word }).catch(() => undefined);
    if (!lines || lines.length === 0) return undefined;
    const md = new vscode.MarkdownString(lines.join('\n'));
    md.isTrusted = false;
    md.supportHtml = false;
    return new vscode.Hover(md, range);
  }
}
