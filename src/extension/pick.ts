import type { Topology } from '../engine/index';

/** One choice of a trace quick pick: the endpoint spec the engine takes, and how to show it. */
export interface EndpointChoice {
  readonly spec: string;
  readonly label: string;
  readonly description: string;
  /** A port that makes sense as the default for this destination. */
  readonly port?: number;
  readonly proto?: 'tcp' | 'udp';
}

/** Sources: pods, then nodes, then externals, recent ones first (in recency order). */
export function sourceChoices(topology: Topology, recent: readonly string[]): EndpointChoice[] {
  const all: EndpointChoice[] = [
    ...topology.pods.map((p) => ({ spec: `pod/${p.namespace}/${p.name}`, label: `$(symbol-variable) ${p.namespace}/${p.name}`, description: `pod ${p.ip} on ${p.nodeName}` })),
    ...topology.nodes.map((n) => ({ spec: `node/${n.name}`, label: `$(server) ${n.name}`, description: `node ${n.address}` })),
    ...topology.externals.map((e) => ({ spec: `ext/${e.name}`, label: `$(globe) ${e.name}`, description: `external ${e.address}` })),
  ];
  return recentFirst(all, recent);
}

/** Destinations: services (one per port), pods, nodes, externals, recent ones first. */
export function destinationChoices(topology: Topology, recent: readonly string[]): EndpointChoice[] {
  const services = topology.services.flatMap((s) =>
    s.ports.map((p) => ({ spec: `svc/${s.namespace}/${s.name}:${p.port}`, label: `$(plug) ${s.namespace}/${s.name}:${p.port}`, description: `service ${s.clusterIP}:${p.port}/${p.protocol}`, port: p.port, proto: p.protocol === 'UDP' ? ('udp' as const) : ('tcp' as const) })),
  );
  const pods = topology.pods.map((p) => {
    const port = p.containers.flatMap((c) => c.ports)[0];
    return { spec: `pod/${p.namespace}/${p.name}`, label: `$(symbol-variable) ${p.namespace}/${p.name}`, description: `pod ${p.ip} on ${p.nodeName}`, ...(port ? { port: port.containerPort, proto: port.protocol === 'UDP' ? ('udp' as const) : ('tcp' as const) } : {}) };
  });
  const all: EndpointChoice[] = [
    ...services,
    ...pods,
    ...topology.nodes.map((n) => ({ spec: `node/${n.name}`, label: `$(server) ${n.name}`, description: `node ${n.address}` })),
    ...topology.externals.map((e) => ({ spec: `ext/${e.name}`, label: `$(globe) ${e.name}`, description: `external ${e.address}` })),
  ];
  return recentFirst(all, recent);
}

export function recentFirst(all: readonly EndpointChoice[], recent: readonly string[]): EndpointChoice[] {
  const rank = new Map(recent.map((spec, i) => [spec, i] as const));
  const head = all.filter((c) => rank.has(c.spec)).sort((a, b) => (rank.get(a.spec) ?? 0) - (rank.get(b.spec) ?? 0));
  return [...head, ...all.filter((c) => !rank.has(c.spec))];
}

/** Adds `spec` at the front of a recent list, without duplicates, at most `limit` long. */
export function remember(recent: readonly string[], spec: string, limit: number): string[] {
  return [spec, ...recent.filter((s) => s !== spec)].slice(0, limit);
}

/** A port given in a service spec (`svc/ns/name:80`), if any. */
export function portOf(spec: string): number | undefined {
  const m = /:(\d+)$/.exec(spec);
  return m ? Number(m[1]) : undefined;
}
