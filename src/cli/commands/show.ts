import { deriveDataplane, renderAddrs, renderBridges, renderFdb, renderLinks, renderNeighbours, renderRoutes, renderRules, showRecords, showTables, toJson } from '../../engine/index';
import type { Command } from '../command';
import { loadOrReport } from '../loadFile';
import { EXIT_OK, EXIT_USAGE } from '../usage';


export const show: Command = {
  name: 'show',
  synopsis: 'show FILE --node NAME --table routes|neigh|fdb|links|addrs|bridges|rules [--json]',
  summary: "Print a node's Linux networking state as `ip` and `bridge` print it.",
  optionHelp: ['--node NAME    the node (or pod/NS/NAME, ext/NAME)', '--table T      routes, neigh, fdb, links, addrs, bridges or rules (ip rule)', '--json         the table as a JSON array of records, one per line `ip` would print'],
  options: { node: { type: 'string' }, table: { type: 'string' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const table = showTables.find((t) => t === values.table);
    if (!table) {
      io.err(`packetwalk show: --table must be one of ${showTables.join(', ')}`);
      return EXIT_USAGE;
    }
    if (typeof values.node !== 'string' || values.node === '') {
      io.err('packetwalk show: --node NAME is required');
      return EXIT_USAGE;
    }
    const topology = loadOrReport(positionals[0]!, io);
    if (typeof topology === 'number') return topology;
    const dp = deriveDataplane(topology);
    const id = values.node.includes('/') ? values.node : `node/${values.node}`;
    const ns = dp.namespace(id);
    if (!ns) {
      io.err(`packetwalk show: no namespace '${values.node}' (nodes: ${topology.nodes.map((n) => n.name).join(', ')})`);
      return EXIT_USAGE;
    }
    if (values.json) {
      io.out(toJson({ namespace: ns.id, table, records: showRecords(ns, table) }));
      return EXIT_OK;
    }
    const text = {
      routes: () => renderRoutes(ns),
      neigh: () => renderNeighbours(ns),
      fdb: () => renderFdb(ns),
      links: () => renderLinks(ns, dp),
      addrs: () => renderAddrs(ns, dp),
      bridges: () => renderBridges(ns),
      rules: () => renderRules(ns),
    }[table]();
    io.out(text.replace(/\n$/, ''));
    return EXIT_OK;
  },
};
