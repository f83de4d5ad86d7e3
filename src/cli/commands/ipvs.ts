import { buildIpvs, findNode, renderIpsetList, renderIpvsadm, toJson } from '../../engine/index';
import type { Command } from '../command';
import { loadForNode } from '../loadFile';
import { EXIT_OK } from '../usage';

export const ipvs: Command = {
  name: 'ipvs',
  synopsis: 'ipvs FILE --node NAME [--ipset] [--json]',
  summary: "Print kube-proxy's IPVS state for a node as `ipvsadm -Ln` does.",
  optionHelp: ['--node NAME   the node', "--ipset       print `ipset list` of kube-proxy's sets instead", '--json        the virtual servers (or with --ipset the sets) as JSON'],
  options: { node: { type: 'string' }, ipset: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const loaded = loadForNode(positionals[0]!, values.node, io, 'ipvs');
    if (typeof loaded === 'number') return loaded;
    const state = buildIpvs(loaded.topology, findNode(loaded.topology, loaded.node)!);
    if (values.json) io.out(toJson(values.ipset ? { node: loaded.node, ipsets: [...state.ipsets.values()].map((s) => ({ ...s, references: state.references.get(s.name) ?? 0 })) } : { node: loaded.node, virtualServers: state.virtualServers }));
    else io.out((values.ipset ? renderIpsetList(state) : renderIpvsadm(state)).replace(/\n$/, ''));
    return EXIT_OK;
  },
};
