/**
 * Waiting on the kernel for a condition (a capture listening, a socket bound, a packet seen) rather
 * than for a fixed time: a pause long enough on an idle machine is too short on a loaded one, and
 * one long enough there wastes time everywhere else. The deadline only bounds a wait that never ends.
 */

/** How often a condition is looked at again. */
const POLL_MS = 25;

/** Resolves true once `ready()` holds, or false when `deadlineMs` passes first. */
export async function waitFor(ready: () => boolean, deadlineMs: number): Promise<boolean> {
  const end = Date.now() + deadlineMs;
  for (;;) {
    if (ready()) return true;
    if (Date.now() >= end) return false;
    await new Promise((r) => setTimeout(r, POLL_MS));
  }
}
