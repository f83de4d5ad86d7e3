import * as vscode from 'vscode';
import type { Trace } from '../engine/index';
import type { HostToWebview, RuleView, WebviewToHost } from '../protocol/messages';
import { assertNever } from '../protocol/messages';
import { readConfig } from './config';
import { isUnavailable, type TraceRequest } from './engine';
import { TopologyPanel, type PanelHost } from './panel';
import { HostLag } from './hostLag';
import { HitDecorations, ruleUri } from './ruleDocs';
import { TopologyStore, type Analysis } from './store';

/** The last trace of a topology, kept so panels, exports and rule views can show it. */
export interface LastTrace {
  readonly request: TraceRequest;
  readonly title: string;
  /** The generation of the topology it was traced over, so an edit can tell when to trace again. */
  readonly generation: number;
  /** The id the engine worker keeps the trace under; views name it instead of sending the trace back. */
  readonly id: number;
  readonly trace: Trace;
}

/**
 * What every command and provider shares: the store of analyses, the last trace per topology,
 * the panels. Commands are functions over this context.
 */
export class Ctx implements PanelHost, vscode.Disposable {
  readonly store: TopologyStore;
  readonly hits = new HitDecorations();
  readonly traces = new Map<string, LastTrace>();
  readonly expanded = new Map<string, Set<string>>();
  readonly log: vscode.LogOutputChannel;
  readonly lag = new HostLag();

  constructor(readonly extension: vscode.ExtensionContext, log: vscode.LogOutputChannel) {
    this.log = log;
    this.store = new TopologyStore(readConfig, vscode.Uri.joinPath(extension.extensionUri, 'dist', 'engineWorker.js').fsPath, (m) => this.log.warn(m));
    this.store.onDidChange((a) => void this.follow(a));
  }

  /** Logs a load and brings an open trace and graph up to date with it. */
  private async follow(a: Analysis): Promise<void> {
    this.log.info(`Loaded ${a.path} in ${a.loadMs} ms in the load worker: ${a.counts.pods} pods, ${a.errors} errors${this.stall()}`);
    // An open trace follows the file: the same request again over the topology just loaded
    // (an edit with errors keeps the last good topology, and so the last trace).
    const key = a.uri.toString();
    const last = this.traces.get(key);
    if (last && a.generation !== 0 && a.generation !== last.generation) {
      const again = await this.store.engine.call('trace', { doc: key, request: last.request }).catch((e: unknown) => ({ unavailable: String(e) }));
      // Another trace may have replaced this one meanwhile: it wins.
      if (this.traces.get(key) !== last) return;
      if (!isUnavailable(again)) {
        this.setTrace(a.uri, { ...last, generation: again.generation, id: again.id, trace: again.trace });
        return;
      }
      this.traces.delete(key);
    }
    this.refresh(a.uri);
  }

  /** The topology document a command is about: the argument, else the active editor, else the only open one. */
  async topologyUri(arg?: unknown): Promise<vscode.Uri | undefined> {
    if (arg instanceof vscode.Uri) return arg;
    const active = vscode.window.activeTextEditor?.document;
    if (active && this.store.isTopologyDocument(active)) return active.uri;
    const panel = TopologyPanel.all().find((p) => p.panel.active) ?? TopologyPanel.all()[0];
    if (panel) return panel.document;
    const open = vscode.workspace.textDocuments.filter((d) => this.store.isTopologyDocument(d));
    if (open.length === 1) return open[0]?.uri;
    void vscode.window.showInformationMessage('Packet Walk: open a topology file first (a YAML with apiVersion: packetwalk.io/v1alpha1).');
    return undefined;
  }

  async analysis(uri: vscode.Uri) {
    const doc = await vscode.workspace.openTextDocument(uri);
    return this.store.analyse(doc);
  }

