import ipaddr from 'ipaddr.js';
import { endpointPods, serviceChains, servicePortName, type Topology } from '../engine/index';

/**
 * What a hover shows, as Markdown lines, for the position of a topology file: a CIDR under the
 * cursor is described on its own; otherwise the object whose document holds the line (a pod, a
 * service, a node). Pure, so tests reach it without VS Code.
 */
export function describeAt(topology: Topology, file: string, line: number, word: string | undefined, veth: VethLookup = () => undefined): string[] | undefined {
  if (word && /^\d+\.\d+\.\d+\.\d+\/\d+$/.test(word)) return describeCidr(topology, word);
  const owner = objectAt(topology, file, line, veth);
  return owner ? owner() : undefined;
}

type Describer = () => string[];

/** The host-side veth of a pod, from the derived dataplane, when it has one. */
export type VethLookup = (namespace: string, name: string) => string | undefined;

function objectAt(topology: Topology, file: string, line: number, veth: VethLookup): Describer | undefined {
  let best: { line: number; describe: Describer } | undefined;
  const consider = (source: { file: string; line: number }, describe: Describer) => {
    if (source.file === file && source.line <= line && (!best || source.line >= best.line)) best = { line: source.line, describe };
  };
  for (const node of topology.nodes) consider(node.source, () => describeNode(topology, node.name));
  for (const pod of topology.pods) consider(pod.source, () => describePod(topology, pod.namespace, pod.name, veth));
  for (const svc of topology.services) consider(svc.source, () => describeService(topology, svc.namespace, svc.name));
  return best?.describe;
}

export function describePod(topology: Topology, namespace: string, name: string, veth: VethLookup = () => undefined): string[] {
  const pod = topology.pods.find((p) => p.namespace === namespace && p.name === name);
  if (!pod) return [];
  const node = topology.nodes.find((n) => n.name === pod.nodeName);
  const selecting = topology.services.filter((s) => s.namespace === pod.namespace && s.selector && Object.keys(s.selector).length > 0 && Object.entries(s.selector).every(([k, v]) => pod.labels[k] === v));
  return [
    `**Pod** \`${pod.namespace}/${pod.name}\``,
    `- node: \`${pod.nodeName}\`${node ? ` (${node.address})` : ''}`,
    `- IP: \`${pod.ip}\`${pod.ipDerived ? ' (derived from the node\'s podCIDR)' : ''}${pod.hostNetwork ? ' (hostNetwork)' : ''}`,
    `- MAC: \`${pod.mac}\``,
    ...(pod.hostNetwork ? [] : [`- host veth: ${veth(pod.namespace, pod.name) ? `\`${veth(pod.namespace, pod.name)}\`` : 'unknown'}`]),
    `- services: ${selecting.length ? selecting.map((s) => `\`${s.namespace}/${s.name}\``).join(', ') : 'none select it'}`,
  ];
}

export function describeService(topology: Topology, namespace: string, name: string): string[] {
  const svc = topology.services.find((s) => s.namespace === namespace && s.name === name);
  if (!svc) return [];
  const eps = topology.endpointSlices.filter((e) => e.namespace === namespace && e.serviceName === name).flatMap((e) => e.endpoints.flatMap((ep) => ep.addresses.map((a) => ({ a, ready: ep.conditions.ready }))));
  const targets = endpointPods(topology).get(`${namespace}/${name}`) ?? [];
  const lines = [`**Service** \`${namespace}/${name}\` ${svc.type} \`${svc.clusterIP}\``];
  for (const port of svc.ports) {
    const chain = svc.clusterIP === 'None' ? 'headless: no chain' : `\`${serviceChains(servicePortName(namespace, name, port.name), port.protocol.toLowerCase()).svc}\``;
    lines.push(`- port ${port.name || '(unnamed)'} ${port.port}/${port.protocol} → ${port.targetPort}${port.nodePort ? ` nodePort ${port.nodePort}` : ''}: ${chain}`);
  }
  lines.push(`- endpoints: ${eps.length ? eps.map((e) => `\`${e.a}\`${e.ready ? '' : ' (not ready)'}`).join(', ') : 'none'}`);
  if (targets.length) lines.push(`- pods: ${targets.map((t) => `\`${t.namespace}/${t.name}\`${t.nodeName ? ` on ${t.nodeName}` : ''}`).join(', ')}`);
  return lines;
}

export function describeNode(topology: Topology, name: string): string[] {
  const node = topology.nodes.find((n) => n.name === name);
  if (!node) return [];
  const pods = topology.pods.filter((p) => p.nodeName === name).length;
  return [`**Node** \`${name}\``, `- address: \`${node.address}/${node.prefixLength}\` on \`${node.interface}\` (${node.mac})`, `- podCIDR: \`${node.podCIDR}\``, `- pods: ${pods}`];
}

