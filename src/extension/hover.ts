import * as vscode from 'vscode';
import { describeAt } from './describe';
import { hostVethOf } from './engine';
import type { TopologyStore } from './store';

/** Hovers on topology files: the pod, service or node whose document holds the line, or the CIDR under the cursor. */
export class TopologyHovers implements vscode.HoverProvider {
  constructor(private readonly store: TopologyStore) {}

  provideHover(document: vscode.TextDocument, position: vscode.Position): vscode.Hover | undefined {
    const analysis = this.store.get(document.uri);
    if (!analysis?.topology) return undefined;
    const range = document.getWordRangeAtPosition(position, /[0-9a-fA-F:.]+\/\d+|[\w.-]+/);
    const word = range ? document.getText(range) : undefined;
    const topology = analysis.topology;
    const veth = (namespace: string, name: string) => {
      const pod = topology.pods.find((p) => p.namespace === namespace && p.name === name);
      return pod ? hostVethOf(topology, pod.nodeName, namespace, name) : undefined;
    };
    const lines = describeAt(topology, analysis.path, position.line + 1, word, veth);
    if (!lines || lines.length === 0) return undefined;
    const md = new vscode.MarkdownString(lines.join('\n'));
    md.isTrusted = false;
    md.supportHtml = false;
    return new vscode.Hover(md, range);
  }
}
