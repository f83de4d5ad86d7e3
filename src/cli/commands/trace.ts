import { createEngine, dataplaneFindings, findingsAbout, formatDiagnostic, nodesCrossed, renderTrace, tryTraceFlow } from '../../engine/index';
import type { Command } from '../command';
import { loadOrReport } from '../loadFile';
import { EXIT_OK, EXIT_USAGE } from '../usage';

export const trace: Command = {
  name: 'trace',
  synopsis: 'trace FILE --from SRC --to DST [--proto tcp|udp|icmp] [--port N] [--json]',
  summary: 'Walk one packet from SRC to DST and print every hop with its headers and steps.',
  optionHelp: [
    '--from SRC     pod/NS/NAME, NAME, node/NAME, ext/NAME or ip/ADDR',
    '--to DST       as --from, each with an optional :PORT (node/node2:32506), or svc/NS/NAME[:PORT]',
    '--proto P      tcp (default), udp or icmp',
    '--port N       destination port (default 80 for tcp/udp)',
    '--json         machine-readable trace',
    '--endpoint N   follow the N-th (0-based) service endpoint where kube-proxy load-balances',
    '--seed N       pick the endpoint at random, reproducibly, from seed N',
  ],
  options: { from: { type: 'string' }, to: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' }, endpoint: { type: 'string' }, seed: { type: 'string' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const { from, to } = values;
    if (typeof from !== 'string' || typeof to !== 'string') {
      io.err('packetwalk trace: --from SRC and --to DST are required');
      return EXIT_USAGE;
    }
    const proto = values.proto ?? 'tcp';
    if (proto !== 'tcp' && proto !== 'udp' && proto !== 'icmp') {
      io.err(`packetwalk trace: --proto must be tcp, udp or icmp, not '${String(proto)}'`);
      return EXIT_USAGE;
    }
    let port: number | undefined;
    if (values.port !== undefined) {
      port = Number(values.port);
      if (!/^\d+$/.test(String(values.port)) || port < 1 || port > 65535) {
        io.err(`packetwalk trace: --port must be 1-65535, not '${String(values.port)}'`);
        return EXIT_USAGE;
      }
    }
    const choice: { endpointIndex?: number; endpointSeed?: number } = {};
    for (const [option, key] of [['endpoint', 'endpointIndex'], ['seed', 'endpointSeed']] as const) {
      const raw = values[option];
      if (raw === undefined) continue;
      if (!/^\d+$/.test(String(raw))) {
        io.err(`packetwalk trace: --${option} must be a whole number, not '${String(raw)}'`);
        return EXIT_USAGE;
      }
      choice[key] = Number(raw);
    }
    const topology = loadOrReport(positionals[0]!, io);
    if (typeof topology === 'number') return topology;
    const result = tryTraceFlow(createEngine(topology), { from, to, proto, ...(port ? { port } : {}), ...choice });
    if (!result.ok) {
      io.err(`packetwalk trace: ${result.error}`);
      return EXIT_USAGE;
    }
    const { trace: t, from: src, to: dst } = result.value;
    if (!values.json) {
      // What the CNI would do wrong on the nodes this packet touches, even where it never left its first namespace.
      const crossed = nodesCrossed(t);
      for (const e of [src, dst]) {
        const node = e.pod?.nodeName ?? e.node;
        if (node !== undefined) crossed.add(node);
      }
      for (const f of findingsAbout(dataplaneFindings(topology), crossed)) io.out(formatDiagnostic(f.diagnostic));
    }
    io.out(values.json ? JSON.stringify(t, null, 2) : renderTrace(t, `${src.label} -> ${dst.label} ${proto}${proto === 'icmp' ? '' : ` port ${dst.port ?? port ?? 80}`}`).replace(/\n$/, ''));
    return EXIT_OK;
  },
};
