/**
 * Reads a route written the way `ip route` prints it (the Cluster document's `routes:` use that
 * form), so what a user pastes from a node is what the node gets.
 */

import { route } from './assemble';
import type { Route, RouteProto, RouteType, Scope } from './types';

const types: readonly RouteType[] = ['unicast', 'local', 'broadcast', 'blackhole', 'unreachable', 'prohibit'];
const protos: readonly RouteProto[] = ['kernel', 'boot', 'static', 'dhcp', 'bird', 'ra', 'redirect', '80'];
const scopes: readonly Scope[] = ['global', 'link', 'host'];

function oneOf<T extends string>(values: readonly T[], word: string | undefined): T | undefined {
  return values.find((v) => v === word);
}

/** The route, or undefined when the line is not one `ip route` would print. */
export function parseRouteLine(line: string): Route | undefined {
  const words = line.trim().split(/\s+/);
  let i = 0;
  const type = oneOf(types, words[0]);
  if (type) i++;
  const dst = words[i++];
  if (!dst) return undefined;
  let via: string | undefined;
  let dev: string | undefined;
  let proto: RouteProto | undefined;
  let scope: Scope | undefined;
  let src: string | undefined;
  let metric: number | undefined;
  let table: string | undefined;
  let onlink = false;
  while (i < words.length) {
    const key = words[i++];
    const value = words[i];
    switch (key) {
      case 'via':
        via = value;
        i++;
        break;
      case 'dev':
        dev = value;
        i++;
        break;
      case 'proto':
        proto = oneOf(protos, value);
        if (!proto) return undefined;
        i++;
        break;
      case 'scope':
        scope = oneOf(scopes, value);
        if (!scope) return undefined;
        i++;
        break;
      case 'src':
        src = value;
        i++;
        break;
      case 'metric':
        metric = Number(value);
        if (!Number.isInteger(metric)) return undefined;
        i++;
        break;
      case 'table':
        table = value;
        i++;
        break;
      case 'onlink':
        onlink = true;
        break;
      case 'linkdown':
        break;
      default:
        return undefined;
    }
  }
  try {
    return route({
      dst,
      ...(type ? { type } : {}),
      ...(via ? { via } : {}),
      ...(dev ? { dev } : {}),
      ...(proto && proto !== 'boot' ? { proto } : {}),
      ...(scope ? { scope } : type === 'blackhole' || type === 'unreachable' || type === 'prohibit' ? { scope: 'global' as const } : {}),
      ...(src ? { src } : {}),
      ...(metric !== undefined ? { metric } : {}),
      ...(table ? { table } : {}),
      onlink,
    });
  } catch {
    return undefined;
  }
}
