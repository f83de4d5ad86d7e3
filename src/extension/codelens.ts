import * as vscode from 'vscode';
import type { TopologyStore } from './store';

/**
 * CodeLenses on the first line of each Pod (`Trace to…`, `Show in topology`) and each Service
 * (`Trace from a pod…`, `Show iptables rules`, `Show IPVS`) defined in this file.
 */
export class TopologyCodeLenses implements vscode.CodeLensProvider {
  private readonly changed = new vscode.EventEmitter<void>();
  readonly onDidChangeCodeLenses = this.changed.event;

  constructor(private readonly store: TopologyStore) {
    store.onDidChange(() => this.changed.fire());
  }

  async provideCodeLenses(document: vscode.TextDocument): Promise<vscode.CodeLens[]> {
    const analysis = this.store.get(document.uri) ?? (await this.store.analyse(document));
    const topology = analysis?.topology;
    if (!analysis || !topology) return [];
    const lenses: vscode.CodeLens[] = [];
    const at = (line: number) => new vscode.Range(line - 1, 0, line - 1, 0);
    for (const pod of topology.pods) {
      if (pod.source.file !== analysis.path || pod.ownerKind) continue;
      const spec = `pod/${pod.namespace}/${pod.name}`;
      lenses.push(
        new vscode.CodeLens(at(pod.source.line), { title: 'Trace to…', command: 'packetwalk.trace', arguments: [document.uri, { from: spec }] }),
        new vscode.CodeLens(at(pod.source.line), { title: 'Show in topology', command: 'packetwalk.showTopology', arguments: [document.uri, `pod:${pod.namespace}/${pod.name}`] }),
      );
    }
    for (const svc of topology.services) {
      if (svc.source.file !== analysis.path) continue;
      const port = svc.ports[0]?.port;
      const spec = `svc/${svc.namespace}/${svc.name}${port ? `:${port}` : ''}`;
      const node = topology.nodes[0]?.name;
      lenses.push(
        new vscode.CodeLens(at(svc.source.line), { title: 'Trace from a pod…', command: 'packetwalk.trace', arguments: [document.uri, { to: spec, ...(port ? { port } : {}) }] }),
        new vscode.CodeLens(at(svc.source.line), { title: 'Show iptables rules', command: 'packetwalk.showNodeRules', arguments: [document.uri, node, 'iptables', svc.name] }),
        new vscode.CodeLens(at(svc.source.line), { title: 'Show IPVS', command: 'packetwalk.showNodeRules', arguments: [document.uri, node, 'ipvs', svc.clusterIP] }),
      );
    }
    return lenses;
  }
}
