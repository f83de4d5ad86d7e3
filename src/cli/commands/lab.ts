import { compareDiagnostics, formatDiagnostic } from '../../engine/diagnostics';
import { defaultPrefix } from '../../engine/lab/plan';
import { loadTopology } from '../../engine/model/load';
import type { Topology } from '../../engine/model/types';
import type { Command, Io } from '../command';
import { labRefusal } from '../lab/kernel';
import { teardown } from '../lab/state';
import { labUp, planFor } from '../lab/up';
import { nodeHost, readSource } from '../nodeHost';
import { EXIT_INPUT, EXIT_OK, UsageError } from '../usage';

/** The lab could not do what was asked on this machine (not root, a kernel feature missing, a command failed). */
const EXIT_LAB = 4;

function load(file: string, io: Io): Topology | undefined {
  const source = readSource(file);
  if ('diagnostic' in source) {
    io.err(formatDiagnostic(source.diagnostic));
    return undefined;
  }
  const loaded = loadTopology(source, nodeHost);
  const errors = [...loaded.diagnostics].filter((d) => d.severity === 'error').sort(compareDiagnostics);
  for (const d of errors) io.err(formatDiagnostic(d));
  if (errors.length > 0 || !loaded.value) {
    if (errors.length === 0) io.err(`${file}: no Cluster document could be loaded`);
    return undefined;
  }
  return loaded.value;
}

function quote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export const lab: Command = {
  name: 'lab',
  synopsis: 'lab up|verify|down FILE [--from SRC --to DST] [--json] [--prefix P] [--dry-run]',
  summary: 'Build the topology in network namespaces, send the traced packets for real, compare hop by hop.',
  optionHelp: [
    'up          build the namespaces, devices, routes, neighbours, FDB and rules (Linux, root)',
    'verify      send packets and compare captures with the traces',
    'down        remove exactly what up made (also after a crash: every name has the prefix)',
    '--prefix P  namespace name prefix (default pw + 4 hex digits of the cluster name + -)',
    '--dry-run   with up: print the commands instead of running them',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' }, prefix: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  positionals: [2, 2],
  run: ({ positionals, values, io }) => {
    const [action, file] = positionals as [string, string];
    if (!['up', 'verify', 'down'].includes(action)) throw new UsageError(`lab takes up, verify or down, not '${action}'`);
    const topology = load(file, io);
    if (!topology) return EXIT_INPUT;
    const prefix = typeof values.prefix === 'string' ? values.prefix : defaultPrefix(topology);
    if (!/^[A-Za-z0-9_.-]{1,16}$/.test(prefix)) throw new UsageError('--prefix takes up to 16 letters, digits, _ . or -');
    if (action === 'up' && values['dry-run']) {
      const plan = planFor(topology, prefix);
      for (const c of plan.commands) io.out(c.stdin === undefined ? quote(c.argv) : `${quote(c.argv)} <<'EOF'\n${c.stdin}EOF`);
      for (const g of plan.gaps) io.err(`# not reproduced: ${g.netns}: ${g.what}`);
      return EXIT_OK;
    }
    const refusal = labRefusal();
    if (refusal) {
      io.err(`packetwalk lab: ${refusal}`);
      return EXIT_LAB;
    }
    if (action === 'down') {
      const removed = teardown(topology.cluster.name, prefix);
      io.out(`removed ${removed.length} network namespace${removed.length === 1 ? '' : 's'}${removed.length ? `: ${removed.join(' ')}` : ''}`);
      return EXIT_OK;
    }
    if (action === 'verify') {
      io.err('packetwalk lab verify: the packet walk it compares against is not available yet');
      return EXIT_LAB;
    }
    const result = labUp(topology, file, prefix);
    switch (result.kind) {
      case 'refused':
        io.err(`packetwalk lab: ${result.reason}`);
        return EXIT_LAB;
      case 'failed':
        io.err(`packetwalk lab: '${quote(result.failure.argv)}' failed (exit ${result.failure.status ?? 'none'}): ${result.failure.stderr}`);
        io.err('packetwalk lab: everything made so far was removed again');
        return EXIT_LAB;
      case 'built':
        io.out(`built ${result.plan.namespaces.length} network namespaces with prefix ${prefix} (${result.plan.commands.length} commands); state in ${result.statePath}`);
        for (const g of result.plan.gaps) io.out(`not reproduced: ${g.netns}: ${g.what}`);
        io.out(`remove with: packetwalk lab down ${file}${values.prefix ? ` --prefix ${prefix}` : ''}`);
        return EXIT_OK;
    }
  },
};
