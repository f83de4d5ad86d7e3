/**
 * Packet Walk: Import from Cluster…: a kube context from the user's kubeconfig, or a dump on disk,
 * made into a topology file by the bundled CLI (`packetwalk import`) in a child process, so that
 * neither kubectl's wait nor the import's work lands on the extension host. The file opens with
 * its graph.
 */

import { execFile, spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import * as vscode from 'vscode';
import type { Ctx } from './ctx';

/** What to import, when the command is given it (from a test, a task or another extension). */
export interface ImportArg {
  readonly context?: string;
  readonly kubeconfig?: string;
  readonly paths?: readonly string[];
}

/** The kubeconfig's contexts as `kubectl config get-contexts -o name` lists them; none when kubectl is missing. */
function contexts(): Promise<string[]> {
  return new Promise((resolve) => {
    execFile('kubectl', ['config', 'get-contexts', '-o', 'name'], { timeout: 10_000 }, (error, stdout) => resolve(error ? [] : stdout.split('\n').map((l) => l.trim()).filter(Boolean)));
  });
}

type Choice = vscode.QuickPickItem & { readonly pick: 'context' | 'dialog' | 'path' };

async function choose(): Promise<ImportArg | undefined> {
  const items: Choice[] = [
    ...(await contexts()).map((c): Choice => ({ label: c, description: 'kube context: read the live cluster through kubectl', pick: 'context' })),
    { label: '$(folder-opened) Dump files or folder…', description: 'kubectl get -o yaml|json output, or a cluster-info dump folder', pick: 'dialog' },
    { label: '$(edit) Path to a dump…', description: 'type the path of a dump file or folder', pick: 'path' },
  ];
  const picked = await vscode.window.showQuickPick(items, { title: 'Import from Cluster', placeHolder: 'a kube context, or a dump of a cluster' });
  if (!picked) return undefined;
  if (picked.pick === 'context') return { context: picked.label };
  if (picked.pick === 'dialog') {
    const uris = await vscode.window.showOpenDialog({ canSelectFiles: true, canSelectFolders: true, canSelectMany: true, title: 'Dump files or a cluster-info dump folder' });
    return uris?.length ? { paths: uris.map((u) => u.fsPath) } : undefined;
  }
  const typed = await vscode.window.showInputBox({
    title: 'Path to a dump', prompt: 'a kubectl get -o yaml|json file, or a cluster-info dump folder',
    validateInput: (v) => (existsSync(v.trim()) ? undefined : 'no such file or folder'),
  });
  return typed ? { paths: [typed.trim()] } : undefined;
}

/** Where the topology goes: beside the workspace's files, under a name no file has yet. */
function target(name: string): string {
  const dir = vscode.workspace.workspaceFolders?.find((f) => f.uri.scheme === 'file')?.uri.fsPath ?? tmpdir();
  for (let i = 1; ; i++) {
    const file = path.join(dir, `${name}${i === 1 ? '' : `-${i}`}.packetwalk.yaml`);
    if (!existsSync(file)) return file;
  }
}

/** Runs `packetwalk import`, reporting its progress lines; resolves with its exit code and what it said. */
function runImport(cli: string, args: readonly string[], progress: (line: string) => void): Promise<{ code: number; said: string[] }> {
  return new Promise((resolve) => {
    // The extension host's own binary runs the CLI as plain Node (VS Code's is Electron).
    const child = spawn(process.execPath, [cli, 'import', ...args], { env: { ...process.env, ELECTRON_RUN_AS_NODE: '1' }, stdio: ['ignore', 'ignore', 'pipe'] });
    const said: string[] = [];
    let rest = '';
    child.stderr.on('data', (b: Buffer) => {
      const lines = (rest + b.toString('utf8')).split('\n');
      rest = lines.pop() ?? '';
      for (const l of lines) {
        said.push(l);
        progress(l.replace(/^packetwalk import: /, ''));
      }
    });
    child.on('error', (e) => resolve({ code: 1, said: [...said, e.message] }));
    child.on('close', (code) => resolve({ code: code ?? 1, said: rest ? [...said, rest] : said }));
  });
}

export async function importFromCluster(ctx: Ctx, arg: ImportArg | undefined): Promise<vscode.Uri | undefined> {
  const what = arg?.context || arg?.paths?.length ? arg : await choose();
  if (!what) return undefined;
  const name = (what.context ?? path.basename(what.paths?.[0] ?? 'cluster').replace(/\.(json|ya?ml)$/, '')).toLowerCase().replace(/[^a-z0-9-]+/g, '-') || 'cluster';
  const file = target(name);
  const args = what.context ? ['--context', what.context, ...(what.kubeconfig ? ['--kubeconfig', what.kubeconfig] : [])] : [...(what.paths ?? [])];
  const cli = vscode.Uri.joinPath(ctx.extension.extensionUri, 'dist', 'cli.js').fsPath;
  const result = await vscode.window.withProgress({ location: vscode.ProgressLocation.Notification, title: `Packet Walk: importing ${what.context ? `context ${what.context}` : name}` }, (progress) =>
    runImport(cli, [...args, '-o', file], (line) => progress.report({ message: line })),
  );
  for (const l of result.said) ctx.log.info(`import: ${l}`);
  if (result.code !== 0 || !existsSync(file)) {
    void vscode.window.showErrorMessage(`Packet Walk: the import failed: ${result.said.filter((l) => !l.includes(': note: ')).slice(-2).join(' ') || `exit code ${result.code}`}`);
    return undefined;
  }
  const notes = result.said.filter((l) => l.includes(': note: '));
  if (notes.length) void vscode.window.showInformationMessage(`Packet Walk: ${notes.length} note(s) on the import are in the file's header and the Packet Walk log.`);
  const uri = vscode.Uri.file(file);
  await vscode.window.showTextDocument(uri, { viewColumn: vscode.ViewColumn.One });
  await vscode.commands.executeCommand('packetwalk.showTopology', uri);
  return uri;
}
