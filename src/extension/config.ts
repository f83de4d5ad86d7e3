import * as vscode from 'vscode';

/** Every setting the extension reads, typed, in one place. */
export interface PacketWalkConfig {
  /** Delay after the last edit before the topology is re-checked. */
  readonly debounceMs: number;
  /** Above this many pods the graph collapses each node's pods into a count. */
  readonly graphCollapseThreshold: number;
  /** How many recent trace choices the quick picks offer first. */
  readonly recentLimit: number;
}

export function readConfig(): PacketWalkConfig {
  const c = vscode.workspace.getConfiguration('packetwalk');
  return {
    debounceMs: c.get<number>('diagnostics.debounceMs', 300),
    graphCollapseThreshold: c.get<number>('graph.collapseThreshold', 400),
    recentLimit: c.get<number>('trace.recentLimit', 5),
  };
}
