/**
 * The `--json` views of the CLI: the model's own records, printed as JSON. Numeric prefixes (kept
 * for fast lookups next to their text) print as CIDR text, so a script reads what `ip` prints.
 */

import type { NetNamespace } from '../dataplane/types';
import { formatCidr, type Cidr } from '../net/cidr';
import { bridgesByName } from './bridges';
import { fdbInDumpOrder } from './fdb';

function isPrefix(v: unknown): v is Cidr {
  if (v === null || typeof v !== 'object') return false;
  const keys = Object.keys(v);
  return keys.length === 2 && typeof (v as { base?: unknown }).base === 'number' && typeof (v as { prefix?: unknown }).prefix === 'number';
}

/** JSON with two-space indents; a `{base, prefix}` Cidr as its CIDR text. */
export function toJson(value: unknown): string {
  return JSON.stringify(value, (_key, v: unknown) => (isPrefix(v) ? formatCidr(v) : v), 2);
}

export const showTables = ['routes', 'neigh', 'fdb', 'links', 'addrs', 'bridges', 'rules'] as const;
export type ShowTable = (typeof showTables)[number];

/** The kernel's three rules when a namespace has none of its own, as records. */
const defaultRules = [
  { priority: 0, from: 'all', table: 'local' },
  { priority: 32766, from: 'all', table: 'main' },
  { priority: 32767, from: 'all', table: 'default' },
];

/** The records behind one `show` table: what `ip route`, `ip neigh`, `bridge fdb`, `ip link`, `ip addr` and `ip rule` print, one object a line. */
export function showRecords(ns: NetNamespace, table: ShowTable): readonly unknown[] {
  switch (table) {
    case 'routes':
      // The main table, as `ip route` (and the text view) shows it.
      return ns.routes.filter((r) => r.table === 'main');
    case 'neigh':
      return ns.neighbours;
    case 'fdb':
      return fdbInDumpOrder(ns);
    case 'links':
      return ns.devices;
    case 'addrs':
      return ns.devices.map((d) => ({ name: d.name, index: d.index, addresses: d.addresses }));
    case 'bridges':
      return bridgesByName(ns);
    case 'rules':
      return ns.rules ?? defaultRules;
  }
}

export interface RestoreTable {
  readonly name: string;
  /** Each chain the table declares, with its policy for a built-in chain (`-` for a user chain). */
  readonly chains: readonly { readonly name: string; readonly policy: string }[];
  /** The rules in payload order: the chain and the rest of the `-A CHAIN …` line. */
  readonly rules: readonly { readonly chain: string; readonly rule: string }[];
}

/** An iptables-restore or iptables-save payload as tables of chains and rules, in the payload's order. */
export function restoreTables(text: string): RestoreTable[] {
  const tables: { name: string; chains: { name: string; policy: string }[]; rules: { chain: string; rule: string }[] }[] = [];
  let current: (typeof tables)[number] | undefined;
  for (const line of text.split('\n')) {
    if (line.startsWith('*')) tables.push((current = { name: line.slice(1), chains: [], rules: [] }));
    else if (!current) continue;
    else if (line.startsWith(':')) {
      const [name, policy] = line.slice(1).split(' ');
      current.chains.push({ name: name!, policy: policy ?? '-' });
    } else if (line.startsWith('-A ')) {
      const space = line.indexOf(' ', 3);
      current.rules.push(space < 0 ? { chain: line.slice(3), rule: '' } : { chain: line.slice(3, space), rule: line.slice(space + 1) });
    }
  }
  return tables;
}
