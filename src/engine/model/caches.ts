/**
 * The derived indexes and tables of one topology, in one object that lives exactly as long as
 * the topology: `createEngine` creates it (and keeps it on the engine), and every layer that
 * memoises something about the whole topology asks for its slot here instead of keeping a
 * module-level table of its own. A new topology (a reload, a second engine in one process) gets
 * a new, empty object, so nothing computed for one topology is ever read for another.
 *
 * The builders and lookups that fill these slots are reached from places that hold only the
 * topology (a CNI builder, the dataplane's peer lookup), so the object is found from the topology
 * through the one weak table below; it is collected with the topology.
 */

import type { Topology } from './types';

/** A named slot holding one kind of value. */
export interface CacheSlot<T> {
  readonly name: string;
  /** Phantom: ties the slot to the type stored in it. */
  readonly _type?: T;
}

export function cacheSlot<T>(name: string): CacheSlot<T> {
  return { name };
}

export interface TopologyCaches {
  readonly topology: Topology;
  /** The slot's value for this topology, built on first use. */
  get<T>(slot: CacheSlot<T>, build: () => T): T;
}

const owners = new WeakMap<Topology, TopologyCaches>();

function newCaches(topology: Topology): TopologyCaches {
  const values = new Map<CacheSlot<unknown>, unknown>();
  return {
    topology,
    get<T>(slot: CacheSlot<T>, build: () => T): T {
      if (values.has(slot)) return values.get(slot) as T;
      const value = build();
      values.set(slot, value);
      return value;
    },
  };
}

/** The topology's caches: the same object for every caller as long as the topology lives. */
export function topologyCaches(topology: Topology): TopologyCaches {
  let caches = owners.get(topology);
  if (!caches) owners.set(topology, (caches = newCaches(topology)));
  return caches;
}
