import { cniNat, cniRestore, renderNftTransaction, renderSave, restoreChunks, restoreTables, type Topology } from '../../engine/index';
import type { Command } from '../command';
import { loadForNode } from '../loadFile';
import { EXIT_OK, EXIT_USAGE } from '../usage';

export const rules: Command = {
  name: 'rules',
  synopsis: 'rules FILE --node NAME [--format restore|save|nft] [--cni] [--json]',
  summary: "Print kube-proxy's rules for a node (iptables, or nftables in nftables mode).",
  optionHelp: [
    '--node NAME        the node',
    '--format restore   the payload kube-proxy hands to iptables-restore (default)',
    '--format save      what iptables-save prints once it is loaded',
    "--format nft       nftables mode: the transaction kube-proxy sends (the default in that mode)",
    "--cni              the CNI's own rules instead (its NAT, Felix's NetworkPolicy chains), with their ipsets",
    '--json             the same payload as JSON: {node, format, tables: [{name, chains: [{name, policy}], rules: [{chain, rule}]}]}',
    '                   (with --cni also ipsets: [{name, type, members}])',
  ],
  options: { node: { type: 'string' }, format: { type: 'string' }, cni: { type: 'boolean' }, json: { type: 'boolean' } },
  positionals: [1, 1],
  run: ({ positionals, values, io }) => {
    if (values.format !== undefined && values.format !== 'restore' && values.format !== 'save' && values.format !== 'nft') {
      io.err(`packetwalk rules: --format must be restore, save or nft, not '${String(values.format)}'`);
      return EXIT_USAGE;
    }
    const loaded = loadForNode(positionals[0]!, values.node, io, 'rules');
    if (typeof loaded === 'number') return loaded;
    const nftMode = loaded.topology.cluster.kubeProxy.mode === 'nftables';
    const format = values.format ?? (nftMode && !values.cni ? 'nft' : 'restore');
    if (!values.cni && (format === 'nft') !== nftMode) {
      io.err(nftMode
        ? `packetwalk rules: kube-proxy runs in nftables mode and writes no iptables rules; use --format nft`
        : `packetwalk rules: --format nft needs kubeProxy: {mode: nftables}; this cluster's kube-proxy runs in ${loaded.topology.cluster.kubeProxy.mode} mode`);
      return EXIT_USAGE;
    }
    if (values.json) {
      if (format === 'nft') {
        io.err('packetwalk rules: --json is not available for --format nft yet; drop --json to print the transaction');
        return EXIT_USAGE;
      }
      io.out(JSON.stringify(rulesJson(loaded.topology, loaded.node, format, values.cni === true), null, 2));
      return EXIT_OK;
    }
    if (values.cni) {
      io.out(renderCniRules(loaded.topology, loaded.node));
      return EXIT_OK;
    }
    if (format === 'nft') {
      io.out(renderNftTransaction(loaded.topology, loaded.node));
      return EXIT_OK;
    }
    if (format === 'save') {
      io.out(renderSave(loaded.topology, loaded.node));
      return EXIT_OK;
    }
    // Chunk by chunk: a large cluster's payload runs to tens of megabytes.
    for (const chunk of restoreChunks(loaded.topology, loaded.node)) io.out(chunk);
    return EXIT_OK;
  },
};

/** The payload `rules` prints, as tables of chains and rules (and the CNI's ipsets with --cni). */
function rulesJson(topology: Topology, nodeName: string, format: 'restore' | 'save', cni: boolean): object {
  if (cni) {
    const node = topology.nodes.find((n) => n.name === nodeName)!;
    const ipsets = cniNat(topology, node).ipsets.map((s) => ({ name: s.name, type: 'hash:net', members: s.members }));
    return { node: nodeName, format: 'cni', tables: restoreTables(cniRestore(topology, nodeName)), ipsets };
  }
  const text = format === 'save' ? renderSave(topology, nodeName) : restoreChunks(topology, nodeName).join('');
  return { node: nodeName, format, tables: restoreTables(text) };
}

/** The CNI's rules as the daemon loads them (`iptables-restore --noflush`), after the ipsets they match, as `ipset` commands. */
function renderCniRules(topology: Topology, nodeName: string): string {
  const node = topology.nodes.find((n) => n.name === nodeName)!;
  const sets = cniNat(topology, node).ipsets.flatMap((s) => [`# ipset create ${s.name} hash:net`, ...s.members.map((m) => `# ipset add ${s.name} ${m}`)]);
  return `${sets.length ? `${sets.join('\n')}\n` : ''}${cniRestore(topology, nodeName)}`;
}
