import { compareDiagnostics, type Diagnostic, formatDiagnostic, hasErrors, loadTopology, withDataplaneDiagnostics } from '../../engine/index';
import type { Command } from '../command';
import { readOrReport } from '../loadFile';
import { nodeHost } from '../nodeHost';
import { EXIT_INPUT, EXIT_OK } from '../usage';

/** Which diagnostics a run shows: errors always, warnings unless --quiet, info notes only with --infos. */
function shown(d: Diagnostic, quiet: boolean, infos: boolean): boolean {
  switch (d.severity) {
    case 'error':
      return true;
    case 'warning':
      return !quiet;
    case 'info':
      return infos && !quiet;
  }
}

export const check: Command = {
  name: 'check',
  synopsis: 'check FILE [--quiet] [--infos] [--json]',
  summary: 'Load and validate a topology; print FILE:LINE:COL diagnostics; exit 1 on any error.',
  optionHelp: [
    '--quiet   print errors only',
    '--infos   also print info notes (kinds and fields the simulator passes over, what it shows differently from the CNI)',
    '--json    the same diagnostics as a JSON array of {file, line, col, severity, code, message}',
  ],
  options: { quiet: { type: 'boolean' }, infos: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const source = readOrReport(positionals[0]!, io);
    if (typeof source === 'number') return source;
    // What the CNI would refuse on this topology is checked only once the loader accepts it.
    const result = withDataplaneDiagnostics(loadTopology(source, nodeHost));
    const list = [...result.diagnostics].sort(compareDiagnostics).filter((d) => shown(d, values.quiet === true, values.infos === true));
    if (values.json) io.out(JSON.stringify(list.map(({ file, line, col, severity, code, message }) => ({ file, line, col, severity, code, message })), null, 2));
    else for (const d of list) io.out(formatDiagnostic(d));
    return hasErrors(result.diagnostics) || result.value === undefined ? EXIT_INPUT : EXIT_OK;
  },
};
