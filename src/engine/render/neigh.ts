/** `ip neigh` as iproute2 prints it. */

import type { NetNamespace, Neighbour } from '../dataplane/types';

export function formatNeighbour(n: Neighbour): string {
  const parts = [n.ip, 'dev', n.dev];
  if (n.lladdr) parts.push('lladdr', n.lladdr);
  if (n.router) parts.push('router');
  if (n.proxy) parts.push('proxy');
  else parts.push(n.state);
  return parts.join(' ');
}

/** `ip neigh show` (and `ip neigh show proxy` entries after it); each line ends with a space. */
export function renderNeighbours(ns: NetNamespace): string {
  return [...ns.neighbours.filter((n) => !n.proxy), ...ns.neighbours.filter((n) => n.proxy)].map((n) => `${formatNeighbour(n)} \n`).join('');
}
