import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Diagnostic } from '../engine/index';
import type { PacketWalkConfig } from './config';
import { AnchorMemory } from './anchorMemory';
import { isTopologyFileName, isTopologyText, scanLimit } from './detect';
import { EngineClient } from './engineClient';
import type { LensAnchors, LoadSummary } from './workerProtocol';

/** Documents longer than this many lines, saved, are read from disk by the worker. */
const diskReadLines = 20_000;

/** The last analysis of one topology document, as the host keeps it: the topology itself stays in the engine worker. */
export interface Analysis {
  readonly uri: vscode.Uri;
  readonly version: number;
  /** The path the loader was given; objects' `source.file` equals it for this file's objects. */
  readonly path: string;
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: number;
  /** Which topology the worker holds for this document (0: none loaded); kept while an edit in progress has errors. */
  readonly generation: number;
  readonly counts: LoadSummary['counts'];
  /** Where this file's CodeLenses go, for the topology of `generation`. */
  readonly anchors: LensAnchors | undefined;
  /** Milliseconds from asking to the answer, worker time and both crossings. */
  readonly loadMs: number;
}

/**
 * Owns the analysis of every open topology document: re-loads it (debounced) as it is edited, in
 * the engine worker, publishes diagnostics, and tells listeners when a result changes. Everything
 * else that reads a topology asks the worker through `engine`.
 */
export class TopologyStore implements vscode.Disposable {
  private readonly analyses = new Map<string, Analysis>();
  private readonly anchors = new AnchorMemory();
  private readonly inFlight = new Map<string, { version: number; done: Promise<Analysis | undefined> }>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<Analysis>();
  readonly onDidChange = this.changed.event;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('packetwalk');
  readonly engine: EngineClient;

  constructor(private readonly config: () => PacketWalkConfig, workerScript: string, private readonly log: (message: string) => void) {
    // A worker that died took every topology with it: forget the analyses so the next ask reloads.
    this.engine = new EngineClient(workerScript, () => {
      this.analyses.clear();
      this.anchors.clear();
    });
  }

  static pathOf(uri: vscode.Uri): string {
    return uri.scheme === 'file' ? uri.fsPath : uri.toString();
  }

  isTopologyDocument(doc: vscode.TextDocument): boolean {
    if (doc.languageId !== 'yaml' && !/\.ya?ml$/i.test(doc.fileName)) return false;
    // Only the start is scanned, so only the start is read: the whole text of a 37 MB file is a join of a million lines.
    return isTopologyFileName(doc.fileName) || isTopologyText(doc.getText(new vscode.Range(new vscode.Position(0, 0), doc.positionAt(scanLimit))));
  }

  get(uri: vscode.Uri): Analysis | undefined {
    return this.analyses.get(uri.toString());
  }

  all(): Analysis[] {
    return [...this.analyses.values()];
  }

  /** Re-check after the debounce delay; a newer edit restarts the wait. */
  schedule(doc: vscode.TextDocument): void {
    if (!this.isTopologyDocument(doc)) return;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    this.timers.set(key, setTimeout(() => void this.analyse(doc), this.config().debounceMs));
  }

  /** Analyse now (or return the current analysis, or the one under way, for this version). */
  async analyse(doc: vscode.TextDocument): Promise<Analysis | undefined> {
    if (!this.isTopologyDocument(doc)) return undefined;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    const current = this.analyses.get(key);
    if (current && current.version === doc.version) return current;
    const running = this.inFlight.get(key);
    if (running && running.version === doc.version) return running.done;
    const done = this.load(doc, key).finally(() => {
      if (this.inFlight.get(key)?.done === done) this.inFlight.delete(key);
    });
    this.inFlight.set(key, { version: doc.version, done });
    return done;
  }

  private async load(doc: vscode.TextDocument, key: string): Promise<Analysis | undefined> {
    const version = doc.version;
    const file = TopologyStore.pathOf(doc.uri);
    const started = Date.now();
    let summary: LoadSummary;
    try {
      // A large file unchanged since VS Code read it is read by the worker: the host's copy of a 37 MB
      // file is a million lines, joined on this thread by getText (about 100 ms), then copied.
      const onDisk = doc.uri.scheme === 'file';
      const fromDisk = onDisk && !doc.isDirty && doc.lineCount > diskReadLines;
      summary = await this.engine.call('load', fromDisk ? { doc: key, path: file, onDisk } : { doc: key, path: file, text: doc.getText(), onDisk }).catch(async (e: unknown) => {
        // The file may have gone or changed: the document's own text then.
        if (!fromDisk || doc.version !== version) throw e;
        return this.engine.call('load', { doc: key, path: file, text: doc.getText(), onDisk });
      });
    } catch (e) {
      this.log(`Could not load ${file}: ${e instanceof Error ? e.message : String(e)}`);
      return undefined;
    }
    // An edit that arrived while loading wins: its own analysis follows, maybe with this answer's generation and anchors.
    this.anchors.note(key, summary);
    if (doc.version !== version && !doc.isClosed) return this.analyses.get(key);
    const anchors = this.anchors.of(key, summary.generation);
    const analysis: Analysis = { uri: doc.uri, version, path: file, diagnostics: summary.diagnostics, errors: summary.errors, generation: summary.generation, counts: summary.counts, anchors, loadMs: Date.now() - started };
    this.analyses.set(key, analysis);
    this.publish(analysis);
    this.changed.fire(analysis);
    return analysis;
  }

  forget(uri: vscode.Uri): void {
    this.analyses.delete(uri.toString());
    this.anchors.forget(uri.toString());
    void this.engine.call('forget', { doc: uri.toString() }).catch(() => undefined);
    this.diagnostics.delete(uri);
  }

  private publish(analysis: Analysis): void {
    const byFile = new Map<string, vscode.Diagnostic[]>();
    for (const d of analysis.diagnostics) {
      const range = new vscode.Range(Math.max(0, d.line - 1), Math.max(0, d.col - 1), Math.max(0, d.endLine - 1), Math.max(0, d.endCol - 1));
      const diag = new vscode.Diagnostic(range, d.message, severity(d.severity));
      diag.code = d.code;
      diag.source = 'packetwalk';
      const list = byFile.get(d.file) ?? [];
      list.push(diag);
      byFile.set(d.file, list);
    }
    this.diagnostics.set(analysis.uri, byFile.get(analysis.path) ?? []);
    for (const [file, list] of byFile) {
      if (file !== analysis.path && path.isAbsolute(file)) this.diagnostics.set(vscode.Uri.file(file), list);
    }
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    this.engine.dispose();
    this.diagnostics.dispose();
    this.changed.dispose();
  }
}

function severity(s: Diagnostic['severity']): vscode.DiagnosticSeverity {
  switch (s) {
    case 'error':
      return vscode.DiagnosticSeverity.Error;
    case 'warning':
      return vscode.DiagnosticSeverity.Warning;
    case 'info':
      return vscode.DiagnosticSeverity.Information;
  }
}
