import type { Command } from '../command';
import { check } from './check';
import { generate } from './generate';
import { notYet } from './notYet';
import { rules } from './rules';
import { reach } from './reach';

/** The command table of DESIGN.md §5; each handler lives in its own module. */
export const commands: readonly Command[] = [
  check,
  notYet({
    name: 'trace',
    synopsis: 'trace FILE --from SRC --to DST [--proto tcp|udp|icmp] [--port N] [--json]',
    summary: 'Walk one packet from SRC to DST and print every hop with its headers and steps.',
    optionHelp: [
      '--from SRC     pod/NS/NAME, NAME, node/NAME, ext/NAME or ip/ADDR',
      '--to DST       as --from, or svc/NS/NAME[:PORT], ip/ADDR:PORT',
      '--proto P      tcp (default), udp or icmp',
      '--port N       destination port (default 80 for tcp/udp)',
      '--json         machine-readable trace',
    ],
    options: { from: { type: 'string' }, to: { type: 'string' }, proto: { type: 'string' }, port: { type: 'string' }, json: { type: 'boolean' }, endpoint: { type: 'string' }, seed: { type: 'string' } },
    positionals: [1, 1],
    engine: 'the packet walk',
  }),
  rules,
  notYet({
    name: 'ipvs',
    synopsis: 'ipvs FILE --node NAME [--ipset]',
    summary: "Print kube-proxy's IPVS state for a node as `ipvsadm -Ln` does.",
    optionHelp: ['--node NAME   the node', '--ipset       print `ipset list` of kube-proxy\'s sets instead'],
    options: { node: { type: 'string' }, ipset: { type: 'boolean' } },
    positionals: [1, 1],
    engine: "kube-proxy's IPVS model",
  }),
  notYet({
    name: 'show',
    synopsis: 'show FILE --node NAME --table routes|neigh|fdb|links|addrs|bridges',
    summary: "Print a node's Linux networking state as `ip` and `bridge` print it.",
    optionHelp: ['--node NAME    the node (or pod/NS/NAME, ext/NAME)', '--table T      routes, neigh, fdb, links, addrs or bridges'],
    options: { node: { type: 'string' }, table: { type: 'string' } },
    positionals: [1, 1],
    engine: 'the dataplane model',
  }),
  reach,
  notYet({
    name: 'lab',
    synopsis: 'lab up|verify|down FILE [--from SRC --to DST] [--json]',
    summary: 'Build the topology in network namespaces, send the traced packets for real, compare hop by hop.',
    optionHelp: ['up       build the namespaces, devices, routes and rules', 'verify   send packets and compare captures with the traces', 'down     remove exactly what up made'],
    options: { from: { type: 'string' }, to: { type: 'string' }, json: { type: 'boolean' } },
    positionals: [2, 2],
    engine: 'the kernel lab',
  }),
  generate,
];
