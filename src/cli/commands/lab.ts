import { defaultPrefix } from '../../engine/index';
import type { Command } from '../command';
import { labRefusal } from '../lab/kernel';
import { teardown } from '../lab/state';
import { labUp, planFor } from '../lab/up';
import { loadOrReport } from '../loadFile';
import { EXIT_OK, UsageError } from '../usage';
import { EXIT_LAB, runVerify } from '../lab/verifyRun';

function quote(argv: readonly string[]): string {
  return argv.map((a) => (/^[\w@%+=:,./-]+$/.test(a) ? a : `'${a.replace(/'/g, `'\\''`)}'`)).join(' ');
}

export const lab: Command = {
  name: 'lab',
  synopsis: 'lab up|verify|down FILE [--from SRC --to DST [--proto P] [--port N]] [--json] [--prefix P] [--dry-run]',
  summary: 'Build the topology in network namespaces, send the traced packets for real, compare hop by hop.',
  optionHelp: [
    'up          build the namespaces, devices, routes, neighbours, FDB and rules (Linux, root)',
    'verify      send each trace\'s packet for real, capture on every link of its predicted path,',
    '            and compare hop by hop (using the lab that is up, else building one and removing',
    '            it afterwards); also compares iptables-save on each node with rules --format save',
    'down        remove exactly what up made (also after a crash: every name has the prefix)',
    '--from SRC --to DST  the one trace to verify (as for trace); without them, one trace per path',
    '            kind the topology has: same-node and cross-node pod-to-pod, pod-to-node,',
    '            node-to-pod, pod-to-ClusterIP, service without endpoints, pod-to-external,',
    '            external-to-NodePort on each node',
    '--proto P   tcp (default), udp or icmp, with --from/--to',
    '--port N    destination port when DST carries none (default 80), with --from/--to',
    '--json      verify: the per-hop comparison as JSON; up --dry-run: {commands: [{argv, stdin}], gaps} as JSON',
    '--prefix P  namespace name prefix (default pw + 4 hex digits of the cluster name + -)',
    '--dry-run   with up: print the commands instead of running them',
    'Each verify sends from source ports no earlier probe in that lab used, so runs repeat.',
    'Exit codes: 0 done (verify: every hop of every trace and every node\'s rules match),',
    '1 input errors, 2 usage errors, 3 verify found a difference, 4 the lab cannot run here',
    '(not Linux, not root, a tool or a kernel feature missing; the reason is printed),',
    '5 verify could not send a probe (its source port taken, a capture that never started:',
    '"could not send: REASON"; nothing was compared for it, so it is not a difference).',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' }, prefix: { type: 'string' }, 'dry-run': { type: 'boolean' } },
  positionals: [2, 2],
  run: ({ positionals, values, io }) => {
    const [action, file] = positionals as [string, string];
    if (!['up', 'verify', 'down'].includes(action)) throw new UsageError(`lab takes up, verify or down, not '${action}'`);
    const topology = loadOrReport(file, io);
    if (typeof topology === 'number') return topology;
    const prefix = typeof values.prefix === 'string' ? values.prefix : defaultPrefix(topology);
    if (!/^[A-Za-z0-9_.-]{1,16}$/.test(prefix)) throw new UsageError('--prefix takes up to 16 letters, digits, _ . or -');
    if (action === 'up' && values['dry-run']) {
      const plan = planFor(topology, prefix);
      if (values.json) {
        io.out(JSON.stringify({ commands: plan.commands, gaps: plan.gaps }, null, 2));
        return EXIT_OK;
      }
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
    if (action === 'verify') return runVerify(topology, file, prefix, values, io);
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
