import { randomBytes } from 'node:crypto';
import * as vscode from 'vscode';
import type { HostToWebview, WebviewToHost } from '../protocol/messages';
import { assertNever } from '../engine/index';

export const panelViewType = 'packetwalk.topology';

/** What the panel needs from the rest of the extension; the panel itself holds no model. */
export interface PanelHost {
  /** The messages that bring a fresh webview up to date (graph, then the current trace); never rejects. */
  snapshot(document: vscode.Uri): Promise<HostToWebview[]>;
  handle(document: vscode.Uri, message: WebviewToHost): void;
}

/**
 * The topology webview beside a YAML file: one panel per topology document, revived after a
 * reload by the serializer (its state names the document), under a strict CSP with a nonce.
 */
export class TopologyPanel implements vscode.Disposable {
  private static readonly panels = new Map<string, TopologyPanel>();
  private readonly disposables: vscode.Disposable[] = [];
  private ready = false;

  static createOrShow(extensionUri: vscode.Uri, document: vscode.Uri, host: PanelHost): TopologyPanel {
    const existing = TopologyPanel.panels.get(document.toString());
    if (existing) {
      existing.panel.reveal(vscode.ViewColumn.Beside, true);
      return existing;
    }
    const panel = vscode.window.createWebviewPanel(panelViewType, title(document), { viewColumn: vscode.ViewColumn.Beside, preserveFocus: true }, options(extensionUri));
    return new TopologyPanel(panel, extensionUri, document, host);
  }

  static revive(panel: vscode.WebviewPanel, extensionUri: vscode.Uri, document: vscode.Uri, host: PanelHost): TopologyPanel {
    panel.webview.options = options(extensionUri);
    return new TopologyPanel(panel, extensionUri, document, host);
  }

  static forDocument(document: vscode.Uri): TopologyPanel | undefined {
    return TopologyPanel.panels.get(document.toString());
  }

  static all(): TopologyPanel[] {
    return [...TopologyPanel.panels.values()];
  }

  private constructor(readonly panel: vscode.WebviewPanel, extensionUri: vscode.Uri, readonly document: vscode.Uri, private readonly host: PanelHost) {
    TopologyPanel.panels.set(document.toString(), this);
    panel.webview.html = html(panel.webview, extensionUri, document);
    panel.iconPath = vscode.Uri.joinPath(extensionUri, 'media', 'icon.png');
    this.disposables.push(
      panel.onDidDispose(() => this.dispose()),
      panel.webview.onDidReceiveMessage((m: WebviewToHost) => this.receive(m)),
    );
  }

  /** Whether the webview has said it is ready (before that, it asks for a snapshot when it is). */
  get isReady(): boolean {
    return this.ready;
  }

  /** Sends to a ready webview; before it is ready there is nothing to update, as it asks for a snapshot. */
  post(message: HostToWebview): void {
    if (this.ready) void this.panel.webview.postMessage(message);
  }

  private receive(message: WebviewToHost): void {
    switch (message.type) {
      case 'ready':
        this.ready = true;
        void this.host.snapshot(this.document).then((messages) => {
          for (const m of messages) void this.panel.webview.postMessage(m);
        });
        return;
      case 'openSource':
      case 'openRules':
      case 'expand':
      case 'traceFrom':
      case 'exported':
      case 'log':
        this.host.handle(this.document, message);
        return;
      default:
        assertNever(message);
    }
  }

  dispose(): void {
    TopologyPanel.panels.delete(this.document.toString());
    this.panel.dispose();
    for (const d of this.disposables.splice(0)) d.dispose();
  }
}

function title(document: vscode.Uri): string {
  return `Topology: ${document.path.split('/').pop() ?? document.path}`;
}

function options(extensionUri: vscode.Uri): vscode.WebviewOptions & vscode.WebviewPanelOptions {
  return {
    enableScripts: true,
    retainContextWhenHidden: true,
    localResourceRoots: [vscode.Uri.joinPath(extensionUri, 'dist'), vscode.Uri.joinPath(extensionUri, 'media')],
  };
}

function html(webview: vscode.Webview, extensionUri: vscode.Uri, document: vscode.Uri): string {
  const nonce = randomBytes(16).toString('base64');
  const script = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'dist', 'webview.js'));
  const style = webview.asWebviewUri(vscode.Uri.joinPath(extensionUri, 'media', 'webview.css'));
  const csp = [`default-src 'none'`, `img-src ${webview.cspSource} data:`, `style-src ${webview.cspSource} 'nonce-${nonce}'`, `font-src ${webview.cspSource}`, `script-src 'nonce-${nonce}'`].join('; ');
  // The document is passed as data, escaped, so the serializer can reopen the same file.
  const doc = document.toString().replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;');
  return `<!DOCTYPE html>
<html lang="en">
<head>
<meta charset="UTF-8">
<meta http-equiv="Content-Security-Policy" content="${csp}">
<meta name="viewport" content="width=device-width, initial-scale=1.0">
<link rel="stylesheet" href="${style.toString()}">
<title>Packet Walk topology</title>
</head>
<body data-document="${doc}">
<div id="toolbar"></div>
<div id="main"><div id="stage"><div id="graph"></div><div id="badges"></div></div><aside id="trace"></aside></div>
<div id="tooltip" role="tooltip" hidden></div>
<div id="status"></div>
<script nonce="${nonce}" src="${script.toString()}"></script>
</body>
</html>`;
}
