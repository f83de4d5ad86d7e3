import * as vscode from 'vscode';
import type { RuleView } from '../protocol/messages';
import { isUnavailable } from './engine';
import type { TopologyStore } from './store';

export const ruleScheme = 'packetwalk';
const extensions: Record<RuleView, string> = { iptables: 'rules', ipvs: 'ipvs', routes: 'routes', neigh: 'neigh', fdb: 'fdb' };

/** `packetwalk:/NODE/VIEW.ext?TOPOLOGY-URI`: a read-only view of one node's state, as the real tool prints it. */
export function ruleUri(topology: vscode.Uri, node: string, view: RuleView): vscode.Uri {
  return vscode.Uri.from({ scheme: ruleScheme, path: `/${node}/${view}.${extensions[view]}`, query: topology.toString() });
}

export function parseRuleUri(uri: vscode.Uri): { topology: vscode.Uri; node: string; view: RuleView } | undefined {
  const m = /^\/([^/]+)\/(iptables|ipvs|routes|neigh|fdb)\.\w+$/.exec(uri.path);
  if (!m) return undefined;
  return { topology: vscode.Uri.parse(uri.query), node: m[1] ?? '', view: m[2] as RuleView };
}

/** The text of the views; refreshed when their topology changes. */
export class RuleDocuments implements vscode.TextDocumentContentProvider {
  private readonly changed = new vscode.EventEmitter<vscode.Uri>();
  readonly onDidChange = this.changed.event;
  private readonly open = new Set<string>();

  constructor(private readonly store: TopologyStore) {
    store.onDidChange((a) => {
      for (const u of this.open) {
        const uri = vscode.Uri.parse(u);
        if (parseRuleUri(uri)?.topology.toString() === a.uri.toString()) this.changed.fire(uri);
      }
    });
  }

  async provideTextDocumentContent(uri: vscode.Uri): Promise<string> {
    const parsed = parseRuleUri(uri);
    if (!parsed) return `# not a Packet Walk view: ${uri.toString()}\n`;
    this.open.add(uri.toString());
    if (!this.store.get(parsed.topology)?.generation) return `# ${parsed.topology.path}: the topology has not loaded (see the Problems panel)\n`;
    const text = await this.store.engine.call('rules', { doc: parsed.topology.toString(), node: parsed.node, view: parsed.view }).catch((e: unknown) => ({ unavailable: `the engine failed: ${e instanceof Error ? e.message : String(e)}` }));
    return isUnavailable(text) ? `# ${text.unavailable}\n` : text;
  }
}

/** Lines of a view a trace went through, decorated in every visible editor showing that view. */
export class HitDecorations implements vscode.Disposable {
  private readonly type = vscode.window.createTextEditorDecorationType({
    isWholeLine: true,
    backgroundColor: new vscode.ThemeColor('editor.findMatchHighlightBackground'),
    overviewRulerColor: new vscode.ThemeColor('editorOverviewRuler.findMatchForeground'),
    overviewRulerLane: vscode.OverviewRulerLane.Full,
    before: { contentText: '▶ ', color: new vscode.ThemeColor('charts.red') },
  });
  /** Rule-view URI → 1-based lines, or texts to find, the trace hit. */
  private hits = new Map<string, { lines: Set<number>; texts: Set<string> }>();

  set(hits: Map<string, { lines: Set<number>; texts: Set<string> }>): void {
    this.hits = hits;
    this.apply(vscode.window.visibleTextEditors);
  }

  apply(editors: readonly vscode.TextEditor[]): void {
    for (const editor of editors) {
      if (editor.document.uri.scheme !== ruleScheme) continue;
      const hit = this.hits.get(editor.document.uri.toString());
      const ranges: vscode.Range[] = [];
      const doc = editor.document;
      for (const n of hit?.lines ?? []) if (n <= doc.lineCount) ranges.push(doc.lineAt(n - 1).range);
      // Lines known only by their text are looked for; a 400,000-line payload is not walked for nothing.
      if (hit && hit.texts.size > 0) {
        for (let i = 0; i < doc.lineCount; i++) {
          const line = doc.lineAt(i);
          if (!hit.lines.has(i + 1) && hit.texts.has(line.text.trim())) ranges.push(line.range);
        }
      }
      editor.setDecorations(this.type, ranges);
    }
  }

  dispose(): void {
    this.type.dispose();
  }
}
