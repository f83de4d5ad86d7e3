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

/** The service name a comment starts with: up to the first space or colon. */
export function commentServiceName(comment: string): string {
  const m = /[ :]/.exec(comment);
  return m ? comment.slice(0, m.index) : comment;
}

function serviceNameOf(rule: string): string | undefined {
  const c = commentOf(rule);
  return c === undefined ? undefined : commentServiceName(c);
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

/**
 * A chain's group in the canonical order: KUBE-NODEPORTS, KUBE-SERVICES, the other KUBE- chains,
 * then the rest; within a group chains sort as plain strings.
 */
export function chainGroup(chain: string): number {
  return chain === 'KUBE-NODEPORTS' ? 0 : chain === 'KUBE-SERVICES' ? 1 : chain.startsWith('KUBE-') ? 2 : 3;
}

/** Whether chain `a` comes before chain `b` in the canonical order. */
export function chainBefore(a: string, b: string): boolean {
  const ga = chainGroup(a), gb = chainGroup(b);
  return ga !== gb ? ga < gb : a < b;
}

/** The chains in canonical order (see chainGroup), each group as plain strings sort. */
function sortedChains(chains: readonly string[]): string[] {
  const kube: string[] = [];
  const other: string[] = [];
  let nodePorts = false, services = false;
  for (const c of chains) {
    const group = chainGroup(c);
    if (group === 0) nodePorts = true;
    else if (group === 1) services = true;
    else (group === 2 ? kube : other).push(c);
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
