/**
 * The golden harness's judgement, kept pure so it can be tested on its own: a result and its
 * reference give either nothing (they match) or the sentence and diff a failing test prints.
 */

/** Where a baseline's two copies live, as the failure message names them. */
export interface BaselinePaths {
  readonly reference: string;
  readonly local: string;
}

const accept = 'run `npm run baselines:accept` to accept';

/** Undefined when `actual` is the reference; otherwise why the test fails, with a diff to read. */
export function baselineVerdict(name: string, actual: string, reference: string | undefined, paths: BaselinePaths): string | undefined {
  if (reference === undefined) {
    return `no reference baseline ${paths.reference} for ${name}; this run wrote ${paths.local}: review it, then ${accept} it.`;
  }
  if (actual === reference) return undefined;
  return [
    `baseline ${name} differs from its reference; if the new result is right, ${accept} it.`,
    `--- ${paths.reference} (reference)`,
    `+++ ${paths.local} (this run)`,
    unifiedDiff(reference, actual),
    ...differenceNotes(reference, actual),
  ].join('\n');
}

/**
 * One hunk around everything that differs: the lines both texts share at the start and at the end
 * are context, the rest is shown as removed then added. Coarser than a real diff when two far-apart
 * places change, but always correct and enough to see what moved.
 */
export function unifiedDiff(reference: string, actual: string, context = 3, maxChanged = 40): string {
  const a = reference.split('\n');
  const b = actual.split('\n');
  let start = 0;
  while (start < a.length && start < b.length && a[start] === b[start]) start++;
  let endA = a.length;
  let endB = b.length;
  while (endA > start && endB > start && a[endA - 1] === b[endB - 1]) {
    endA--;
    endB--;
  }
  const from = Math.max(0, start - context);
  const toA = Math.min(a.length, endA + context);
  const toB = Math.min(b.length, endB + context);
  const lines = [`@@ -${from + 1},${toA - from} +${from + 1},${toB - from} @@`];
  for (const line of a.slice(from, start)) lines.push(` ${line}`);
  lines.push(...limited(a.slice(start, endA), '-', maxChanged / 2), ...limited(b.slice(start, endB), '+', maxChanged / 2));
  for (const line of a.slice(endA, toA)) lines.push(` ${line}`);
  return lines.join('\n');
}

function limited(lines: readonly string[], sign: string, max: number): string[] {
  const shown = lines.slice(0, max).map((l) => `${sign}${l}`);
  if (lines.length > max) shown.push(`${sign}… ${lines.length - max} more lines`);
  return shown;
}

/** Differences a diff of lines shows as identical-looking lines, said in words. */
function differenceNotes(reference: string, actual: string): string[] {
  if (reference.replace(/\r\n/g, '\n') === actual.replace(/\r\n/g, '\n')) return ['The two differ only in line endings (CRLF against LF).'];
  if (reference.replace(/\n+$/, '') === actual.replace(/\n+$/, '')) return ['The two differ only in newlines at the end of the file.'];
  return [];
}
