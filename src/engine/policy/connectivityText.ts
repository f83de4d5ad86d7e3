/**
 * The connectivity analysis as text, in the formats `reach` offers: `txt` lines
 * (`ns/a[Deployment] => ns/b[StatefulSet] : TCP 80,443; UDP 53`), `json` (schemas/connectivity.schema.json),
 * `csv` (RFC 4180, header `src,dst,conn`), `md` (a table), and `dot` (a Graphviz digraph, quoted
 * ids, the connection set as each edge's label).
 */

import { formatSet } from './connections';
import type { Connectivity } from './connectivity';

export const FORMATS = ['txt', 'json', 'csv', 'md', 'dot'] as const;
export type Format = (typeof FORMATS)[number];

export function csvField(text: string): string {
  return /[",\n]/.test(text) ? `"${text.replace(/"/g, '""')}"` : text;
}

/** Graphviz's quoted ID: only `"` needs escaping (and a backslash, to stay literal). */
export function dotId(text: string): string {
  return `"${text.replace(/\\/g, '\\\\').replace(/"/g, '\\"')}"`;
}

function mdCell(text: string): string {
  return text.replace(/\|/g, '\\|');
}

export function formatConnectivity(c: Connectivity, format: Format): string {
  const rows = c.connections.map((x) => ({ from: x.from, to: x.to, conn: formatSet(x.set), set: x.set }));
  switch (format) {
    case 'txt':
      return [...rows.map((r) => `${r.from} => ${r.to} : ${r.conn}`), ...c.notes.map((n) => `note: ${n}`)].join('\n');
    case 'json':
      return JSON.stringify(
        {
          enforced: c.enforced,
          endpoints: c.endpoints.map((e) => ({ id: e.id, kind: e.kind, pods: e.pods, ...(e.split ? { split: e.split } : {}) })),
          connections: rows.map((r) => ({ src: r.from, dst: r.to, conn: r.conn, ports: r.set })),
          notes: c.notes,
        },
        null,
        2,
      );
    case 'csv':
      return ['src,dst,conn', ...rows.map((r) => [r.from, r.to, r.conn].map(csvField).join(','))].join('\n');
    case 'md':
      return ['| src | dst | conn |', '|-----|-----|------|', ...rows.map((r) => `| ${mdCell(r.from)} | ${mdCell(r.to)} | ${mdCell(r.conn)} |`), ...c.notes.map((n) => `\n> ${mdCell(n)}`)].join('\n');
    case 'dot': {
      const nodes = c.endpoints.map((e) => `  ${dotId(e.id)} [shape=${e.kind === 'range' || e.kind === 'external' ? 'box' : 'ellipse'}];`);
      const edges = rows.map((r) => `  ${dotId(r.from)} -> ${dotId(r.to)} [label=${dotId(r.conn)}];`);
      return ['digraph connectivity {', ...nodes, ...edges, '}'].join('\n');
    }
  }
}
