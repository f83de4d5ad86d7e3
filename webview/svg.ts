import type cytoscape from 'cytoscape';

/** The graph as a standalone SVG: compounds and frames as boxes, leaves as circles, edges as lines, labels as escaped text. */
export function toSvg(cy: cytoscape.Core, fg: string, bg: string): string {
  const bb = cy.elements().boundingBox({});
  const pad = 20;
  const w = Math.ceil(bb.w + pad * 2);
  const h = Math.ceil(bb.h + pad * 2);
  const x = (v: number) => (v - bb.x1 + pad).toFixed(1);
  const y = (v: number) => (v - bb.y1 + pad).toFixed(1);
  const parts: string[] = [`<svg xmlns="http://www.w3.org/2000/svg" width="${w}" height="${h}" viewBox="0 0 ${w} ${h}" font-family="sans-serif" font-size="10">`, `<rect width="100%" height="100%" fill="${escape(bg)}"/>`];
  cy.nodes(':parent, .frame').forEach((n) => {
    const b = n.boundingBox({ includeLabels: false });
    parts.push(`<rect x="${x(b.x1)}" y="${y(b.y1)}" width="${b.w.toFixed(1)}" height="${b.h.toFixed(1)}" rx="6" fill="none" stroke="${escape(String(n.style('border-color')))}"/>`);
    parts.push(`<text x="${x(b.x1 + 4)}" y="${y(b.y1 - 4)}" fill="${escape(fg)}" font-weight="bold">${escape(String(n.data('label')))}</text>`);
  });
  cy.edges().forEach((e) => {
    const s = e.source().position();
    const t = e.target().position();
    parts.push(`<line x1="${x(s.x)}" y1="${y(s.y)}" x2="${x(t.x)}" y2="${y(t.y)}" stroke="${escape(String(e.style('line-color')))}" stroke-width="${escape(String(e.style('width')).replace('px', ''))}"/>`);
  });
  cy.nodes(':childless').not('.frame').forEach((n) => {
    const p = n.position();
    parts.push(`<circle cx="${x(p.x)}" cy="${y(p.y)}" r="8" fill="${escape(String(n.style('background-color')))}" stroke="${escape(String(n.style('border-color')))}"/>`);
    parts.push(`<text x="${x(p.x)}" y="${y(p.y + 20)}" text-anchor="middle" fill="${escape(fg)}">${escape(String(n.data('label')))}</text>`);
  });
  parts.push('</svg>');
  return parts.join('\n');
}

function escape(s: string): string {
  return s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}
