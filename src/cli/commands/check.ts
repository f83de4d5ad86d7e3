import { compareDiagnostics, formatDiagnostic, hasErrors } from '../../engine/diagnostics';
import { loadTopology } from '../../engine/model/load';
import type { Command } from '../command';
import { readSource, nodeHost } from '../nodeHost';
import { EXIT_INPUT, EXIT_OK } from '../usage';

export const check: Command = {
  name: 'check',
  synopsis: 'check FILE [--quiet]',
  summary: 'Load and validate a topology; print FILE:LINE:COL diagnostics; exit 1 on any error.',
  optionHelp: ['--quiet   print errors only'],
  options: { quiet: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const source = readSource(positionals[0]!);
    if ('diagnostic' in source) {
      io.err(formatDiagnostic(source.diagnostic));
      return EXIT_INPUT;
    }
    const result = loadTopology(source, nodeHost);
    const shown = [...result.diagnostics].sort(compareDiagnostics).filter((d) => !values.quiet || d.severity === 'error');
    for (const d of shown) io.out(formatDiagnostic(d));
    return hasErrors(result.diagnostics) ? EXIT_INPUT : EXIT_OK;
  },
};
