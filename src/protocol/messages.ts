/** Messages between the topology webview and the extension host: one union each way, keyed by `type`. */
export type HostToWebview = { readonly type: 'init' };
export type WebviewToHost = { readonly type: 'ready' };
