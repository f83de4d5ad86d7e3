import * as vscode from 'vscode';
import type { RuleView } from '../protocol/messages';
import type { Ctx } from './ctx';
import { isUnavailable, type TraceRequest } from './engine';
import { traceToJson, traceToMarkdown } from './exportTrace';
import { importFromCluster, type ImportArg } from './importCluster';
import { TopologyPanel } from './panel';
import { portOf, remember, type EndpointChoice } from './pick';
import { ruleUri } from './ruleDocs';
import type { Analysis } from './store';
import { readConfig } from './config';

type Handler = (...args: unknown[]) => unknown;

/** Each command as a function of the shared context (the table is registered in one loop). */
export function createCommands(): Record<string, (ctx: Ctx) => Handler> {
  return {
    'packetwalk.trace': (ctx) => (uri, preset) => tracePacket(ctx, uri, preset as Partial<TraceRequest> | undefined),
    'packetwalk.showTopology': (ctx) => (uri) => showTopology(ctx, uri),
    'packetwalk.showNodeRules': (ctx) => (uri, node, view, search, line) => showNodeRules(ctx, uri, node as string | undefined, view as RuleView | undefined, search as string | undefined, line as number | undefined),
    'packetwalk.exportTrace': (ctx) => (uri) => exportTrace(ctx, uri),
    'packetwalk.openSample': (ctx) => () => openSample(ctx),
    'packetwalk.importFromCluster': (ctx) => (arg) => importFromCluster(ctx, arg as ImportArg | undefined),
    'packetwalk.buildLab': (ctx) => (uri) => buildLab(ctx, uri),
    'packetwalk.check': (ctx) => (uri) => check(ctx, uri),
  };
}

async function loaded(ctx: Ctx, arg: unknown) {
  const uri = await ctx.topologyUri(arg);
  if (!uri) return undefined;
  const analysis = await ctx.analysis(uri);
  if (!analysis?.generation) {
    void vscode.window.showErrorMessage(`Packet Walk: ${uri.path.split('/').pop()} has ${analysis?.errors ?? 0} error(s) and no topology loaded yet; see the Problems panel.`);
    return undefined;
  }
  return { uri, doc: uri.toString(), analysis };
}

async function showTopology(ctx: Ctx, arg: unknown): Promise<void> {
  const l = await loaded(ctx, arg);
  if (!l) return;
  TopologyPanel.createOrShow(ctx.extension.extensionUri, l.uri, ctx);
}

async function tracePacket(ctx: Ctx, arg: unknown, preset: Partial<TraceRequest> | undefined): Promise<void> {
  const l = await loaded(ctx, arg);
  if (!l) return;
  const state = ctx.extension.workspaceState;
  const recentFrom = state.get<string[]>('recent.from', []);
  const recentTo = state.get<string[]>('recent.to', []);
  const from = preset?.from ?? (await pickEndpoint(ctx, l, 'Trace from (source)', 'source', recentFrom))?.spec;
  if (!from) return;
  const toChoice = preset?.to ? undefined : await pickEndpoint(ctx, l, `Trace from ${from} to (destination)`, 'destination', recentTo, from);
  const to = preset?.to ?? toChoice?.spec;
  if (!to) return;
  const protoPick = preset?.proto ?? (await vscode.window.showQuickPick(protoOrder(toChoice?.proto), { title: 'Protocol', placeHolder: 'tcp, udp or icmp' }));
  if (!protoPick) return;
  const proto = protoPick as TraceRequest['proto'];
  let port = 0;
  if (proto !== 'icmp') {
    const suggested = preset?.port ?? portOf(to) ?? toChoice?.port ?? 80;
    const answer = preset?.port !== undefined || portOf(to) !== undefined ? String(suggested) : await vscode.window.showInputBox({ title: 'Destination port', value: String(suggested), validateInput: (v) => (/^\d+$/.test(v) && Number(v) > 0 && Number(v) < 65536 ? undefined : 'a port from 1 to 65535') });
    if (!answer) return;
    port = Number(answer);
  }
  const limit = readConfig().recentLimit;
  await state.update('recent.from', remember(recentFrom, from, limit));
  await state.update('recent.to', remember(recentTo, to, limit));
  const request: TraceRequest = { from, to, proto, port };
  const started = Date.now();
  const result = await ctx.store.engine.call('trace', { doc: l.doc, request }).catch((e: unknown) => ({ unavailable: `the walk failed: ${e instanceof Error ? e.message : String(e)}` }));
  if (isUnavailable(result)) {
    void vscode.window.showWarningMessage(`Packet Walk: ${result.unavailable}`);
    return;
  }
  const title = `${from} → ${to}${proto === 'icmp' ? ' icmp' : ` ${proto}/${port}`}`;
  ctx.log.info(`trace ${title}: ${result.trace.disposition} in ${result.trace.hops.length} hops (${Date.now() - started} ms)${ctx.stall()}`);
  ctx.setTrace(l.uri, { request, title, generation: result.generation, id: result.id, trace: result.trace });
  TopologyPanel.createOrShow(ctx.extension.extensionUri, l.uri, ctx);
}

