import type { WebviewToHost } from '../src/protocol/messages';

declare function acquireVsCodeApi(): { postMessage(message: WebviewToHost): void };

acquireVsCodeApi().postMessage({ type: 'ready' });
