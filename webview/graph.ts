import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { GraphModel } from '../src/protocol/messages';
import type { Palette } from './theme';

cytoscape.use(fcose);

export type Positions = Record<string, { x: number; y: number }>;

/** Above this many elements the layout trades quality for time (fcose draft: seconds, not minutes). */
const draftAbove = 600;

export function createGraph(container: HTMLElement, colours: Palette): cytoscape.Core {
  return cytoscape({ container, style: styles(colours), textureOnViewport: true, wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
}

export function restyle(cy: cytoscape.Core, colours: Palette, large: boolean): void {
  cy.style(styles(colours, large));
}

/** Above this many elements the graph is drawn lighter: straight edges, labels only when zoomed in. */
const largeAbove = 1500;

export function isLarge(model: GraphModel): boolean {
  return model.nodes.length + model.edges.length > largeAbove;
}

/**
 * Replaces the elements with the model's, keeping the positions of elements seen before (from the
 * live graph or the saved state). A graph seen for the first time is laid out (by force when
 * small, on a grid when large); elements new to a large graph (a node expanded, a pod added) are
 * placed beside what they belong to, so nothing else moves and nothing waits for a layout.
 */
export function setModel(cy: cytoscape.Core, model: GraphModel, saved: Positions, onLaidOut: (positions: Positions) => void): void {
  const known: Positions = { ...saved };
  // Where each compound was: a cluster node collapsed to one element takes its compound's place.
  const centres: Positions = {};
  cy.nodes().forEach((n) => {
    if (n.isParent()) centres[n.id()] = { ...n.position() };
    else known[n.id()] = { ...n.position() };
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
  const leaves = cy.nodes(':childless');
  const missing = leaves.filter((n) => !known[n.id()]);
  if (missing.length === 0) {
    cy.fit(undefined, 30);
    return;
  }
  if (isLarge(model)) {
    if (missing.length === leaves.length) gridLayout(cy);
    else placeBeside(cy, missing, known, centres);
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

/** The grid's pitch: one cell per pod or device, one box per cluster node. */
const cell = 40;
const box = 6 * cell;

/**
 * A layout in linear time for large clusters: the cluster nodes (compounds, or single elements
 * when collapsed) on a square grid, each compound's children in a small grid inside its box, and
 * the elements outside any node (underlay, services, externals) in rows above.
 */
function gridLayout(cy: cytoscape.Core): void {
  const clusterNodes = cy.nodes('.node');
  const perRow = Math.max(1, Math.ceil(Math.sqrt(clusterNodes.length)));
  cy.batch(() => {
    clusterNodes.forEach((node, i) => {
      const centre = { x: (i % perRow) * box, y: Math.floor(i / perRow) * box };
      if (node.isParent()) gridAround(node.children(), centre);
      else node.position(centre);
    });
    const loose = cy.nodes(':childless').filter((n) => n.parent().empty() && !n.hasClass('node'));
    const cols = Math.max(1, Math.floor((perRow * box) / (cell * 3)));
    loose.forEach((n, k) => {
      n.position({ x: (k % cols) * cell * 3, y: -box / 2 - cell * 2 * (1 + Math.floor(k / cols)) });
    });
  });
}

/** Children in a square grid centred on a point. */
function gridAround(children: cytoscape.NodeCollection, centre: { x: number; y: number }): void {
  const cols = Math.max(1, Math.ceil(Math.sqrt(children.length)));
  const half = ((cols - 1) * cell) / 2;
  children.forEach((child, j) => {
    child.position({ x: centre.x - half + (j % cols) * cell, y: centre.y - half + Math.floor(j / cols) * cell });
  });
}

/**
 * New elements of a laid-out large graph: an expanded node's children around where the node stood,
 * a node collapsed again where its compound was, anything else in a row under the graph.
 */
function placeBeside(cy: cytoscape.Core, missing: cytoscape.NodeCollection, known: Positions, centres: Positions): void {
  const byParent = new Map<string, cytoscape.NodeCollection>();
  let rest = cy.collection();
  cy.batch(() => {
    missing.forEach((n) => {
      const parent = n.parent().first();
      const at = centres[n.id()];
      if (at) n.position(at);
      else if (parent.nonempty() && (known[parent.id()] ?? centres[parent.id()])) byParent.set(parent.id(), (byParent.get(parent.id()) ?? cy.collection()).union(n));
      else rest = rest.union(n);
    });
    for (const [parent, children] of byParent) {
      const siblings = cy.getElementById(parent).children();
      // Known siblings keep their places; only the new ones go in the grid around the parent.
      gridAround(siblings.length === children.length ? siblings : children, known[parent] ?? centres[parent]!);
    }
    const bb = cy.nodes().not(rest).boundingBox({});
    rest.forEach((n, k) => {
      n.position({ x: bb.x1 + k * cell * 3, y: bb.y2 + cell * 2 });
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

/**
 * The stylesheet, lighter for large graphs: straight (haystack) edges without arrows, and labels
 * drawn only once they would be legible (a label is most of what a frame costs to draw).
 */
function styles(c: Palette, large = false): cytoscape.StylesheetJson {
  const light: cytoscape.StylesheetJson = large
    ? [
        { selector: 'node', style: { 'min-zoomed-font-size': 9 } },
        { selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none' } },
      ]
    : [];
  return [
    { selector: 'node', style: { label: 'data(label)', color: c.fg, 'font-size': 10, 'min-zoomed-font-size': 6, 'text-valign': 'bottom', 'text-margin-y': 3, 'background-color': c.muted, width: 18, height: 18, 'border-width': 1, 'border-color': c.border } },
    { selector: 'node.node', style: { shape: 'round-rectangle', 'background-color': c.node, 'background-opacity': 0.6, 'text-valign': 'top', 'font-weight': 'bold', 'font-size': 12, padding: '12px' } },
    // A cluster node collapsed to one element: its name and pod count inside a box.
    { selector: 'node.node:childless', style: { width: 110, height: 34, 'text-valign': 'center', 'text-margin-y': 0, 'font-weight': 'normal', 'font-size': 11, 'background-opacity': 1 } },
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
    ...light,
  ];
}
