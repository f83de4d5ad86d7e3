/**
 * Neighbour and FDB lookups over a namespace's tables. A node of a large overlay holds an entry
 * per peer (5,000 neighbours and FDB entries on flannel.1 at 5,000 nodes), so each namespace's
 * tables are indexed once, on its first lookup; each lookup answers what the first matching entry
 * in table order would, as a scan of the list does.
 */

import type { FdbEntry, NetNamespace, Neighbour } from './types';

interface Index {
  /** `dev ip` → the first entry with a link-layer address that is not a proxy entry. */
  readonly neighbours: ReadonlyMap<string, Neighbour>;
  /** `bridge mac` → whether the bridge has the MAC as one of its own (a `local` entry). */
  readonly bridgeLocal: ReadonlySet<string>;
  /** `bridge mac` → the first learned or static entry of a port. */
  readonly bridgePort: ReadonlyMap<string, FdbEntry>;
  /** `dev mac` → the first entry with a remote (`dst`), and the first such `self` entry. */
  readonly remote: ReadonlyMap<string, FdbEntry>;
  readonly selfRemote: ReadonlyMap<string, FdbEntry>;
}

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const indexed = new WeakMap<NetNamespace, Index>();

function first<T>(map: Map<string, T>, key: string, value: T): void {
  if (!map.has(key)) map.set(key, value);
}

function indexOf(ns: NetNamespace): Index {
  let index = indexed.get(ns);
  if (index) return index;
  const neighbours = new Map<string, Neighbour>();
  // Peers answered on demand come after every listed entry, so the listed ones are looked up first.
  for (const n of ns.peers?.neighbours ?? ns.neighbours) if (n.lladdr && !n.proxy) first(neighbours, `${n.dev} ${n.ip}`, n);
  const bridgeLocal = new Set<string>();
  const bridgePort = new Map<string, FdbEntry>();
  const remote = new Map<string, FdbEntry>();
  const selfRemote = new Map<string, FdbEntry>();
  for (const e of ns.peers?.fdb ?? ns.fdb) {
    if (e.master !== undefined) {
      if (e.local) bridgeLocal.add(`${e.master} ${e.mac}`);
      else first(bridgePort, `${e.master} ${e.mac}`, e);
    }
    if (e.dst) {
      first(remote, `${e.dev} ${e.mac}`, e);
      if (e.self) first(selfRemote, `${e.dev} ${e.mac}`, e);
    }
  }
  index = { neighbours, bridgeLocal, bridgePort, remote, selfRemote };
  indexed.set(ns, index);
  return index;
}

/** The neighbour entry that answers for `ip` on `dev` without ARP (`ip neigh` with an lladdr, not proxy). */
export function knownNeighbour(ns: NetNamespace, dev: string, ip: string): Neighbour | undefined {
  return indexOf(ns).neighbours.get(`${dev} ${ip}`) ?? ns.peers?.state.neighbour(dev, ip);
}

/** Whether `mac` is one of `bridge`'s own addresses (a `master BRIDGE permanent` local entry). */
export function isBridgeOwnMac(ns: NetNamespace, bridge: string, mac: string): boolean {
  return indexOf(ns).bridgeLocal.has(`${bridge} ${mac}`);
}

/** The entry of `bridge`'s FDB that sends `mac` out one of its ports. */
export function bridgePortEntry(ns: NetNamespace, bridge: string, mac: string): FdbEntry | undefined {
  return indexOf(ns).bridgePort.get(`${bridge} ${mac}`);
}

/** The tunnel remote for `mac` on `dev` (`dst …`); with `self`, only entries in the device's own table. */
export function remoteEntry(ns: NetNamespace, dev: string, mac: string, self = false): FdbEntry | undefined {
  const index = indexOf(ns);
  return (self ? index.selfRemote : index.remote).get(`${dev} ${mac}`) ?? ns.peers?.state.remote(dev, mac, self);
}
