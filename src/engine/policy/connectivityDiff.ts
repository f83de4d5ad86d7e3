/**
 * What a change to a topology opens and closes: the connections of two analyses compared pair by
 * pair (by endpoint id), as added, removed, or changed (both allow something, not the same).
 * Printed in the formats `reach` offers; the JSON lists the changes with both sets as text.
 */

import { formatSet } from './connections';
import type { Connectivity } from './connectivity';
import { csvField, dotId, type Format } from './connectivityText';

export type ChangeKind = 'added' | 'removed' | 'changed';

export interface ConnectionChange {
  readonly kind: ChangeKind;
  readonly from: string;
  readonly to: string;
  /** The set before, formatted; absent for an added connection. */
  readonly old?: string;
  readonly new?: string;
}

export function diffConnectivity(before: Connectivity, after: Connectivity): ConnectionChange[] {
  const key = (from: string, to: string): string => `${from}\n${to}`;
  const old = new Map(before.connections.map((c) => [key(c.from, c.to), formatSet(c.set)]));
  const changes: ConnectionChange[] = [];
  const seen = new Set<string>();
  for (const c of after.connections) {
    const k = key(c.from, c.to);
    seen.add(k);
    const now = formatSet(c.set);
    const was = old.get(k);
    if (was === undefined) changes.push({ kind: 'added', from: c.from, to: c.to, new: now });
    else if (was !== now) changes.push({ kind: 'changed', from: c.from, to: c.to, old: was, new: now });
  }
  for (const c of before.connections) {
    if (!seen.has(key(c.from, c.to))) changes.push({ kind: 'removed', from: c.from, to: c.to, old: formatSet(c.set) });
  }
  return changes;
}

const dotColour: Record<ChangeKind, string> = { added: 'darkgreen', removed: 'red', changed: 'orange' };

/** txt: `added   a => b : TCP 80`, `removed …`, `changed a => b : TCP 80 -> TCP 80,443`. */
export function formatDiff(changes: readonly ConnectionChange[], format: Format): string {
  const text = (c: ConnectionChange): string => (c.kind === 'changed' ? `${c.old} -> ${c.new}` : (c.new ?? c.old)!);
  switch (format) {
    case 'txt':
      return changes.map((c) => `${c.kind.padEnd(7)} ${c.from} => ${c.to} : ${text(c)}`).join('\n');
    case 'json':
      return JSON.stringify({ changes: changes.map((c) => ({ change: c.kind, src: c.from, dst: c.to, ...(c.old ? { old: c.old } : {}), ...(c.new ? { new: c.new } : {}) })) }, null, 2);
    case 'csv':
      return ['change,src,dst,old,new', ...changes.map((c) => [c.kind, c.from, c.to, c.old ?? '', c.new ?? ''].map(csvField).join(','))].join('\n');
    case 'md':
      return ['| change | src | dst | before | after |', '|--------|-----|-----|--------|-------|', ...changes.map((c) => `| ${c.kind} | ${[c.from, c.to, c.old ?? '', c.new ?? ''].map((x) => x.replace(/\|/g, '\\|')).join(' | ')} |`)].join('\n');
    case 'dot': {
      return ['digraph changes {', ...changes.map((c) => `  ${dotId(c.from)} -> ${dotId(c.to)} [label=${dotId(`${c.kind}: ${text(c)}`)}, color=${dotColour[c.kind]}];`), '}'].join('\n');
    }
  }
}