  async snapshot(uri: vscode.Uri): Promise<HostToWebview[]> {
    const analysis = this.store.get(uri);
    if (!analysis?.generation) return [{ type: 'status', text: analysis ? `${analysis.errors} errors: fix them to see the topology` : 'loading…' }];
    const last = this.traces.get(uri.toString());
    const view = await this.store.engine
      .call('view', {
        doc: uri.toString(),
        expanded: [...(this.expanded.get(uri.toString()) ?? [])],
        collapseThreshold: readConfig().graphCollapseThreshold,
        ...(last ? { trace: { id: last.id, title: last.title } } : {}),
      })
      .catch((e: unknown) => ({ unavailable: `the engine failed: ${e instanceof Error ? e.message : String(e)}` }));
    if (isUnavailable(view)) return [{ type: 'status', text: view.unavailable }];
    // The caller posts the graph now, which serialises it on this thread: read the stall once that task is over.
    setTimeout(() => this.log.info(`Graph of ${view.graph.nodes.length} elements and ${view.graph.edges.length} edges sent to the panel${this.stall()}`), 50);
    return [{ type: 'graph', graph: view.graph, errors: analysis.errors }, { type: 'trace', trace: view.trace }];
  }

  handle(uri: vscode.Uri, message: WebviewToHost): void {
    switch (message.type) {
      case 'ready':
        return;
      case 'openSource':
        void vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One, selection: new vscode.Range(message.line - 1, 0, message.line - 1, 0) });
        return;
      case 'openRules':
        void vscode.commands.executeCommand('packetwalk.showNodeRules', uri, message.node, message.view, message.search, message.line);
        return;
      case 'expand': {
        const set = this.expanded.get(uri.toString()) ?? new Set<string>();
        set.add(message.node);
        this.expanded.set(uri.toString(), set);
        this.refresh(uri);
        return;
      }
      case 'traceFrom':
        void vscode.commands.executeCommand('packetwalk.trace', uri, { from: message.element });
        return;
      case 'exported':
        void this.saveExport(message.format, message.data);
        return;
      case 'log':
        this.log.info(message.text);
        return;
      default:
        assertNever(message);
    }
  }

  refresh(uri: vscode.Uri): void {
    const panel = TopologyPanel.forDocument(uri);
    if (!panel) return;
    // A panel not ready yet asks for its snapshot when it is.
    if (!panel.isReady) return;
    void this.snapshot(uri).then((messages) => {
      for (const m of messages) panel.post(m);
    });
  }

  /** Records a trace: panels show it, rule views decorate the lines it hit. */
  setTrace(uri: vscode.Uri, last: LastTrace): void {
    this.traces.set(uri.toString(), last);
    const hits = new Map<string, { lines: Set<number>; texts: Set<string> }>();
    const add = (node: string, view: RuleView, line?: number, text?: string) => {
      const key = ruleUri(uri, node, view).toString();
      const entry = hits.get(key) ?? { lines: new Set<number>(), texts: new Set<string>() };
      if (line) entry.lines.add(line);
      else if (text) entry.texts.add(text.trim());
      hits.set(key, entry);
    };
    for (const leg of [last.trace, last.trace.reply].filter((t): t is Trace => t !== undefined)) {
      leg.hops.forEach((hop, i) => {
        const steps = i === leg.hops.length - 1 ? [...hop.steps, ...leg.final] : hop.steps;
        for (const s of steps) {
          if (s.kind === 'netfilter') add(hop.node, 'iptables', s.line, s.rule);
          else if (s.kind === 'route') add(hop.node, 'routes', undefined, s.line);
          else if (s.kind === 'neighbour') add(hop.node, 'neigh', undefined, s.line);
          else if (s.kind === 'fdb') add(hop.node, 'fdb', undefined, s.line);
        }
      });
    }
    this.hits.set(hits);
    this.refresh(uri);
  }

  /** The host's longest stall since the last line that reported it, as the end of a log line. */
  stall(): string {
    return `; longest extension host stall since the last report ${this.lag.take()} ms`;
  }

  private async saveExport(format: 'png' | 'svg', data: string): Promise<void> {
    const target = await vscode.window.showSaveDialog({ filters: format === 'png' ? { 'PNG image': ['png'] } : { 'SVG image': ['svg'] }, saveLabel: `Export ${format.toUpperCase()}` });
    if (!target) return;
    const bytes = format === 'png' ? Buffer.from(data.replace(/^data:image\/png;base64,/, ''), 'base64') : Buffer.from(data, 'utf8');
    await vscode.workspace.fs.writeFile(target, bytes);
    void vscode.window.showInformationMessage(`Packet Walk: graph exported to ${target.fsPath || target.toString()}`);
  }

  dispose(): void {
    this.lag.dispose();
    this.store.dispose();
    this.hits.dispose();
  }
}
