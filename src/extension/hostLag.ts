import { monitorEventLoopDelay } from 'node:perf_hooks';

/**
 * The extension host's longest event-loop delay (its longest task, whoever ran it: this extension,
 * another one, or VS Code syncing a document) since the last reading. Logged beside what the
 * extension did, so a run shows whether a large topology stalled the host.
 */
export class HostLag {
  private readonly histogram = monitorEventLoopDelay({ resolution: 10 });

  constructor() {
    this.histogram.enable();
  }

  /** Milliseconds of the longest delay since the last call (or since it started), then starts over. */
  take(): number {
    const max = this.histogram.max / 1e6;
    this.histogram.reset();
    return Math.round(max);
  }

  dispose(): void {
    this.histogram.disable();
  }
}
