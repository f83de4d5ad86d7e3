/**
 * Turns device specs into a namespace the way the kernel would hold it: ifindexes in creation
 * order, the `proto kernel` prefix routes and `local`/`broadcast` routes each address implies.
 */

import { broadcastOf, formatRouteDst, ipToNum, numToIp, parsePrefix, prefixOf } from '../net/ipv4';
import type { Address, Device, DeviceSpec, FdbEntry, NetNamespace, NetnsId, NetnsKind, NetnsRef, Neighbour, PeerState, Route, RoutingRule } from './types';

/** An address with its `brd` filled in the way `ip addr add … brd +` and the CNIs set it. */
export function hostAddress(cidr: string, scope: Address['scope'] = 'global'): Address {
  const slash = cidr.indexOf('/');
  const address = slash < 0 ? cidr : cidr.slice(0, slash);
  const prefixLength = slash < 0 ? 32 : Number(cidr.slice(slash + 1));
  if (prefixLength >= 31) return { address, prefixLength, scope };
  return { address, prefixLength, scope, broadcast: numToIp(broadcastOf(prefixOf(ipToNum(address), prefixLength))) };
}

/** A route; `dst` is normalised through the prefix so text and numbers agree. */
export function route(fields: Omit<Route, 'prefix' | 'onlink' | 'table' | 'type' | 'scope'> & Partial<Pick<Route, 'onlink' | 'table' | 'type' | 'scope'>>): Route {
  const prefix = parsePrefix(fields.dst);
  if (!prefix) throw new Error(`bad route destination ${fields.dst}`);
  return {
    table: 'main',
    type: 'unicast',
    scope: fields.via ? 'global' : 'link',
    onlink: false,
    ...fields,
    dst: formatRouteDst(prefix),
    prefix,
  };
}

export const loopback: DeviceSpec = {
  kind: 'loopback',
  name: 'lo',
  mtu: 65536,
  mac: '00:00:00:00:00:00',
  up: true,
  addresses: [{ address: '127.0.0.1', prefixLength: 8, scope: 'host' }],
};

/**
 * The routes the kernel adds for each address, main table then local table. fib_add_ifaddr adds
 * the address's `local` route before it looks at the device, so a device that is down (kube-ipvs0)
 * still makes its addresses local; prefix and broadcast routes wait for the device to come up.
 */
function kernelRoutes(devices: readonly Device[]): { main: Route[]; local: Route[] } {
  const main: Route[] = [];
  const local: Route[] = [];
  for (const device of devices) {
    for (const a of device.addresses) {
      const num = ipToNum(a.address);
      const network = prefixOf(num, a.prefixLength);
      const base = { dev: device.name, proto: 'kernel' as const, src: a.address };
      if (!device.up) {
        local.push(route({ ...base, table: 'local', type: 'local', dst: a.address, scope: 'host' }));
        continue;
      }
      if (device.kind === 'loopback') {
        local.push(route({ ...base, table: 'local', type: 'local', dst: formatRouteDst(network), scope: 'host' }));
      } else if (a.prefixLength < 32) {
        main.push(route({ ...base, dst: formatRouteDst(network), scope: 'link' }));
      }
      local.push(route({ ...base, table: 'local', type: 'local', dst: a.address, scope: 'host' }));
      if (a.broadcast) local.push(route({ ...base, table: 'local', type: 'broadcast', dst: a.broadcast, scope: 'link' }));
    }
  }
  return { main, local };
}

/** Orders a table as the kernel's FIB trie dumps it: by destination address, longer prefix first, then metric. */
function fibOrder(a: Route, b: Route): number {
  return a.prefix.base - b.prefix.base || b.prefix.prefix - a.prefix.prefix || (a.metric ?? 0) - (b.metric ?? 0);
}

export interface NamespaceSpec {
  readonly id: NetnsId;
  readonly ref: NetnsRef;
  readonly kind: NetnsKind;
  readonly node: string;
  readonly label: string;
  /** lo first, then in creation order. */
  readonly devices: readonly DeviceSpec[];
  /** Routes written by tools and daemons (not the kernel's own prefix routes). */
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
  /** `ip rule`, when a CNI adds rules of its own. */
  readonly rules?: readonly RoutingRule[];
  readonly ipForward: boolean;
  /** The CNI's entries for the other nodes, after `routes`, `neighbours` and `fdb`. */
  readonly peers?: PeerState;
}

/** Every table, `local` included, in the order `ip route show table all` prints them. */
function routeTables(kernel: { main: Route[]; local: Route[] }, routes: readonly Route[]): Route[] {
  // A written route for the same destination and device replaces the kernel's (NetworkManager's
  // `noprefixroute` plus its own route with a metric is the usual case).
  const written = new Set(routes.map((r) => `${r.table} ${r.dst} ${r.dev ?? ''}`));
  const main = [...kernel.main.filter((r) => !written.has(`main ${r.dst} ${r.dev ?? ''}`)), ...routes.filter((r) => r.table === 'main')].sort(fibOrder);
  const others = routes.filter((r) => r.table !== 'main' && r.table !== 'local');
  const local = [...kernel.local, ...routes.filter((r) => r.table === 'local')].sort(fibOrder);
  return [...main, ...others, ...local];
}

export function assembleNamespace(spec: NamespaceSpec): NetNamespace {
  const devices = spec.devices.map((d, i) => ({ ...d, index: i + 1 }) as Device);
  const kernel = kernelRoutes(devices);
  const base = {
    id: spec.id,
    ref: spec.ref,
    kind: spec.kind,
    node: spec.node,
    label: spec.label,
    devices,
    ...(spec.rules ? { rules: spec.rules } : {}),
    ipForward: spec.ipForward,
  };
  const peers = spec.peers;
  // Another main route to a peer's exact subnet would share its slot in the table, where order
  // decides; such a node lists its peers up front, as does one without any.
  const state = peers && ![...kernel.main, ...spec.routes].some((r) => r.table === 'main' && peers.claims(r.prefix)) ? peers : undefined;
  if (!state) {
    const listed = peers?.list();
    return {
      ...base,
      routes: routeTables(kernel, listed ? [...spec.routes, ...listed.routes] : spec.routes),
      neighbours: listed ? [...spec.neighbours, ...listed.neighbours] : spec.neighbours,
      fdb: listed ? [...spec.fdb, ...listed.fdb] : spec.fdb,
    };
  }
  let full: Pick<NetNamespace, 'routes' | 'neighbours' | 'fdb'> | undefined;
  const all = (): Pick<NetNamespace, 'routes' | 'neighbours' | 'fdb'> => {
    if (!full) {
      const listed = state.list();
      full = { routes: routeTables(kernel, [...spec.routes, ...listed.routes]), neighbours: [...spec.neighbours, ...listed.neighbours], fdb: [...spec.fdb, ...listed.fdb] };
    }
    return full;
  };
  return {
    ...base,
    get routes() {
      return all().routes;
    },
    get neighbours() {
      return all().neighbours;
    },
    get fdb() {
      return all().fdb;
    },
    peers: { routes: routeTables(kernel, spec.routes), neighbours: spec.neighbours, fdb: spec.fdb, state },
  };
}