export function describeCidr(topology: Topology, cidr: string): string[] {
  let range: [ipaddr.IPv4 | ipaddr.IPv6, number];
  try {
    range = ipaddr.parseCIDR(cidr);
  } catch {
    return [`\`${cidr}\`: not a valid CIDR`];
  }
  const [first, last] = bounds(cidr);
  const size = range[0].kind() === 'ipv4' ? 2 ** (32 - range[1]) : undefined;
  const users: string[] = [];
  const within = (other: string) => {
    try {
      const o = ipaddr.parseCIDR(other);
      return o[0].kind() === range[0].kind() && o[0].match(range);
    } catch {
      return false;
    }
  };
  if (topology.cluster.clusterCIDR === cidr) users.push('the cluster CIDR (pods)');
  if (topology.cluster.serviceCIDR === cidr) users.push('the service CIDR (ClusterIPs)');
  for (const node of topology.nodes) if (node.podCIDR === cidr || within(node.podCIDR)) users.push(`podCIDR of node \`${node.name}\`${node.podCIDR === cidr ? '' : ` (${node.podCIDR})`}`);
  const inside = (ip: string) => {
    try {
      const a = ipaddr.parse(ip);
      return a.kind() === range[0].kind() && a.match(range);
    } catch {
      return false;
    }
  };
  const pods = topology.pods.filter((p) => !p.hostNetwork && inside(p.ip)).length;
  const services = topology.services.filter((s) => inside(s.clusterIP)).length;
  if (pods) users.push(`${pods} pod IP${pods === 1 ? '' : 's'}`);
  if (services) users.push(`${services} ClusterIP${services === 1 ? '' : 's'}`);
  return [`**CIDR** \`${cidr}\`: \`${first}\` – \`${last}\`${size !== undefined ? ` (${size} addresses)` : ''}`, `- used by: ${users.length ? users.join(', ') : 'nothing in this topology'}`];
}

function bounds(cidr: string): [string, string] {
  const [addr, len] = ipaddr.parseCIDR(cidr);
  if (addr.kind() !== 'ipv4') return [addr.toString(), addr.toString()];
  const value = addr.toByteArray().reduce((v, b) => v * 256 + b, 0);
  const size = 2 ** (32 - len);
  const start = value - (value % size);
  return [ipv4(start), ipv4(start + size - 1)];
}

export function ipv4(value: number): string {
  return [24, 16, 8, 0].map((s) => Math.floor(value / 2 ** s) % 256).join('.');
}

/**
 * The first address of `cidr` a pod could take that nobody uses: host-local style, from `.2`
 * (`.1` is the bridge gateway), skipping the broadcast address. Undefined when the range is full.
 */
export function freeAddress(cidr: string, used: ReadonlySet<string>): string | undefined {
  const [first, last] = bounds(cidr);
  const start = ipaddr.parse(first).toByteArray().reduce((v, b) => v * 256 + b, 0);
  const end = ipaddr.parse(last).toByteArray().reduce((v, b) => v * 256 + b, 0);
  for (let v = start + 2; v < end; v++) {
    const ip = ipv4(v);
    if (!used.has(ip)) return ip;
  }
  return undefined;
}
