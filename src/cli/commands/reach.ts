import { analyseConnectivity, buildPolicyIndex, cniEnforcesPolicy, computeReach, type Format, formatConnectivity, FORMATS, formatTruthTable, isEmptySet, type Protocol, restrictSet } from '../../engine/index';
import type { Command } from '../command';
import { loadOrReport } from '../loadFile';
import { EXIT_OK, UsageError } from '../usage';

function protocolOf(raw: string | boolean | undefined): Protocol | undefined {
  if (raw === undefined) return undefined;
  const p = String(raw).toUpperCase();
  if (p === 'TCP' || p === 'UDP' || p === 'SCTP') return p;
  throw new UsageError(`--proto takes TCP, UDP or SCTP, not '${String(raw)}'`);
}

function portOf(raw: string | boolean | undefined): number | undefined {
  if (raw === undefined) return undefined;
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 1 || n > 65535) throw new UsageError(`--port takes a port from 1 to 65535, not '${String(raw)}'`);
  return n;
}

/** `--format`, or json for `--json`; txt by default. Shared with diff. */
export function formatOf(raw: string | boolean | undefined, json: boolean): Format {
  if (raw === undefined) return json ? 'json' : 'txt';
  const f = FORMATS.find((x) => x === raw);
  if (!f) throw new UsageError(`--format takes ${FORMATS.join(', ')}, not '${String(raw)}'`);
  return f;
}

export const reach: Command = {
  name: 'reach',
  synopsis: 'reach FILE [--port N] [--proto P] [--pods] [--focus ENDPOINT] [--format F | --json] [--matrix]',
  summary: 'Print every allowed connection between workloads, pods and external ranges under the NetworkPolicies.',
  optionHelp: [
    '--port N          only connections on this destination port',
    '--proto P         only connections over TCP, UDP or SCTP',
    '--pods            one endpoint per pod instead of per workload',
    '--focus E         only connections from or to endpoint E (an id as printed, or its prefix before [)',
    '--format F        txt (default), json, csv, md or dot (Graphviz)',
    '--json            the same as --format json',
    '--matrix          a per-port truth table for pods: . allowed, X denied (rows from, columns to; port 80 and TCP by default)',
  ],
  options: {
    port: { type: 'string' },
    proto: { type: 'string' },
    matrix: { type: 'boolean' },
    pods: { type: 'boolean' },
    focus: { type: 'string' },
    format: { type: 'string' },
    json: { type: 'boolean' },
  },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const protocol = protocolOf(values.proto);
    const port = portOf(values.port);
    const format = formatOf(values.format, values.json === true);
    const topology = loadOrReport(positionals[0]!, io);
    if (typeof topology === 'number') return topology;
    const index = buildPolicyIndex(topology);
    if (!cniEnforcesPolicy(topology.cluster.cni.plugin)) {
      io.err(`packetwalk reach: warning: ${topology.cluster.cni.plugin} does not enforce NetworkPolicy; these are the policies' verdicts, and every pair is delivered`);
    }
    if (values.matrix) {
      io.out(formatTruthTable(computeReach(index, { protocol: protocol ?? 'TCP', port: port ?? 80 })));
      return EXIT_OK;
    }
    const full = analyseConnectivity(index, { pods: values.pods === true });
    const focus = typeof values.focus === 'string' ? values.focus : undefined;
    const focused = (id: string): boolean => focus === undefined || id === focus || id.startsWith(`${focus}[`) || id.startsWith(`${focus}{`);
    if (focus !== undefined && !full.endpoints.some((e) => focused(e.id))) throw new UsageError(`--focus: no endpoint '${focus}'; the endpoints are the ids reach prints`);
    const connections = full.connections
      .filter((c) => focused(c.from) || focused(c.to))
      .map((c) => ({ ...c, set: restrictSet(c.set, protocol, port) }))
      .filter((c) => !isEmptySet(c.set));
    const endpoints = focus === undefined ? full.endpoints : full.endpoints.filter((e) => focused(e.id) || connections.some((c) => c.from === e.id || c.to === e.id));
    const text = formatConnectivity({ ...full, endpoints, connections }, format);
    if (text) io.out(text);
    return EXIT_OK;
  },
};
