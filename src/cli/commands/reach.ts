import type { Protocol } from '../../engine/model/types';
import { buildPolicyIndex } from '../../engine/policy/policyIndex';
import { computeReach } from '../../engine/policy/reach';
import { formatReachLines, formatTruthTable, reachJson } from '../../engine/policy/reachText';
import type { Command } from '../command';
import { loadOrReport } from '../loadFile';
import { EXIT_OK, UsageError } from '../usage';

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
  synopsis: 'reach FILE [--port N] [--proto P] [--matrix] [--json]',
  summary: 'Print the pod-to-pod NetworkPolicy verdicts.',
  optionHelp: ['--port N     destination port (default 80)', '--proto P    TCP (default), UDP or SCTP', '--matrix     a truth table: . allowed, X denied (rows from, columns to)', '--json       {protocol, port, enforced, endpoints, allowed: [{from, to}]} as JSON'],
  options: { port: { type: 'string' }, proto: { type: 'string' }, matrix: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const query = { protocol: protocolOf(values.proto), port: portOf(values.port) };
    const topology = loadOrReport(positionals[0]!, io);
    if (typeof topology === 'number') return topology;
    const m = computeReach(buildPolicyIndex(topology), query);
    if (!m.enforced) {
      io.err(`packetwalk reach: warning: ${topology.cluster.cni.plugin} does not enforce NetworkPolicy; these are the policies' verdicts, and every pair is delivered`);
    }
    if (values.json) io.out(JSON.stringify(reachJson(m), null, 2));
    else if (values.matrix) io.out(formatTruthTable(m));
    else for (const line of formatReachLines(m)) io.out(line);
    return EXIT_OK;
  },
};
