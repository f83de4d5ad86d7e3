import { type GeneratedCni, generatedCnis, generateJson, generateLimits, generateTopology } from '../../engine/index';
import type { Command } from '../command';
import { EXIT_OK, UsageError } from '../usage';

function count(values: Readonly<Record<string, unknown>>, name: string, fallback: number | undefined, max: number): number {
  const raw = values[name];
  if (raw === undefined) {
    if (fallback === undefined) throw new UsageError(`--${name} is required`);
    return fallback;
  }
  const n = Number(raw);
  if (!Number.isInteger(n) || n < 0 || n > max) throw new UsageError(`--${name} takes a whole number from 0 to ${max}, not '${String(raw)}'`);
  return n;
}

export const generate: Command = {
  name: 'generate',
  synopsis: 'generate --nodes N --pods-per-node P --services S --endpoints-per-service E [--policies K] [--cni C] [--proxy M] [--seed N] [--json]',
  summary: 'Write a large deterministic topology to stdout (the same options always give the same file).',
  optionHelp: [
    '--nodes N                   cluster nodes',
    '--pods-per-node P           pods on each node',
    '--services S                ClusterIP services, each selecting its own pods',
    '--endpoints-per-service E   pods behind each service',
    '--policies K                NetworkPolicies (needs a CNI that enforces them, e.g. calico/ipip)',
    `--cni C                     ${generatedCnis.join(' | ')} (default flannel/vxlan)`,
    '--proxy M                   iptables (default) | ipvs',
    '--seed N                    placement seed (default 1)',
    '--json                      the same topology as a JSON List (kubectl get -o json style) instead of YAML',
  ],
  options: {
    nodes: { type: 'string' }, 'pods-per-node': { type: 'string' }, services: { type: 'string' }, 'endpoints-per-service': { type: 'string' },
    policies: { type: 'string' }, cni: { type: 'string' }, proxy: { type: 'string' }, seed: { type: 'string' }, json: { type: 'boolean' },
  },
  positionals: [0, 0],
  run: ({ values, io }) => {
    const nodes = count(values, 'nodes', undefined, generateLimits.nodes);
    const podsPerNode = count(values, 'pods-per-node', undefined, generateLimits.podsPerNode);
    const services = count(values, 'services', undefined, generateLimits.services);
    const endpointsPerService = count(values, 'endpoints-per-service', undefined, 1_000_000);
    const policies = count(values, 'policies', 0, 100_000);
    const seed = count(values, 'seed', 1, 2 ** 32 - 1);
    const cni = (values.cni ?? 'flannel/vxlan') as GeneratedCni;
    if (!generatedCnis.includes(cni)) throw new UsageError(`--cni takes one of ${generatedCnis.join(', ')}`);
    const proxy = values.proxy ?? 'iptables';
    if (proxy !== 'iptables' && proxy !== 'ipvs') throw new UsageError('--proxy takes iptables or ipvs');
    if (services * endpointsPerService > nodes * podsPerNode) {
      throw new UsageError(`${services} services × ${endpointsPerService} endpoints need ${services * endpointsPerService} pods; --nodes × --pods-per-node gives ${nodes * podsPerNode}`);
    }
    if (policies > 0 && cni.startsWith('flannel')) throw new UsageError('flannel does not enforce NetworkPolicy; with --policies choose a calico CNI');
    const options = { nodes, podsPerNode, services, endpointsPerService, policies, cni, proxy, seed } as const;
    for (const chunk of (values.json ? generateJson : generateTopology)(options)) io.out(chunk.replace(/\n$/, ''));
    return EXIT_OK;
  },
};
