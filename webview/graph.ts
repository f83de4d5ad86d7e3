import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { GraphModel } from '../src/protocol/messages';
import type { Palette } from './theme';

cytoscape.use(fcose);

export type Positions = Record<string, { x: number; y: number }>;

/** Above this many elements the layout trades quality for time (fcose draft: seconds, not minutes). */
const draftAbove = 600;
/** Above this many, even a draft force layout takes seconds: cluster nodes go on a grid instead. */
const gridAbove = 1500;

export function createGraph(container: HTMLElement, colours: Palette): cytoscape.Core {
  return cytoscape({ container, style: styles(colours), wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
}

export function restyle(cy: cytoscape.Core, colours: Palette): void {
  cy.style(styles(colours));
}

/**
 * Replaces the elements with the model's, keeping the positions of elements seen before (from the
 * live graph or the saved state); a layout runs only when some element has none.
 */
export function setModel(cy: cytoscape.Core, model: GraphModel, saved: Positions, onLaidOut: (positions: Positions) => void): void {
  const known: Positions = { ...saved };
  cy.nodes().forEach((n) => {
    if (!n.isParent()) known[n.id()] = { ...n.position() };
  });
  cy.batch(() => {
    cy.elements().remove();
    cy.add([
      ...model.nodes.map((n) => ({
        group: 'nodes' as const,
        data: { id: n.id, label: n.label, kind: n.kind, ...(n.parent ? { parent: n.parent } : {}), detail: n.detail ?? '', sourceLine: n.sourceLine ?? 0 },
        classes: n.kind,
        ...(known[n.id] ? { position: { ...known[n.id]! } } : {}),
      })),
      ...model.edges.map((e) => ({ group: 'edges' as const, data: { id: e.id, source: e.source, target: e.target, kind: e.kind }, classes: e.kind })),
    ]);
  });
  const leaves = cy.nodes().filter((n) => !n.isParent());
  const missing = leaves.filter((n) => !known[n.id()]);
  if (missing.length === 0) {
    cy.fit(undefined, 30);
    return;
  }
  if (missing.length === leaves.length && cy.elements().length > gridAbove) {
    gridLayout(cy);
    cy.fit(undefined, 30);
    onLaidOut(positionsOf(cy));
    return;
  }
  const layout = cy.layout({
    name: 'fcose',
    quality: cy.elements().length > draftAbove ? 'draft' : 'default',
    randomize: missing.length === leaves.length,
    animate: false,
    nodeDimensionsIncludeLabels: true,
    packComponents: true,
    idealEdgeLength: () => 45,
    nodeRepulsion: () => 4500,
    nodeSeparation: 50,
    nestingFactor: 0.4,
    gravity: 0.5,
    gravityCompound: 1.5,
    tile: true,
    fixedNodeConstraint: leaves.filter((n) => Boolean(known[n.id()])).map((n) => ({ nodeId: n.id(), position: known[n.id()]! })),
  } as cytoscape.LayoutOptions);
  layout.one('layoutstop', () => {
    cy.fit(undefined, 30);
    onLaidOut(positionsOf(cy));
  });
  layout.run();
}

/**
 * A layout in linear time for large clusters: each cluster node's children in a small grid, the
 * nodes themselves in a grid, and the elements outside any node (underlay, services, externals) in
 * rows above them.
 */
function gridLayout(cy: cytoscape.Core): void {
  const cell = 40;
  const parents = cy.nodes(':parent');
  const perRow = Math.max(1, Math.ceil(Math.sqrt(parents.length)));
  const box = 6 * cell;
  cy.batch(() => {
    parents.forEach((parent, i) => {
      const ox = (i % perRow) * box;
      const oy = Math.floor(i / perRow) * box;
      const children = parent.children();
      const cols = Math.max(1, Math.ceil(Math.sqrt(children.length)));
      children.forEach((child, j) => {
        child.position({ x: ox + (j % cols) * cell, y: oy + Math.floor(j / cols) * cell });
      });
    });
    const loose = cy.nodes().filter((n) => !n.isParent() && n.parent().empty());
    const width = perRow * box;
    const cols = Math.max(1, Math.floor(width / (cell * 2)));
    loose.forEach((n, k) => {
      n.position({ x: (k % cols) * cell * 2, y: -cell * 2 * (1 + Math.floor(k / cols)) });
    });
  });
}

export function positionsOf(cy: cytoscape.Core): Positions {
  const out: Positions = {};
  cy.nodes().forEach((n) => {
    if (!n.isParent()) out[n.id()] = { ...n.position() };
  });
  return out;
}

function styles(c: Palette): cytoscape.StylesheetJson {
  return [
    { selector: 'node', style: { label: 'data(label)', color: c.fg, 'font-size': 10, 'min-zoomed-font-size': 6, 'text-valign': 'bottom', 'text-margin-y': 3, 'background-color': c.muted, width: 18, height: 18, 'border-width': 1, 'border-color': c.border } },
    { selector: 'node.node', style: { shape: 'round-rectangle', 'background-color': c.node, 'background-opacity': 0.6, 'text-valign': 'top', 'font-weight': 'bold', 'font-size': 12, padding: '12px' } },
    { selector: 'node.pod', style: { 'background-color': c.pod, shape: 'ellipse' } },
    { selector: 'node.aggregate', style: { 'background-color': c.pod, shape: 'hexagon', width: 28, height: 28 } },
    { selector: 'node.bridge', style: { shape: 'rectangle', 'background-color': c.underlay, width: 30, height: 12 } },
    { selector: 'node.tunnel', style: { shape: 'diamond', 'background-color': c.tunnel } },
    { selector: 'node.device', style: { shape: 'round-rectangle', 'background-color': c.muted, width: 26, height: 14 } },
    { selector: 'node.service', style: { shape: 'round-tag', 'background-color': c.service } },
    { selector: 'node.external', style: { shape: 'star', 'background-color': c.external } },
    { selector: 'node.underlay', style: { shape: 'barrel', 'background-color': c.underlay, width: 60, height: 16 } },
    { selector: 'edge', style: { width: 1.5, 'line-color': c.border, 'curve-style': 'bezier' } },
    { selector: 'edge.endpoint', style: { 'line-style': 'dashed', 'line-color': c.service, 'target-arrow-shape': 'triangle', 'target-arrow-color': c.service } },
    { selector: 'edge.tunnel', style: { 'line-color': c.tunnel, 'line-style': 'dotted' } },
    { selector: '.on-path', style: { 'border-color': c.path, 'border-width': 3, 'line-color': c.path, width: 4, 'z-index': 10 } },
    { selector: 'node.current', style: { 'border-color': c.current, 'border-width': 5 } },
    { selector: '.match', style: { 'overlay-color': c.path, 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
    { selector: '.dimmed', style: { opacity: 0.35 } },
  ];
}
