import { execFileSync } from 'node:child_process';
import * as path from 'node:path';
import { analyseConnectivity, buildPolicyIndex, diffConnectivity, formatDiff, type Topology } from '../../engine/index';
import type { Command, Io } from '../command';
import { loadOrReport, loadSourceOrReport } from '../loadFile';
import { formatOf } from './reach';
import { EXIT_INPUT, EXIT_OK, UsageError } from '../usage';

/** FILE as git has it at REF (`git show REF:./FILE`, run in the file's folder). */
function loadAtRevision(file: string, ref: string, io: Io): Topology | number {
  let text: string;
  try {
    text = execFileSync('git', ['show', `${ref}:./${path.basename(file)}`], { cwd: path.dirname(path.resolve(file)), encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
  } catch (e) {
    const stderr = String((e as { stderr?: unknown }).stderr ?? (e as Error).message).trim();
    io.err(`${file}:1:1: error: cannot read the file at ${ref}: ${stderr}; check the revision and that the file is in a git repository`);
    return EXIT_INPUT;
  }
  return loadSourceOrReport({ path: `${file}@${ref}`, text }, io);
}

export const diff: Command = {
  name: 'diff',
  synopsis: 'diff OLD NEW | diff FILE --base REF [--pods] [--format F | --json]',
  summary: 'Print the connections a change adds, removes or changes (the analysis reach prints).',
  optionHelp: ['--base REF    compare FILE with its version at git revision REF', '--pods        one endpoint per pod instead of per workload', '--format F    txt (default), json, csv, md or dot', '--json        the same as --format json'],
  options: { base: { type: 'string' }, pods: { type: 'boolean' }, format: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [1, 2],
  run: ({ positionals, values, io }) => {
    const format = formatOf(values.format, values.json === true);
    const base = typeof values.base === 'string' ? values.base : undefined;
    if (base === undefined && positionals.length !== 2) throw new UsageError('diff takes OLD and NEW, or FILE with --base REF');
    if (base !== undefined && positionals.length !== 1) throw new UsageError('with --base, diff takes one FILE');
    const before = base === undefined ? loadOrReport(positionals[0]!, io) : loadAtRevision(positionals[0]!, base, io);
    if (typeof before === 'number') return before;
    const after = loadOrReport(positionals[positionals.length - 1]!, io);
    if (typeof after === 'number') return after;
    const options = { pods: values.pods === true };
    const changes = diffConnectivity(analyseConnectivity(buildPolicyIndex(before), options), analyseConnectivity(buildPolicyIndex(after), options));
    const text = formatDiff(changes, format);
    if (text) io.out(text);
    return EXIT_OK;
  },
};
