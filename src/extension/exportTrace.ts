import { formatHeader, formatStep, hopWhere, type Trace } from '../engine/index';

/** A trace as Markdown: one section per hop, headers outer to inner, then its steps. */
export function traceToMarkdown(title: string, trace: Trace): string {
  const lines = [`# ${title}`, '', `Disposition: **${trace.disposition}**`, ''];
  const leg = (t: Trace, prefix: string): void => {
    t.hops.forEach((hop, i) => {
      lines.push(`## ${prefix}${i + 1}. ${hopWhere(hop)}`, '');
      lines.push('```', ...hop.headers.map(formatHeader), '```', '');
      for (const s of hop.steps) lines.push(`- ${formatStep(s)}`);
      if (hop.steps.length > 0) lines.push('');
    });
    if (t.final.length > 0) {
      lines.push(`## ${prefix}final`, '');
      for (const s of t.final) lines.push(`- ${formatStep(s)}`);
      lines.push('');
    }
  };
  leg(trace, '');
  if (trace.reply) {
    lines.push(`# Reply: ${trace.reply.disposition}`, '');
    leg(trace.reply, 'reply ');
  }
  return lines.join('\n');
}

export function traceToJson(trace: Trace): string {
  return `${JSON.stringify(trace, null, 2)}\n`;
}
