import cytoscape from 'cytoscape';
import fcose from 'cytoscape-fcose';
import type { GraphModel, GraphNode } from '../src/protocol/messages';
import { frameAround, gridLayout, membersOf, placeBeside, type Frame, type Point, type Positions } from './layout';
import type { Palette } from './theme';

cytoscape.use(fcose);

export type { Positions } from './layout';

/** Above this many elements the layout trades quality for time (fcose draft: seconds, not minutes). */
const draftAbove = 600;

/**
 * No texture on viewport changes: cytoscape draws that texture at twice the pixel ratio on a
 * 1x screen, a zoom level its layer cache has not built, so every pan or zoom began with a frame
 * that drew each element again (0.2-1.1 s at 15,000 elements). Its layer cache alone moves the
 * already-drawn layers while the view changes.
 */
export function createGraph(container: HTMLElement, colours: Palette): cytoscape.Core {
  const cy = cytoscape({ container, style: styles(colours), wheelSensitivity: 0.3, minZoom: 0.05, maxZoom: 4, boxSelectionEnabled: false });
  followFrames(cy);
  redrawOnceSettled(cy);
  return cy;
}

/** How long cytoscape keeps drawing element by element after a change (its layer cache's 250 ms) and a margin. */
export const settleMs = 300;

/**
 * One more redraw once the elements have stopped changing. Cytoscape draws the whole view as one
 * cached layer per zoom level, but it starts that layer only in a redraw at least 250 ms after the
 * last change to any element, and builds it in idle frames afterwards. After a graph is added, a
 * trace highlighted or a search dimmed, nothing redraws until the user moves the view, so each
 * first zoom drew all 15,000 elements of the expanded 500-node graph one by one (0.2-0.35 s a
 * frame) for the dozen frames the layer then took to build.
 */
export function redrawOnceSettled(cy: cytoscape.Core): void {
  let changed = 0;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const check = () => {
    const wait = changed + settleMs - Date.now();
    if (wait > 0) {
      timer = setTimeout(check, wait);
      return;
    }
    timer = undefined;
    if (!cy.destroyed()) cy.forceRender();
  };
  cy.on('add remove style position', () => {
    changed = Date.now();
    timer ??= setTimeout(check, settleMs);
  });
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
 * live graph or the saved state). A small graph seen for the first time is laid out by force, its
 * cluster nodes compounds around their members. A large graph is laid out on a grid computed from
 * the model before a single element exists, and its cluster nodes are frames: plain nodes drawn
 * behind their members, because compounds make cytoscape re-derive parents, descendants and
 * their edges on every style change, which was most of a 7,000-pod graph's first paint. Elements
 * new to a large graph (a node expanded, a pod added) are placed beside what they belong to, so
 * nothing else moves and nothing waits for a layout.
 */
export function setModel(cy: cytoscape.Core, model: GraphModel, saved: Positions, onLaidOut: (positions: Positions) => void): void {
  const known: Positions = { ...saved };
  // Where each container was: a cluster node collapsed to one element takes its box's place.
  const centres: Positions = {};
  cy.nodes().forEach((n) => {
    if (isContainer(n)) centres[n.id()] = { ...n.position() };
    else known[n.id()] = { ...n.position() };
  });
  const members = membersOf(model);
  const leaves = model.nodes.filter((n) => !members.has(n.id));
  const missing = leaves.filter((n) => !known[n.id]);
  if (isLarge(model)) {
    const placed: Positions = missing.length === leaves.length ? gridLayout(model) : { ...known, ...placeBeside(model, missing, known, centres) };
    const frames = new Map<string, Frame>();
    for (const [id, held] of members) frames.set(id, frameAround(held.flatMap((n) => placed[n.id] ?? [])));
    replaceElements(cy, model, (n) => frames.get(n.id) ?? placed[n.id], frames);
    cy.fit(undefined, 30);
    if (missing.length > 0) onLaidOut(positionsOf(cy));
    return;
  }
  replaceElements(cy, model, (n) => known[n.id]);
  if (missing.length === 0) {
    cy.fit(undefined, 30);
    return;
  }
  const fixed = leaves.flatMap((n) => {
    const position = known[n.id];
    return position ? [{ nodeId: n.id, position }] : [];
  });
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
    fixedNodeConstraint: fixed,
  } as cytoscape.LayoutOptions);
  layout.one('layoutstop', () => {
    cy.fit(undefined, 30);
    onLaidOut(positionsOf(cy));
  });
  layout.run();
}

/**
 * All elements in one call, each with its position. With `frames`, a member names its cluster
 * node as `frame` instead of as its compound `parent`, and the frame carries its box's size.
 */
function replaceElements(cy: cytoscape.Core, model: GraphModel, at: (n: GraphNode) => Point | undefined, frames?: ReadonlyMap<string, Frame>): void {
  const elements: cytoscape.ElementDefinition[] = model.nodes.map((n) => {
    const frame = frames?.get(n.id);
    const owner = n.parent ? (frames ? { frame: n.parent } : { parent: n.parent }) : {};
    const p = at(n);
    return {
      group: 'nodes',
      data: { id: n.id, label: n.label, kind: n.kind, ...owner, detail: n.detail ?? '', sourceLine: n.sourceLine ?? 0, ...(frame ? { w: frame.w, h: frame.h } : {}) },
      classes: frame ? `${n.kind} frame` : n.kind,
      ...(frame ? { grabbable: false, pannable: true } : {}),
      ...(p ? { position: { x: p.x, y: p.y } } : {}),
    };
  });
  for (const e of model.edges) elements.push({ group: 'edges', data: { id: e.id, source: e.source, target: e.target, kind: e.kind }, classes: e.kind });
  cy.batch(() => {
    cy.elements().remove();
    cy.add(elements);
  });
}

