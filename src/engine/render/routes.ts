/** `ip route` as iproute2 prints it: one route per line, fields in its order. */

import type { NetNamespace, Route } from '../dataplane/types';

/** One route without the trailing space iproute2 adds; `showTable` for `table all` listings. */
export function formatRoute(route: Route, ns?: NetNamespace, showTable = false): string {
  const parts: string[] = [];
  if (route.type !== 'unicast') parts.push(route.type);
  parts.push(route.dst);
  if (route.via) parts.push('via', route.via);
  if (route.dev) parts.push('dev', route.dev);
  if (showTable && route.table !== 'main') parts.push('table', route.table);
  if (route.proto) parts.push('proto', route.proto);
  if (route.scope !== 'global') parts.push('scope', route.scope);
  if (route.src) parts.push('src', route.src);
  if (route.metric !== undefined) parts.push('metric', String(route.metric));
  if (route.onlink) parts.push('onlink');
  const device = route.dev && ns ? ns.devices.find((d) => d.name === route.dev) : undefined;
  if (device?.noCarrier) parts.push('linkdown');
  return parts.join(' ');
}

/** `ip route show [table T]`: iproute2 ends every line with a space. */
export function renderRoutes(ns: NetNamespace, table = 'main'): string {
  return ns.routes
    .filter((r) => table === 'all' || r.table === table)
    .map((r) => `${formatRoute(r, ns, table === 'all')} \n`)
    .join('');
}
