/** Colours from the VS Code theme's `--vscode-*` variables, so light, dark and high contrast all read. */
export interface Palette {
  readonly fg: string;
  readonly bg: string;
  readonly muted: string;
  readonly border: string;
  readonly node: string;
  readonly pod: string;
  readonly service: string;
  readonly external: string;
  readonly underlay: string;
  readonly tunnel: string;
  readonly path: string;
  readonly current: string;
  readonly match: string;
}

export function palette(): Palette {
  const css = getComputedStyle(document.body);
  const v = (name: string, fallback: string) => css.getPropertyValue(name).trim() || fallback;
  return {
    fg: v('--vscode-editor-foreground', '#cccccc'),
    bg: v('--vscode-editor-background', '#1e1e1e'),
    muted: v('--vscode-descriptionForeground', '#999999'),
    border: v('--vscode-panel-border', '#555555'),
    node: v('--vscode-editorWidget-background', '#252526'),
    pod: v('--vscode-charts-blue', '#3794ff'),
    service: v('--vscode-charts-purple', '#b180d7'),
    external: v('--vscode-charts-yellow', '#cca700'),
    underlay: v('--vscode-charts-green', '#89d185'),
    tunnel: v('--vscode-charts-orange', '#d18616'),
    path: v('--vscode-charts-red', '#f14c4c'),
    current: v('--vscode-focusBorder', '#007fd4'),
    match: v('--vscode-editor-findMatchHighlightBackground', '#ea5c0055'),
  };
}
