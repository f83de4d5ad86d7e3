/**
 * Route lookup as the kernel does it with the default rules: the `local` table first, then
 * `main`, longest prefix winning and the lowest metric among equals. Each namespace's tables are
 * indexed once, on its first lookup.
 */

import { ipToNum } from '../net/ipv4';
import { LpmTable } from '../net/lpm';
import type { Device, NetNamespace, Route } from './types';

interface Tables {
  readonly local: LpmTable<Route>;
  readonly main: LpmTable<Route>;
  readonly devices: ReadonlyMap<string, Device>;
}

const indexed = new WeakMap<NetNamespace, Tables>();

function tablesOf(ns: NetNamespace): Tables {
  let t = indexed.get(ns);
  if (!t) {
    t = { local: new LpmTable(), main: new LpmTable(), devices: new Map(ns.devices.map((d) => [d.name, d])) };
    for (const r of ns.routes) {
      if (r.table === 'local') t.local.insert(r.prefix, r);
      else if (r.table === 'main') t.main.insert(r.prefix, r);
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
  const local = t.local.lookup(address).find((r) => r.type === 'local' || r.type === 'broadcast');
  if (local && (local.prefix.length === 32 || local.type === 'local')) return local;
  for (const bucket of t.main.matches(address)) {
    // Routes over a device that is down are not used; among the rest the lowest metric wins.
    const usable = bucket.filter((r) => !r.dev || t.devices.get(r.dev)?.up !== false);
    if (usable.length === 0) continue;
    return usable.reduce((best, r) => ((r.metric ?? 0) < (best.metric ?? 0) ? r : best));
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
