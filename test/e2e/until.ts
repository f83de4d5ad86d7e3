/**
 * How long the end-to-end suites give one step, measured on a 2-core machine shared with other
 * builds: a cold VS Code (code-server starting, the workbench loading, the extension activating and
 * its worker loading the first file) can take a minute and more there; any later step, a few
 * seconds to tens of them. The deadlines only stop a run that is stuck: a step that passes in time
 * takes what it takes.
 */
export const coldStartMs = 180_000;
export const stepMs = 60_000;

/**
 * Polls `probe` until it gives something (not `undefined` or `false`) and returns that; after
 * `timeout` ms fails, saying what was awaited. For conditions no browser event announces: a file
 * on disk, a log line, a server's port, a frame among the page's frames.
 */
export async function until<T>(what: string, timeout: number, probe: () => T | undefined | false | Promise<T | undefined | false>): Promise<T> {
  const deadline = Date.now() + timeout;
  for (;;) {
    const value = await probe();
    if (value !== undefined && value !== false) return value;
    if (Date.now() > deadline) throw new Error(`waited ${Math.round(timeout / 1000)} s for ${what}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}
