/** The steps the walk records that more than one of its parts builds, built in one place. */

import type { NetNamespace, Neighbour, Route, RoutingRule } from '../dataplane/types';
import { formatNeighbour } from '../render/neigh';
import { formatRoute } from '../render/routes';
import { formatRule } from '../render/rules';
import type { Step } from './types';

export function note(text: string): Step {
  return { kind: 'note', text };
}

/** The routing decision, as `ip route get` would name it; `rule`: the policy rule that chose its table. */
export function routeStep(route: Route, ns: NetNamespace, rule?: RoutingRule): Step {
  return { kind: 'route', table: route.table, line: formatRoute(route, ns), outDevice: route.dev ?? '', ...(route.via ? { nextHop: route.via } : {}), ...(rule ? { rule: formatRule(rule) } : {}) };
}

/** The neighbour entry the next hop resolved to, and whether ARP had to ask for it. */
export function neighbourStep(resolved: { readonly entry: Neighbour; readonly byArp: boolean }): Step {
  return { kind: 'neighbour', line: formatNeighbour(resolved.entry), resolvedByArp: resolved.byArp };
}
