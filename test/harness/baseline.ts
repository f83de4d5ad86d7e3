/**
 * The one golden harness, kept the way the TypeScript compiler keeps its baselines. Every result is
 * written to test/baselines-local/<name> (git-ignored) and compared with the reference
 * test/baselines/<name>; a difference or a missing reference fails with a diff. A test run never
 * writes a reference: `npm run baselines:accept` copies the local results over them after review,
 * and deletes references that a whole passing unit run did not produce (orphans). `scripts/test.mjs`
 * clears the local folder before each run, then records the run's outcome in it and fails on
 * orphans.
 */
import assert from 'node:assert/strict';
import { copyFileSync, existsSync, mkdirSync, readFileSync, readdirSync, rmSync, rmdirSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { baselineVerdict } from './baselineDiff';

/** The two folders a baseline lives in. */
export interface BaselineFolders {
  readonly reference: string;
  readonly local: string;
}

const root = path.resolve(__dirname, '..', '..', '..');
/** The repository's folders, from the compiled harness under out/test/harness. */
const repositoryBaselines: BaselineFolders = {
  reference: path.join(root, 'test', 'baselines'),
  local: path.join(root, 'test', 'baselines-local'),
};

/** Inside the local folder: markers for references read but never produced, and the last run. */
const readMarkers = '.read';
const runRecord = '.run.json';

/** Compares `actual` with the reference `test/baselines/<name>` (e.g. `walk/flannel-udp.trace.txt`). */
export function matchBaseline(name: string, actual: string, at: BaselineFolders = repositoryBaselines): void {
  const local = write(path.join(at.local, checked(name)), actual);
  const reference = path.join(at.reference, name);
  const expected = existsSync(reference) ? readFileSync(reference, 'utf8') : undefined;
  const verdict = baselineVerdict(name, actual, expected, { reference: shown(reference), local: shown(local) });
  if (verdict !== undefined) assert.fail(verdict);
}

/**
 * A reference that restates an upstream expectation (kube-proxy's own test output): only read,
 * never produced, so accepting can never rewrite it. The read is recorded so it is not an orphan.
 */
export function upstreamBaseline(name: string, at: BaselineFolders = repositoryBaselines): string {
  write(path.join(at.local, readMarkers, checked(name)), '');
  return readFileSync(path.join(at.reference, name), 'utf8');
}

/** Records how the whole unit suite's run ended, which decides whether orphans can be judged. */
export function recordRun(passed: boolean, at: BaselineFolders = repositoryBaselines): void {
  write(path.join(at.local, runRecord), `${JSON.stringify({ suite: 'unit', passed })}\n`);
}

/** References that the results in the local folder neither produced nor read. */
export function unproducedBaselines(at: BaselineFolders = repositoryBaselines): string[] {
  const seen = new Set([...localResults(at), ...files(path.join(at.local, readMarkers))]);
  return files(at.reference).filter((name) => !seen.has(name));
}

/** What accepting did, name by name. */
export interface AcceptReport {
  readonly added: readonly string[];
  readonly updated: readonly string[];
  readonly deleted: readonly string[];
  /** Unproduced references left alone, and why (no whole passing unit run to judge them by). */
  readonly kept: readonly string[];
  readonly keptBecause?: string;
}

/**
 * Copies every local result that differs over its reference, then deletes the orphans. Orphans
 * are judged only after a whole unit run that passed: a test that failed part-way may not have
 * reached the baselines after its failure, and those must not be deleted for it.
 */
export function acceptBaselines(at: BaselineFolders = repositoryBaselines): AcceptReport {
  const added: string[] = [];
  const updated: string[] = [];
  for (const name of localResults(at)) {
    const local = path.join(at.local, name);
    const reference = path.join(at.reference, name);
    const existed = existsSync(reference);
    if (existed && readFileSync(reference, 'utf8') === readFileSync(local, 'utf8')) continue;
    mkdirSync(path.dirname(reference), { recursive: true });
    copyFileSync(local, reference);
    (existed ? updated : added).push(name);
  }
  const unproduced = unproducedBaselines(at);
  const run = lastRun(at);
  if (unproduced.length > 0 && run?.passed !== true) {
    const keptBecause = run === undefined
      ? 'the local results do not come from a whole unit run (`npm run test:unit`)'
      : 'the last unit run had failures, and a failing test may not have reached them; run `npm run test:unit` again';
    return { added, updated, deleted: [], kept: unproduced, keptBecause };
  }
  for (const name of unproduced) {
    rmSync(path.join(at.reference, name));
    removeEmptyFolders(path.dirname(path.join(at.reference, name)), at.reference);
  }
  return { added, updated, deleted: unproduced, kept: [] };
}

function lastRun(at: BaselineFolders): { passed: boolean } | undefined {
  const file = path.join(at.local, runRecord);
  return existsSync(file) ? (JSON.parse(readFileSync(file, 'utf8')) as { passed: boolean }) : undefined;
}

/** The local results: everything in the local folder but its own markers. */
function localResults(at: BaselineFolders): string[] {
  return files(at.local).filter((name) => !name.startsWith('.'));
}

/** Every file under `dir`, as `/`-separated names relative to it, sorted. */
function files(dir: string): string[] {
  if (!existsSync(dir)) return [];
  return readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.relative(dir, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
    .sort();
}

/** A name is a relative path inside the folders: no `..`, nothing absolute, no marker names. */
function checked(name: string): string {
  if (!/^[\w-][\w.-]*(\/[\w-][\w.-]*)*$/.test(name)) throw new Error(`baseline name ${JSON.stringify(name)} is not a relative path like walk/x.trace.txt`);
  return name;
}

function write(file: string, text: string): string {
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}

function removeEmptyFolders(dir: string, stop: string): void {
  for (let d = dir; d !== stop && d.startsWith(stop) && readdirSync(d).length === 0; d = path.dirname(d)) rmdirSync(d);
}

/** Paths in messages as a reader at the repository root types them. */
function shown(file: string): string {
  const relative = path.relative(process.cwd(), file);
  return relative.startsWith('..') ? file : relative;
}
