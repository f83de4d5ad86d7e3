/**
 * Per-peer CNI state answered on demand. An overlay node holds a route, a neighbour and an FDB
 * entry for every other node (15,000 entries a node at 5,000 nodes); building them all on a
 * node's first touch costs tens of milliseconds, yet a walk asks for one or two peers. A CNI
 * describes one peer's entries as seen from one node, and keys that name a peer whichever node
 * asks (its pod subnet, its VTEP address and MAC); the keys are indexed once per topology and a
 * node computes only the entries of the peers a lookup names.
 */

import type { NodeInfo, Topology } from '../model/types';
import { cacheSlot, topologyCaches } from '../model/caches';
import { LpmTable } from '../net/lpm';
import { parsePrefix } from '../net/ipv4';
import type { Cidr } from '../net/cidr';
import type { FdbEntry, Neighbour, PeerState, Route } from './types';

/** What one node holds for one peer; each part optional (a host-gw peer has only its route). */
export interface PeerEntries {
  readonly route?: Route;
  readonly neighbour?: Neighbour;
  readonly fdb?: FdbEntry;
}

/** How a CNI's per-peer state is keyed: the same for every node, so indexed once per topology. */
export interface PeerKeys {
  /** Names the index in the topology's cache (`flannel.1`), so two keyings never share one. */
  readonly id: string;
  /** The address of the peer's neighbour entry, whichever node holds it; absent when peers have none. */
  neighbourIp?(peer: NodeInfo): string;
  /** The MAC of the peer's FDB entry, whichever node holds it; absent when peers have none. */
  fdbMac?(peer: NodeInfo): string;
}

interface TopologyIndex {
  /** Nodes by pod subnet, in node order. */
  readonly subnets: LpmTable<NodeInfo>;
  readonly subnetKeys: ReadonlyMap<string, readonly NodeInfo[]>;
  byNeighbourIp?: Map<string, NodeInfo[]>;
  byFdbMac?: Map<string, NodeInfo[]>;
}

const indexesSlot = cacheSlot<Map<string, TopologyIndex>>('dataplane peer indexes');

function prefixKey(p: Cidr): string {
  return `${p.base}/${p.prefix}`;
}

function push<K>(map: Map<K, NodeInfo[]>, key: K, node: NodeInfo): void {
  const list = map.get(key);
  if (list) list.push(node);
  else map.set(key, [node]);
}

function indexOf(topology: Topology, keys: PeerKeys): TopologyIndex {
  const byId = topologyCaches(topology).get(indexesSlot, () => new Map<string, TopologyIndex>());
  let index = byId.get(keys.id);
  if (!index) {
    const subnets = new LpmTable<NodeInfo>();
    const subnetKeys = new Map<string, NodeInfo[]>();
    for (const node of topology.nodes) {
      const prefix = parsePrefix(node.podCIDR);
      if (!prefix) continue;
      subnets.insert(prefix, node);
      push(subnetKeys, prefixKey(prefix), node);
    }
    index = { subnets, subnetKeys };
    byId.set(keys.id, index);
  }
  return index;
}

/**
 * `node`'s state for every other node of the topology, as `entries` gives it for one peer, answered
 * for the peers a lookup names and listed in node order when asked for all.
 */
export function implicitPeers(topology: Topology, node: NodeInfo, keys: PeerKeys, entries: (peer: NodeInfo) => PeerEntries | undefined): PeerState {
  const index = indexOf(topology, keys);
  const known = new Map<NodeInfo, PeerEntries | undefined>();
  const of = (peer: NodeInfo): PeerEntries | undefined => {
    if (peer.name === node.name) return undefined;
    if (known.has(peer)) return known.get(peer);
    const e = entries(peer);
    known.set(peer, e);
    return e;
  };
  const neighbourIndex = (key: (peer: NodeInfo) => string): Map<string, NodeInfo[]> => {
    if (!index.byNeighbourIp) {
      index.byNeighbourIp = new Map();
      for (const n of topology.nodes) push(index.byNeighbourIp, key(n), n);
    }
    return index.byNeighbourIp;
  };
  const fdbIndex = (key: (peer: NodeInfo) => string): Map<string, NodeInfo[]> => {
    if (!index.byFdbMac) {
      index.byFdbMac = new Map();
      for (const n of topology.nodes) push(index.byFdbMac, key(n), n);
    }
    return index.byFdbMac;
  };
  return {
    routesCovering(address) {
      const routes: Route[] = [];
      for (const bucket of index.subnets.matches(address)) {
        for (const peer of bucket) {
          const route = of(peer)?.route;
          if (route) routes.push(route);
        }
      }
      return routes;
    },
    neighbour(dev, ip) {
      if (!keys.neighbourIp) return undefined;
      for (const peer of neighbourIndex(keys.neighbourIp).get(ip) ?? []) {
        const n = of(peer)?.neighbour;
        if (n && n.dev === dev && n.ip === ip && n.lladdr && !n.proxy) return n;
      }
      return undefined;
    },
    remote(dev, mac, self) {
      if (!keys.fdbMac) return undefined;
      for (const peer of fdbIndex(keys.fdbMac).get(mac) ?? []) {
        const e = of(peer)?.fdb;
        if (e && e.dev === dev && e.mac === mac && e.dst && (!self || e.self)) return e;
      }
      return undefined;
    },
    claims(prefix) {
      return (index.subnetKeys.get(prefixKey(prefix)) ?? []).some((peer) => peer.name !== node.name);
    },
    list() {
      const routes: Route[] = [];
      const neighbours: Neighbour[] = [];
      const fdb: FdbEntry[] = [];
      for (const peer of topology.nodes) {
        const e = of(peer);
        if (e?.route) routes.push(e.route);
        if (e?.neighbour) neighbours.push(e.neighbour);
        if (e?.fdb) fdb.push(e.fdb);
      }
      return { routes, neighbours, fdb };
    },
  };
}
