import * as vscode from 'vscode';

export function activate(context: vscode.ExtensionContext): void {
  context.subscriptions.push(vscode.commands.registerCommand('packetwalk.check', () => undefined));
}

export function deactivate(): void {}
