import { compareDiagnostics, formatDiagnostic, hasErrors } from '../../engine/diagnostics';
import { loadTopology } from '../../engine/model/load';
import type { Protocol } from '../../engine/model/types';
import { buildPolicyIndex } from '../../engine/policy/policyIndex';
import { computeReach } from '../../engine/policy/reach';
import { formatReachLines, formatTruthTable } from '../../engine/policy/reachText';
import type { Command } from '../command';
import { nodeHost, readSource } from '../nodeHost';
import { EXIT_INPUT, EXIT_OK, UsageError } from '../usage';

function protocolOf(raw: string | boolean | undefined): Protocol {
  if (raw === undefined) return 'TCP';
  const p = String(raw).toUpperCase();
  if (p === 'TCP' || p === 'UDP' || p === 'SCTP') return p;
  throw new UsageError(`--proto takes TCP, UDP or SCTP, not '${String(raw)}'`);
}

function portOf(raw: string | boolean | undefined): number {
  if (raw === undefined) return 80;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port takes a port from 1 to 65535, not '${String(raw)}'`);
  return n;
}

export const reach: Command = {
  name: 'reach',
  synopsis: 'reach FILE [--port N] [--proto P] [--matrix]',
  summary: 'Print the pod-to-pod NetworkPolicy verdicts.',
  optionHelp: ['--port N     destination port (default 80)', '--proto P    TCP (default), UDP or SCTP', '--matrix     a truth table: . allowed, X denied (rows from, columns to)'],
  options: { port: { type: 'string' }, proto: { type: 'string' }, matrix: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const query = { protocol: protocolOf(values.proto), port: portOf(values.port) };
    const source = readSource(positionals[0]!);
    if ('diagnostic' in source) {
      io.err(formatDiagnostic(source.diagnostic));
      return EXIT_INPUT;
    }
    const loaded = loadTopology(source, nodeHost);
    const errors = [...loaded.diagnostics].filter((d) => d.severity === 'error').sort(compareDiagnostics);
    for (const d of errors) io.err(formatDiagnostic(d));
    if (!loaded.value && errors.length === 0) io.err(`packetwalk reach: ${source.path}: no topology could be loaded from the file`);
    if (!loaded.value || hasErrors(loaded.diagnostics)) return EXIT_INPUT;
    const index = buildPolicyIndex(loaded.value);
    if (!index.enforced) {
      io.err(`packetwalk reach: warning: ${loaded.value.cluster.cni.plugin} does not enforce NetworkPolicy; these are the policies' verdicts, and every pair is delivered`);
    }
    const m = computeReach(index, query);
    if (values.matrix) io.out(formatTruthTable(m));
    else for (const line of formatReachLines(m)) io.out(line);
    return EXIT_OK;
  },
};
