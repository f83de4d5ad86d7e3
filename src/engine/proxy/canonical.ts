/**
 * The canonical order of kube-proxy's golden tests (sortIPTablesRules in proxier_test.go):
 * kube-proxy walks its service map in Go's random map order, so its tests sort the payload before
 * comparing, and so does this view. Tables by name; in a table KUBE-NODEPORTS, then KUBE-SERVICES,
 * then other KUBE- chains alphabetically, then the rest; rules grouped by chain; the rules of
 * KUBE-NODEPORTS and KUBE-SERVICES stably ordered by the service name in their comment, the nat
 * KUBE-SERVICES rule that "must be the last rule" kept last.
 */

import type { TableBuilder } from './iptables';

/** The value of `--comment`, unquoted; undefined when the rule has none. */
export function commentOf(rule: string): string | undefined {
  const i = rule.indexOf('--comment ');
  if (i < 0) return undefined;
  const rest = rule.slice(i + 10);
  if (rest.startsWith('"')) {
    const end = rest.indexOf('"', 1);
    return rest.slice(1, end < 0 ? undefined : end);
  }
  const sp = rest.indexOf(' ');
  return sp < 0 ? rest : rest.slice(0, sp);
}

/** The service name of a comment: up to the first space or colon. */
function serviceNameOf(rule: string): string | undefined {
  const c = commentOf(rule);
  if (c === undefined) return undefined;
  const m = /[ :]/.exec(c);
  return m ? c.slice(0, m.index) : c;
}

export function compareChains(a: string, b: string): number {
  if (a === b) return 0;
  if (a === 'KUBE-NODEPORTS') return -1;
  if (b === 'KUBE-NODEPORTS') return 1;
  if (a === 'KUBE-SERVICES') return -1;
  if (b === 'KUBE-SERVICES') return 1;
  const ka = a.startsWith('KUBE-'), kb = b.startsWith('KUBE-');
  if (ka !== kb) return ka ? -1 : 1;
  return a < b ? -1 : 1;
}

/** Stable sort by service name; rules without a comment compare equal to everything, as upstream's. */
function byServiceName(rules: readonly string[], lastRule: (rule: string) => boolean): string[] {
  const keyed = rules.map((rule, index) => ({ rule, index, last: lastRule(rule), name: serviceNameOf(rule) }));
  keyed.sort((x, y) => {
    if (x.last !== y.last) return x.last ? 1 : -1;
    if (x.name !== undefined && y.name !== undefined && x.name !== y.name) return x.name < y.name ? -1 : 1;
    return x.index - y.index;
  });
  return keyed.map((k) => k.rule);
}

const mustBeLast = (rule: string): boolean => (commentOf(rule) ?? '').includes('must be the last rule');

/** One table in canonical order: `*name`, chain lines, rules, `COMMIT`. */
export function canonicalTable(table: TableBuilder, out: string[]): void {
  out.push(`*${table.name}`);
  const chains = [...table.chains].sort(compareChains);
  for (const c of chains) out.push(`:${c} - [0:0]`);
  for (const c of chains) {
    let rules = table.rules.get(c)!;
    if (c === 'KUBE-NODEPORTS') rules = byServiceName(rules, () => false);
    else if (c === 'KUBE-SERVICES') rules = byServiceName(rules, table.name === 'nat' ? mustBeLast : () => false);
    for (const r of rules) out.push(r);
  }
  out.push('COMMIT');
}