function protoOrder(first: 'tcp' | 'udp' | undefined): string[] {
  const all = ['tcp', 'udp', 'icmp'];
  return first ? [first, ...all.filter((p) => p !== first)] : all;
}

/** More choices than this and the quick pick asks the worker for the ones matching what is typed. */
const pickLimit = 2000;

/**
 * A trace quick pick. A topology of at most `pickLimit` pods, nodes and services offers every
 * choice in VS Code's own quick pick, which filters them (and closes at once on Enter). A larger
 * one (a 150,000-pod cluster) lists the first `pickLimit` and asks the worker again as the user
 * types, and says so.
 */
async function pickEndpoint(ctx: Ctx, l: { doc: string; analysis: Analysis }, title: string, side: 'source' | 'destination', recent: readonly string[], exclude?: string): Promise<EndpointChoice | undefined> {
  type Item = vscode.QuickPickItem & { choice: EndpointChoice };
  const toItem = (c: EndpointChoice): Item => ({ label: c.label, description: c.description, detail: c.spec, choice: c });
  const ask = (filter: string, limit: number) => ctx.store.engine.call('choices', { doc: l.doc, side, filter, recent, limit, ...(exclude ? { exclude } : {}) });
  const placeholder = 'pod, service, node or external (recent first)';
  const { pods, nodes, services } = l.analysis.counts;
  if (pods + nodes + services <= pickLimit) {
    const items = ask('', Number.MAX_SAFE_INTEGER).then((r) => r.items.map(toItem));
    return (await vscode.window.showQuickPick(items, { title, matchOnDescription: true, matchOnDetail: true, placeHolder: placeholder }))?.choice;
  }
  const pick = vscode.window.createQuickPick<Item>();
  Object.assign(pick, { title, matchOnDescription: true, matchOnDetail: true, placeholder, busy: true });
  // Enter while the worker is still searching what was typed takes the first answer to it, not
  // whichever item of the previous list happened to be selected.
  let acceptWhenAnswered = false;
  let accept: (choice: EndpointChoice | undefined) => void = () => undefined;
  const picked = new Promise<EndpointChoice | undefined>((resolve) => {
    accept = resolve;
    pick.onDidAccept(() => {
      if (!pick.busy) return resolve(pick.selectedItems[0]?.choice);
      // Accepted: nothing more may be typed while the answer is awaited.
      acceptWhenAnswered = true;
      pick.enabled = false;
    });
    pick.onDidHide(() => resolve(undefined));
  });
  // Shown at once, busy until the worker answers: what is typed meanwhile is searched next.
  pick.show();
  let asked = 0;
  const fill = (value: string) => {
    const mine = ++asked;
    pick.busy = true;
    ask(value, pickLimit).then(
      (r) => {
        // Only the answer to the latest value may replace the list.
        if (mine !== asked) return;
        pick.items = r.items.map(toItem);
        pick.busy = false;
        pick.placeholder = `type to search ${r.total.toLocaleString('en-US')} endpoints (the first ${pickLimit.toLocaleString('en-US')} are listed)`;
        if (acceptWhenAnswered) accept(r.items[0]);
      },
      (e: unknown) => {
        void vscode.window.showWarningMessage(`Packet Walk: ${e instanceof Error ? e.message : String(e)}`);
        pick.hide();
      },
    );
  };
  pick.onDidChangeValue(fill);
  fill('');
  const choice = await picked;
  pick.dispose();
  return choice;
}

const views: { view: RuleView; label: string }[] = [
  { view: 'iptables', label: 'iptables (kube-proxy, iptables-restore payload)' },
  { view: 'ipvs', label: 'IPVS (ipvsadm -Ln)' },
  { view: 'routes', label: 'routes (ip route)' },
  { view: 'neigh', label: 'neighbours (ip neigh)' },
  { view: 'fdb', label: 'FDB (bridge fdb show)' },
];

