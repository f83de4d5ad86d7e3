/**
 * `ip rule` text: the policy routing rules of a namespace, one line each as `ip rule show` prints
 * them (`512:\tfrom all to 10.0.1.5 lookup main`).
 */

import type { NetNamespace, RoutingRule } from '../dataplane/types';

export function formatRule(r: RoutingRule): string {
  const parts = [`from ${r.from}`];
  if (r.to) parts.push(`to ${r.to}`);
  if (r.fwmark) parts.push(`fwmark 0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}`);
  if (r.iif) parts.push(`iif ${r.iif}`);
  return `${r.priority}:\t${parts.join(' ')} lookup ${r.table}`;
}

/** The kernel's three rules when the namespace has none of its own. */
const defaults = ['0:\tfrom all lookup local', '32766:\tfrom all lookup main', '32767:\tfrom all lookup default'];

export function renderRules(ns: NetNamespace): string {
  const lines = ns.rules ? ns.rules.map(formatRule) : defaults;
  return lines.map((l) => `${l}\n`).join('');
}
