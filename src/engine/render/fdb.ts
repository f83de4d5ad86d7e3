/** `bridge fdb show` as iproute2 prints it. */

import type { FdbEntry, NetNamespace } from '../dataplane/types';

export function formatFdb(e: FdbEntry): string {
  const parts = [e.mac, 'dev', e.dev];
  if (e.vlan !== undefined) parts.push('vlan', String(e.vlan));
  if (e.dst) parts.push('dst', e.dst);
  // The kernel reports an entry's VNI only where it differs from the device's, which is when the model sets it.
  if (e.vni !== undefined) parts.push('vni', String(e.vni));
  if (e.self) parts.push('self');
  if (e.master) parts.push('master', e.master);
  // A learned entry has no state word; iproute2 still prints the separating space.
  parts.push(e.permanent ? 'permanent' : '');
  return parts.join(' ');
}

/** Entries grouped by device in ifindex order, as the kernel dumps them. */
export function fdbInDumpOrder(ns: NetNamespace): FdbEntry[] {
  const order = new Map(ns.devices.map((d) => [d.name, d.index]));
  return [...ns.fdb]
    .map((e, i) => ({ e, i }))
    .sort((a, b) => (order.get(a.e.dev) ?? 0) - (order.get(b.e.dev) ?? 0) || a.i - b.i)
    .map(({ e }) => e);
}

export function renderFdb(ns: NetNamespace): string {
  return fdbInDumpOrder(ns).map((e) => `${formatFdb(e)}\n`).join('');
}
