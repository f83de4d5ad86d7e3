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

/** KUBE-NODEPORTS, KUBE-SERVICES, the other KUBE- chains, then the rest, each group as plain strings sort. */
function sortedChains(chains: readonly string[]): string[] {
  const kube: string[] = [];
  const other: string[] = [];
  let nodePorts = false, services = false;
  for (const c of chains) {
    if (c === 'KUBE-NODEPORTS') nodePorts = true;
    else if (c === 'KUBE-SERVICES') services = true;
    else (c.startsWith('KUBE-') ? kube : other).push(c);
  }
  kube.sort();
  other.sort();
  return [...(nodePorts ? ['KUBE-NODEPORTS'] : []), ...(services ? ['KUBE-SERVICES'] : []), ...kube, ...other];
}

/** Whether `rules` is already in byServiceName's order, checked in one pass (it usually is). */
function inServiceNameOrder(rules: readonly string[], lastRule: (rule: string) => boolean): boolean {
  let previous: string | undefined;
  let sawLast = false;
  for (const rule of rules) {
    if (lastRule(rule)) {
      sawLast = true;
      continue;
    }
    if (sawLast) return false;
    const name = serviceNameOf(rule);
    if (name === undefined) continue;
    if (previous !== undefined && name < previous) return false;
    previous = name;
  }
  return true;
}

/**
 * One table in canonical order: `*name`, chain lines, rules, `COMMIT`, pushed onto `out` as lines
 * or blocks of lines (sealed chains), to be joined by newlines.
 */
export function canonicalTable(table: TableBuilder, out: string[]): void {
  out.push(`*${table.name}`);
  const chains = sortedChains(table.chains);
  if (chains.length > 0) out.push(chains.map((c) => `:${c} - [0:0]`).join('\n'));
  for (const c of chains) {
    let rules = table.rules.get(c)!;
    const last = c === 'KUBE-SERVICES' && table.name === 'nat' ? mustBeLast : () => false;
    if ((c === 'KUBE-NODEPORTS' || c === 'KUBE-SERVICES') && !inServiceNameOrder(rules, last)) rules = byServiceName(rules, last);
    for (const r of rules) out.push(r);
  }
  out.push('COMMIT');
}
