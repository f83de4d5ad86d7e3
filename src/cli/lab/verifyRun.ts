/**
 * `lab verify FILE`: the traces to send (the one asked for, or one per path kind), the lab to send
 * them in (the one up for this cluster, else one built for the run and removed after), every trace
 * verified hop by hop, then each node's iptables-save compared with the rule view.
 */

import { createEngine, FIRST_SPORT, type LabCase, labCases, type LabPlan, renderText, runVerdict, sourcePortsFrom, type Topology, type TraceReport, traceVerdict, type Verdict } from '../../engine/index';
import type { Io } from '../command';
import { EXIT_OK, UsageError } from '../usage';
import { labRefusal, namespacesWithPrefix } from './kernel';
import { checkSaves, renderSaveReports, type SaveReport } from './saveCheck';
import { claimSourcePorts, readState, teardown } from './state';
import { labUp, planFor } from './up';
import { verifyRequest } from './verify';

/** verify found a hop, an outcome or a node's rules that differ from the model. */
export const EXIT_DIFFER = 3;
/** The lab could not do what was asked on this machine (not root, a kernel feature missing, a command failed). */
export const EXIT_LAB = 4;
/** A probe could not be sent (its source port was taken, a capture never started): nothing was held against the model for it. */
export const EXIT_UNSENT = 5;

/** A trace to verify: a generated case, or the one `--from`/`--to` names (which has no path kind). */
type Wanted = Omit<LabCase, 'kind'> & { readonly kind?: LabCase['kind'] };

function requestedCases(values: Readonly<Record<string, string | boolean | undefined>>): Wanted[] | undefined {
  const { from, to, proto, port } = values;
  if (from === undefined && to === undefined) return undefined;
  if (typeof from !== 'string' || typeof to !== 'string') throw new UsageError('verify takes --from and --to together');
  if (proto !== undefined && proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') throw new UsageError('--proto takes tcp, udp or icmp');
  const portNumber = typeof port === 'string' ? Number(port) : undefined;
  if (portNumber !== undefined && !(Number.isInteger(portNumber) && portNumber >= 1 && portNumber <= 65535)) throw new UsageError('--port takes 1-65535');
  return [{ label: `${from} -> ${to}`, request: { from, to, ...(proto ? { proto } : {}), ...(portNumber ? { port: portNumber } : {}), sport: FIRST_SPORT } }];
}

/** The lab already up under this prefix, when every namespace it recorded still exists. */
function labInPlace(topology: Topology, prefix: string): LabPlan | undefined {
  const state = readState(topology.cluster.name, prefix);
  if (!state) return undefined;
  const present = new Set(namespacesWithPrefix(prefix));
  if (!state.namespaces.every((n) => present.has(n))) return undefined;
  return planFor(topology, prefix);
}

export async function verifyAll(topology: Topology, plan: LabPlan, cases: readonly Wanted[]): Promise<{ traces: TraceReport[]; saves: SaveReport[] }> {
  const engine = createEngine(topology);
  const traces: TraceReport[] = [];
  for (const c of cases) traces.push(await verifyRequest(engine, plan, c.request, c.label, c.kind));
  return { traces, saves: checkSaves(topology, plan) };
}

export async function runVerify(topology: Topology, file: string, prefix: string, values: Readonly<Record<string, string | boolean | undefined>>, io: Io): Promise<number> {
  const asked = requestedCases(values);
  const refusal = labRefusal(['ip', 'bridge', 'sysctl', 'iptables-restore', 'iptables-save', 'tcpdump', 'nc', 'ping']);
  if (refusal) {
    io.err(`packetwalk lab: ${refusal}`);
    return EXIT_LAB;
  }
  let plan = labInPlace(topology, prefix);
  const ownLab = !plan;
  if (!plan) {
    const up = labUp(topology, file, prefix);
    if (up.kind === 'refused') {
      io.err(`packetwalk lab: ${up.reason}`);
      return EXIT_LAB;
    }
    if (up.kind === 'failed') {
      io.err(`packetwalk lab: '${up.failure.argv.join(' ')}' failed (exit ${up.failure.status ?? 'none'}): ${up.failure.stderr}`);
      return EXIT_LAB;
    }
    plan = up.plan;
  }
  try {
    const wanted = asked ?? labCases(topology);
    // Every run sends from ports no earlier run in this lab used (the lab's state keeps the count).
    const state = readState(topology.cluster.name, prefix);
    const cases = sourcePortsFrom(wanted, state ? claimSourcePorts(state, wanted.length) : FIRST_SPORT);
    const { traces, saves } = await verifyAll(topology, plan, cases);
    const rulesDiffer = saves.some((s) => s.error || s.differences.length > 0);
    const verdict = runVerdict([...traces.map(traceVerdict), ...(rulesDiffer ? (['differ'] as const) : [])]);
    // `match` only where something was compared: a probe that was not sent is neither.
    const matchOf = (v: Verdict): { match?: boolean } => (v === 'could not send' ? {} : { match: v === 'match' });
    if (values.json) io.out(JSON.stringify({ verdict, ...matchOf(verdict), traces: traces.map((t) => ({ ...t, verdict: traceVerdict(t), ...matchOf(traceVerdict(t)) })), rules: saves, gaps: plan.gaps }, null, 2));
    else {
      io.out(renderText(traces));
      io.out(renderSaveReports(saves));
      for (const g of plan.gaps) io.out(`not reproduced: ${g.netns}: ${g.what}`);
    }
    for (const t of traces) if (t.unsent !== undefined) io.err(`packetwalk lab: ${t.label}: could not send: ${t.unsent}`);
    return verdict === 'match' ? EXIT_OK : verdict === 'differ' ? EXIT_DIFFER : EXIT_UNSENT;
  } finally {
    if (ownLab) teardown(topology.cluster.name, prefix);
  }
}
