/**
 * `reach` output: one `ns/a => ns/b : TCP 80` line per allowed pair, or a truth table printed as
 * the upstream e2e suite's TruthTable.PrettyPrint does (tab-separated, `.` allowed, `X` denied,
 * rows are sources, columns destinations), with `-` where no verdict exists (external to external).
 */

import { isReachPair, type ReachMatrix } from './reach';

export function formatReachLines(m: ReachMatrix): string[] {
  const lines: string[] = [];
  const suffix = ` : ${m.query.protocol} ${m.query.port}`;
  m.endpoints.forEach((from, f) => {
    const row = m.rows[f]!;
    m.endpoints.forEach((to, t) => {
      if (isReachPair(m, f, t) && row.has(t)) lines.push(`${from.id} => ${to.id}${suffix}`);
    });
  });
  return lines;
}

export function formatTruthTable(m: ReachMatrix): string {
  const ids = m.endpoints.map((e) => e.id);
  const lines = [['-\t', ...ids].join('\t')];
  m.endpoints.forEach((from, f) => {
    const marks = m.endpoints.map((to, t) => {
      const answered = f === t || from.pod !== undefined || to.pod !== undefined;
      return `${!answered ? '-' : m.rows[f]!.has(t) ? '.' : 'X'}\t`;
    });
    lines.push([from.id, ...marks].join('\t'));
  });
  return lines.join('\n');
}
