import * as path from 'node:path';
import { Worker } from 'node:worker_threads';
import * as vscode from 'vscode';
import type { Diagnostic, Result } from '../engine/diagnostics';
import { noIncludes } from '../engine/model/host';
import type { Topology } from '../engine/model/types';
import type { PacketWalkConfig } from './config';
import { isTopology } from './detect';
import { load } from './engine';
import { fsHost } from './fsHost';
import type { LoadJob } from './loadWorker';

/** The last analysis of one topology document. */
export interface Analysis {
  readonly uri: vscode.Uri;
  readonly version: number;
  /** The path the loader was given; objects' `source.file` equals it for this file's objects. */
  readonly path: string;
  /** The last topology that loaded; kept while an edit in progress has errors. */
  readonly topology: Topology | undefined;
  readonly diagnostics: readonly Diagnostic[];
  readonly errors: number;
  /** Milliseconds the load took. */
  readonly loadMs: number;
  /** Whether the load ran in the worker thread (files over the threshold) rather than on the extension host. */
  readonly inWorker: boolean;
}

/**
 * Owns the analysis of every open topology document: re-loads it (debounced) as it is edited,
 * large files in a worker thread, publishes diagnostics, and tells listeners when a result changes.
 */
export class TopologyStore implements vscode.Disposable {
  private readonly analyses = new Map<string, Analysis>();
  private readonly timers = new Map<string, NodeJS.Timeout>();
  private readonly changed = new vscode.EventEmitter<Analysis>();
  readonly onDidChange = this.changed.event;
  readonly diagnostics = vscode.languages.createDiagnosticCollection('packetwalk');
  private worker: Worker | undefined;
  private nextJob = 1;
  private readonly pending = new Map<number, (r: Result<Topology | undefined>) => void>();

  constructor(private readonly config: () => PacketWalkConfig, private readonly workerScript: string) {}

  static pathOf(uri: vscode.Uri): string {
    return uri.scheme === 'file' ? uri.fsPath : uri.toString();
  }

  isTopologyDocument(doc: vscode.TextDocument): boolean {
    return doc.languageId === 'yaml' || /\.ya?ml$/i.test(doc.fileName) ? isTopology(doc.fileName, doc.getText()) : false;
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

  /** Analyse now (or return the current analysis when it is up to date). */
  async analyse(doc: vscode.TextDocument): Promise<Analysis | undefined> {
    if (!this.isTopologyDocument(doc)) return undefined;
    const key = doc.uri.toString();
    clearTimeout(this.timers.get(key));
    const current = this.analyses.get(key);
    if (current && current.version === doc.version) return current;
    const version = doc.version;
    const file = TopologyStore.pathOf(doc.uri);
    const text = doc.getText();
    const started = Date.now();
    const inWorker = text.length > this.config().workerThreshold;
    const result = inWorker ? await this.loadInWorker({ id: 0, path: file, text, onDisk: doc.uri.scheme === 'file' }) : load(file, text, doc.uri.scheme === 'file' ? fsHost : noIncludes);
    // An edit that arrived while loading wins: its own analysis follows.
    if (doc.version !== version && !doc.isClosed) return this.analyses.get(key);
    const errors = result.diagnostics.filter((d) => d.severity === 'error').length;
    const topology = result.value ?? current?.topology;
    const analysis: Analysis = { uri: doc.uri, version, path: file, topology, diagnostics: result.diagnostics, errors, loadMs: Date.now() - started, inWorker };
    this.analyses.set(key, analysis);
    this.publish(analysis);
    this.changed.fire(analysis);
    return analysis;
  }

  forget(uri: vscode.Uri): void {
    this.analyses.delete(uri.toString());
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

  private loadInWorker(job: LoadJob): Promise<Result<Topology | undefined>> {
    if (!this.worker) {
      this.worker = new Worker(this.workerScript);
      this.worker.on('message', (m: { id: number; result: Result<Topology | undefined> }) => {
        this.pending.get(m.id)?.(m.result);
        this.pending.delete(m.id);
      });
      this.worker.unref();
    }
    const id = this.nextJob++;
    return new Promise((resolve) => {
      this.pending.set(id, resolve);
      this.worker?.postMessage({ ...job, id });
    });
  }

  dispose(): void {
    for (const t of this.timers.values()) clearTimeout(t);
    void this.worker?.terminate();
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
