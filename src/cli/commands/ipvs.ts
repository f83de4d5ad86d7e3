import { buildIpvs, findNode, renderIpsetList, renderIpvsadm } from '../../engine/proxy';
import type { Command } from '../command';
import { loadForNode } from '../loadFile';
import { EXIT_OK } from '../usage';

export const ipvs: Command = {
  name: 'ipvs',
  synopsis: 'ipvs FILE --node NAME [--ipset]',
  summary: "Print kube-proxy's IPVS state for a node as `ipvsadm -Ln` does.",
  optionHelp: ['--node NAME   the node', "--ipset       print `ipset list` of kube-proxy's sets instead"],
  options: { node: { type: 'string' }, ipset: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    const loaded = loadForNode(positionals[0]!, values.node, io, 'ipvs');
    if (typeof loaded === 'number') return loaded;
    const state = buildIpvs(loaded.topology, findNode(loaded.topology, loaded.node)!);
    io.out((values.ipset ? renderIpsetList(state) : renderIpvsadm(state)).replace(/\n$/, ''));
    return EXIT_OK;
  },
};