async function showNodeRules(ctx: Ctx, arg: unknown, node?: string, view?: RuleView, search?: string, line?: number): Promise<void> {
  const l = await loaded(ctx, arg);
  if (!l) return;
  const nodes = () => ctx.store.engine.call('nodes', { doc: l.doc }).then((list) => list.map((n): vscode.QuickPickItem => ({ label: n.name, description: n.address })));
  const nodeName = node ?? (await vscode.window.showQuickPick(nodes(), { title: 'Node' }))?.label;
  if (!nodeName) return;
  const viewName = view ?? (await vscode.window.showQuickPick(views.map((v) => ({ label: v.label, view: v.view })), { title: `State of ${nodeName}` }))?.view;
  if (!viewName) return;
  const doc = await vscode.workspace.openTextDocument(ruleUri(l.uri, nodeName, viewName));
  const editor = await vscode.window.showTextDocument(doc, { viewColumn: vscode.ViewColumn.Beside, preview: true });
  ctx.hits.apply([editor]);
  const target = line ?? findLine(doc, search);
  if (target) {
    const range = new vscode.Range(target - 1, 0, target - 1, 0);
    editor.selection = new vscode.Selection(range.start, range.start);
    editor.revealRange(range, vscode.TextEditorRevealType.InCenterIfOutsideViewport);
  }
}

function findLine(doc: vscode.TextDocument, search: string | undefined): number | undefined {
  if (!search) return undefined;
  const text = doc.getText();
  const at = text.indexOf(search);
  return at < 0 ? undefined : doc.positionAt(at).line + 1;
}

async function exportTrace(ctx: Ctx, arg: unknown): Promise<void> {
  const uri = await ctx.topologyUri(arg);
  const last = uri ? ctx.traces.get(uri.toString()) : undefined;
  if (!last) {
    void vscode.window.showInformationMessage('Packet Walk: trace a packet first (Packet Walk: Trace Packet…).');
    return;
  }
  const format = await vscode.window.showQuickPick(['Markdown', 'JSON'], { title: 'Export the trace as' });
  if (!format) return;
  const content = format === 'JSON' ? traceToJson(last.trace) : traceToMarkdown(last.title, last.trace);
  const doc = await vscode.workspace.openTextDocument({ language: format === 'JSON' ? 'json' : 'markdown', content });
  await vscode.window.showTextDocument(doc);
}

async function openSample(ctx: Ctx): Promise<void> {
  const dir = vscode.Uri.joinPath(ctx.extension.extensionUri, 'samples');
  let entries: [string, vscode.FileType][] = [];
  try {
    entries = await vscode.workspace.fs.readDirectory(dir);
  } catch {
    entries = [];
  }
  const samples = entries.filter(([name, type]) => type === vscode.FileType.File && /\.ya?ml$/.test(name)).map(([name]) => name).sort();
  if (samples.length === 0) {
    void vscode.window.showInformationMessage('Packet Walk: no samples are bundled with this build.');
    return;
  }
  const name = await vscode.window.showQuickPick(samples, { title: 'Open a sample topology' });
  if (!name) return;
  await vscode.window.showTextDocument(vscode.Uri.joinPath(dir, name));
}

async function buildLab(ctx: Ctx, arg: unknown): Promise<void> {
  if (!vscode.workspace.isTrusted || process.platform !== 'linux' || process.getuid?.() !== 0) {
    void vscode.window.showWarningMessage('Packet Walk: the kernel lab runs commands as root on Linux, in a trusted workspace only.');
    return;
  }
  const uri = await ctx.topologyUri(arg);
  if (!uri || uri.scheme !== 'file') return;
  const cli = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'cli.js').fsPath;
  const terminal = vscode.window.createTerminal({ name: 'Packet Walk lab' });
  terminal.show();
  terminal.sendText(`node ${JSON.stringify(cli)} lab up ${JSON.stringify(uri.fsPath)}`);
}

async function check(ctx: Ctx, arg: unknown): Promise<void> {
  const uri = await ctx.topologyUri(arg);
  if (!uri) return;
  const analysis = await ctx.analysis(uri);
  void vscode.window.showInformationMessage(`Packet Walk: ${analysis?.errors ?? 0} error(s), ${(analysis?.diagnostics.length ?? 0) - (analysis?.errors ?? 0)} other diagnostic(s).`);
}
