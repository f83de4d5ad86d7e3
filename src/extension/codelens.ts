import * as vscode from 'vscode';
import { anchorsInView, type LineRange } from './lensWindow';
import type { TopologyStore } from './store';

/** Up to this many Pods and Services a file gets all its lenses; above, only those near the visible lines. */
const lensLimit = 2000;
/** How far (in lines) beyond the visible ones a large file's lenses reach, so scrolling a little finds them ready. */
const lensMargin = 400;

/**
 * CodeLenses on the first line of each Pod (`Trace to…`, `Show in topology`) and each Service
 * (`Trace from a pod…`, `Show iptables rules`, `Show IPVS`) defined in this file. A file of more
 * than `lensLimit` of them gets lenses near what its editors show, refreshed as they scroll, and
 * a lens on line 1 that says so.
 */
export class TopologyCodeLenses implements vscode.CodeLensProvider, vscode.Disposable {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;
  /** Per windowed document, the lines its lenses were last given for. */
  private readonly served = new Map<string, LineRange[]>();
  private readonly subscriptions: vscode.Disposable[];
  private scrolled: NodeJS.Timeout | undefined;

  constructor(private readonly store: TopologyStore) {
    this.subscriptions = [
      store.onDidChange(() => this.changed.fire()),
      vscode.window.onDidChangeTextEditorVisibleRanges((e) => {
        const served = this.served.get(e.textEditor.document.uri.toString());
        if (!served || e.visibleRanges.every((r) => served.some(([a, b]) => r.start.line + 1 >= a && r.end.line + 1 <= b))) return;
        // Ask again once scrolling pauses, not on every frame of it.
        clearTimeout(this.scrolled);
        this.scrolled = setTimeout(() => this.changed.fire(), 100);
      }),
      // A windowed file that appears in an editor needs the lenses of what it shows.
      vscode.window.onDidChangeVisibleTextEditors((editors) => {
        if (editors.some((e) => this.served.has(e.document.uri.toString()))) this.changed.fire();
      }),
    ];
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const analysis = this.store.get(document.uri) ?? (await this.store.analyse(document));
    const anchors = analysis?.anchors;
    if (!analysis || !anchors) return [];
    const visible = vscode.window.visibleTextEditors.filter((e) => e.document === document).flatMap((e) => e.visibleRanges.map((r): LineRange => [r.start.line + 1, r.end.line + 1]));
    const { anchors: shown, windowed } = anchorsInView(anchors, visible, lensLimit, lensMargin);
    if (windowed) this.served.set(document.uri.toString(), visible.map(([a, b]) => [Math.max(1, a - lensMargin / 2), b + lensMargin / 2]));
    else this.served.delete(document.uri.toString());
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number) => new vscode.Range(line - 1, 0, line - 1, 0);
    if (windowed) {
      const total = anchors.lines.length.toLocaleString('en-US');
      lenses.push(new vscode.CodeLens(at(1), { title: `Packet Walk: lenses shown near the visible lines only (${total} pods and services in this file)`, command: '' }));
    }
    for (const a of shown) {
      if (a.kind === 'pod') {
        const spec = `pod/${a.namespace}/${a.name}`;
        lenses.push(
          new vscode.CodeLens(at(a.line), { title: 'Trace to…', command: 'packetwalk.trace', arguments: [document.uri, { from: spec }] }),
          new vscode.CodeLens(at(a.line), { title: 'Show in topology', command: 'packetwalk.showTopology', arguments: [document.uri, `pod:${a.namespace}/${a.name}`] }),
        );
        continue;
      }
      const spec = `svc/${a.namespace}/${a.name}${a.port ? `:${a.port}` : ''}`;
      const node = anchors.firstNode;
      lenses.push(
        new vscode.CodeLens(at(a.line), { title: 'Trace from a pod…', command: 'packetwalk.trace', arguments: [document.uri, { to: spec, ...(a.port ? { port: a.port } : {}) }] }),
        new vscode.CodeLens(at(a.line), { title: 'Show iptables rules', command: 'packetwalk.showNodeRules', arguments: [document.uri, node, 'iptables', a.name] }),
        new vscode.CodeLens(at(a.line), { title: 'Show IPVS', command: 'packetwalk.showNodeRules', arguments: [document.uri, node, 'ipvs', a.clusterIP] }),
      );
    }
    return lenses;
  }

  dispose(): void {
    clearTimeout(this.scrolled);
    for (const s of this.subscriptions) s.dispose();
    this.changed.dispose();
  }
}
