/**
 * Route lookup as the kernel does it with the default rules: the `local` table first, then
 * `main`, longest prefix winning and the lowest metric among equals. Each namespace's tables are
 * indexed once, on its first lookup.
 */

import { ipToNum, prefixContains } from '../net/ipv4';
import { LpmTable } from '../net/lpm';
import type { Device, NetNamespace, Route, RoutingRule } from './types';

interface Tables {
  readonly local: LpmTable<Route>;
  readonly main: LpmTable<Route>;
  /** Tables other than local and main, by name (`2`, `default`), for `ip rule` lookups. */
  readonly others: ReadonlyMap<string, LpmTable<Route>>;
  readonly devices: ReadonlyMap<string, Device>;
  /** Adds to `main` the routes of the peers answered on demand that cover an address, once each. */
  readonly addPeers?: (address: number) => void;
}

// Keyed by an object that belongs to one topology and is never changed, with a value derived from that
// object alone: collected with it, and right for any topology that holds it (see model/caches.ts).
const indexed = new WeakMap<NetNamespace, Tables>();

function tablesOf(ns: NetNamespace): Tables {
  let t = indexed.get(ns);
  if (!t) {
    const others = new Map<string, LpmTable<Route>>();
    const main = new LpmTable<Route>();
    const peers = ns.peers;
    const added = new Set<Route>();
    const addPeers = peers
      ? (address: number): void => {
          for (const r of peers.state.routesCovering(address)) {
            if (added.has(r)) continue;
            added.add(r);
            main.insert(r.prefix, r);
          }
        }
      : undefined;
    t = { local: new LpmTable(), main, others, devices: new Map(ns.devices.map((d) => [d.name, d])), ...(addPeers ? { addPeers } : {}) };
    // A peer's route has a destination no listed route has, so it is alone in its slot of `main`.
    for (const r of peers?.routes ?? ns.routes) {
      if (r.table === 'local') t.local.insert(r.prefix, r);
      else if (r.table === 'main') t.main.insert(r.prefix, r);
      else {
        let table = others.get(r.table);
        if (!table) others.set(r.table, (table = new LpmTable()));
        table.insert(r.prefix, r);
      }
    }
    indexed.set(ns, t);
  }
  return t;
}

export function deviceOf(ns: NetNamespace, name: string): Device | undefined {
  return tablesOf(ns).devices.get(name);
}

/** The route the kernel picks for `dst`, or undefined (`Network is unreachable`). */
export function lookupRoute(ns: NetNamespace, dst: string): Route | undefined {
  const address = ipToNum(dst);
  const t = tablesOf(ns);
  return lookupLocal(t, address) ?? lookupTable(t, t.main, address);
}

function lookupLocal(t: Tables, address: number): Route | undefined {
  const local = t.local.lookup(address).find((r) => r.type === 'local' || r.type === 'broadcast');
  return local && (local.prefix.prefix === 32 || local.type === 'local') ? local : undefined;
}

function lookupTable(t: Tables, table: LpmTable<Route> | undefined, address: number): Route | undefined {
  if (!table) return undefined;
  if (table === t.main) t.addPeers?.(address);
  for (const bucket of table.matches(address)) {
    // Routes over a device that is down are not used; among the rest the lowest metric wins.
    const usable = bucket.filter((r) => !r.dev || t.devices.get(r.dev)?.up !== false);
    if (usable.length === 0) continue;
    return usable.reduce((best, r) => ((r.metric ?? 0) < (best.metric ?? 0) ? r : best));
  }
  return undefined;
}

/** What policy routing selects on: the packet's addresses, its mark, and the device it came in by (`lo` when sent locally). */
export interface RuleKey {
  readonly src: string;
  readonly dst: string;
  readonly mark: number;
  readonly iif: string;
}

/** A route and the `ip rule` whose table gave it (absent in a namespace with only the kernel's rules). */
export interface PolicyRoute {
  readonly route: Route;
  readonly rule?: RoutingRule;
}

function ruleMatches(r: RoutingRule, key: RuleKey, src: number, dst: number): boolean {
  if (!prefixContains(r.fromPrefix, src)) return false;
  if (r.toPrefix && !prefixContains(r.toPrefix, dst)) return false;
  if (r.fwmark && (key.mark & r.fwmark.mask) >>> 0 !== r.fwmark.value) return false;
  return r.iif === undefined || r.iif === key.iif;
}

/**
 * The route as the kernel's FIB rules find it: rules in priority order, each matching rule's table
 * consulted until one yields a route. Without rules of a CNI's own, the same as `lookupRoute`.
 */
export function lookupPolicyRoute(ns: NetNamespace, key: RuleKey): PolicyRoute | undefined {
  if (!ns.rules) {
    const route = lookupRoute(ns, key.dst);
    return route && { route };
  }
  const t = tablesOf(ns);
  const src = ipToNum(key.src);
  const dst = ipToNum(key.dst);
  for (const rule of ns.rules) {
    if (!ruleMatches(rule, key, src, dst)) continue;
    const table = rule.table === 'local' ? undefined : rule.table === 'main' ? t.main : t.others.get(rule.table);
    const route = rule.table === 'local' ? lookupLocal(t, dst) : lookupTable(t, table, dst);
    if (route) return { route, rule };
  }
  return undefined;
}

/** Whether `address` is one of the namespace's own (a `local` route covers it). */
export function isLocalAddress(ns: NetNamespace, address: string): boolean {
  return tablesOf(ns).local.lookup(ipToNum(address)).some((r) => r.type === 'local');
}

/** The source address the kernel picks for a route: its `src`, else the first address of its device. */
export function sourceAddressFor(ns: NetNamespace, route: Route): string | undefined {
  if (route.src) return route.src;
  const device = route.dev ? tablesOf(ns).devices.get(route.dev) : undefined;
  return device?.addresses.find((a) => a.scope === 'global')?.address;
}