/** A compound parent or a frame: an element whose place follows from its members'. */
export function isContainer(n: cytoscape.NodeSingular): boolean {
  return n.isParent() || n.hasClass('frame');
}

/** The compounds and frames that hold any of these nodes. */
export function containersOf(cy: cytoscape.Core, nodes: cytoscape.NodeCollection): cytoscape.NodeCollection {
  const framed = new Set(nodes.map((n) => n.data('frame') as string | undefined));
  return nodes.ancestors().union(cy.nodes('.frame').filter((f) => framed.has(f.id())));
}

/**
 * A frame is the ground its members stand on: a press on it pans the view, as one on empty space
 * does (in a large graph most of the view is frames), and a member dropped elsewhere resizes its
 * frame around it, as a compound would.
 */
export function followFrames(cy: cytoscape.Core): void {
  cy.on('dragfree', 'node[frame]', (e) => {
    const frame = cy.getElementById(String(e.target.data('frame')));
    const held = membersIn(cy, frame.id());
    if (frame.empty() || held.empty()) return;
    const box = frameAround(held.map((n) => n.position()));
    frame.data({ w: box.w, h: box.h });
    frame.position({ x: box.x, y: box.y });
  });
}

function membersIn(cy: cytoscape.Core, frame: string): cytoscape.NodeCollection {
  return cy.nodes().filter((n) => n.data('frame') === frame);
}

/** Where each element the user or a layout placed stands; containers follow from these. */
export function positionsOf(cy: cytoscape.Core): Positions {
  const out: Positions = {};
  cy.nodes().forEach((n) => {
    if (!isContainer(n)) out[n.id()] = { ...n.position() };
  });
  return out;
}

/**
 * The stylesheet, lighter for large graphs: straight (haystack) solid edges without arrows (a dash
 * costs a stroke per segment), and labels drawn only once they would be legible (a label is most
 * of what a frame costs to draw). Edges take no pointer events: nothing listens to them, and a
 * press that lands on one of the hundreds of lines crossing a large graph should pan the view,
 * while a pointer moving over the graph is tested against half as many elements.
 */
function styles(c: Palette, large = false): cytoscape.StylesheetJson {
  const light: cytoscape.StylesheetJson = large
    ? [
        { selector: 'node', style: { 'min-zoomed-font-size': 9 } },
        { selector: 'edge', style: { 'curve-style': 'haystack', 'haystack-radius': 0, 'target-arrow-shape': 'none', 'line-style': 'solid' } },
      ]
    : [];
  return [
    // No background image as an empty list, not cytoscape's default 'none': with 'none' every time
    // it draws a node it flips the node's `backgrounding` state and restyles it, and each restyle
    // throws away the cached layer of the whole graph (a 500-node graph never kept one).
    { selector: 'node', style: { 'background-image': [], label: 'data(label)', color: c.fg, 'font-size': 10, 'min-zoomed-font-size': 6, 'text-valign': 'bottom', 'text-margin-y': 3, 'background-color': c.muted, width: 18, height: 18, 'border-width': 1, 'border-color': c.border } },
    { selector: 'node.node', style: { shape: 'round-rectangle', 'background-color': c.node, 'background-opacity': 0.6, 'text-valign': 'top', 'font-weight': 'bold', 'font-size': 12, padding: '12px' } },
    // A cluster node collapsed to one element: its name and pod count inside a box.
    { selector: 'node.node:childless', style: { width: 110, height: 34, 'text-valign': 'center', 'text-margin-y': 0, 'font-weight': 'normal', 'font-size': 11, 'background-opacity': 1 } },
    // A cluster node drawn as a box behind its members: sized by them, under every edge, named on top.
    { selector: 'node.frame', style: { width: 'data(w)', height: 'data(h)', 'z-compound-depth': 'bottom', 'text-valign': 'top', 'font-weight': 'bold', 'font-size': 12, padding: '0px' } },
    { selector: 'node.pod', style: { 'background-color': c.pod, shape: 'ellipse' } },
    { selector: 'node.aggregate', style: { 'background-color': c.pod, shape: 'hexagon', width: 28, height: 28 } },
    { selector: 'node.bridge', style: { shape: 'rectangle', 'background-color': c.underlay, width: 30, height: 12 } },
    { selector: 'node.tunnel', style: { shape: 'diamond', 'background-color': c.tunnel } },
    { selector: 'node.device', style: { shape: 'round-rectangle', 'background-color': c.muted, width: 26, height: 14 } },
    { selector: 'node.service', style: { shape: 'round-tag', 'background-color': c.service } },
    { selector: 'node.external', style: { shape: 'star', 'background-color': c.external } },
    { selector: 'node.underlay', style: { shape: 'barrel', 'background-color': c.underlay, width: 60, height: 16 } },
    { selector: 'edge', style: { width: 1.5, 'line-color': c.border, 'curve-style': 'bezier', events: 'no' } },
    { selector: 'edge.endpoint', style: { 'line-style': 'dashed', 'line-color': c.service, 'target-arrow-shape': 'triangle', 'target-arrow-color': c.service } },
    { selector: 'edge.tunnel', style: { 'line-color': c.tunnel, 'line-style': 'dotted' } },
    { selector: '.on-path', style: { 'border-color': c.path, 'border-width': 3, 'line-color': c.path, width: 4, 'z-index': 10 } },
    { selector: 'node.current', style: { 'border-color': c.current, 'border-width': 5 } },
    { selector: '.match', style: { 'overlay-color': c.path, 'overlay-opacity': 0.25, 'overlay-padding': 6 } },
    { selector: '.dimmed', style: { opacity: 0.35 } },
    ...light,
  ];
}
