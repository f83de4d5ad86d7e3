import type { GraphModel, GraphNode } from '../src/protocol/messages';

/**
 * Where a large graph's elements go, computed from the model alone in linear time: no force
 * layout, no renderer. The webview adds every element with its position in one call.
 */

export interface Point {
  readonly x: number;
  readonly y: number;
}

export type Positions = Record<string, Point>;

/** A cluster node's box: its centre and size, drawn behind the elements it holds. */
export interface Frame extends Point {
  readonly w: number;
  readonly h: number;
}

/** The grid's pitch: one cell per pod or device, one box per cluster node. */
export const cell = 40;
const box = 6 * cell;

/** How far a frame reaches past its members' centres: half the widest member plus a margin. */
const inset = 28;
/** A member's label hangs under it (font 10 plus its margin), so the bottom edge reaches further. */
const labelRoom = 12;

/** Each container's members, in model order (a cluster node holds its NIC, bridge, tunnel, pods). */
export function membersOf(model: GraphModel): Map<string, GraphNode[]> {
  const out = new Map<string, GraphNode[]>();
  for (const n of model.nodes) {
    if (!n.parent) continue;
    const list = out.get(n.parent);
    if (list) list.push(n);
    else out.set(n.parent, [n]);
  }
  return out;
}

/**
 * The whole graph on a grid: the cluster nodes on a square grid, each one's members in a small
 * grid inside its box (or the node itself at the box's centre when collapsed), and the elements
 * outside any node (underlay, services, externals) in rows above.
 */
export function gridLayout(model: GraphModel): Positions {
  const members = membersOf(model);
  const clusterNodes = model.nodes.filter((n) => n.kind === 'node');
  const perRow = Math.max(1, Math.ceil(Math.sqrt(clusterNodes.length)));
  const out: Positions = {};
  clusterNodes.forEach((node, i) => {
    const centre = { x: (i % perRow) * box, y: Math.floor(i / perRow) * box };
    const held = members.get(node.id);
    if (held) gridAround(held, centre, out);
    else out[node.id] = centre;
  });
  const cols = Math.max(1, Math.floor((perRow * box) / (cell * 3)));
  model.nodes
    .filter((n) => !n.parent && n.kind !== 'node')
    .forEach((n, k) => {
      out[n.id] = { x: (k % cols) * cell * 3, y: -box / 2 - cell * 2 * (1 + Math.floor(k / cols)) };
    });
  return out;
}

/**
 * Positions for elements new to a laid-out graph, so nothing already placed moves: an expanded
 * node's members in a grid around where the node stood, a node collapsed again where its box
 * was, anything else in a row under the graph. `centres` holds where each container was.
 */
export function placeBeside(model: GraphModel, missing: readonly GraphNode[], known: Positions, centres: Positions): Positions {
  const out: Positions = {};
  const byParent = new Map<string, { around: Point; news: GraphNode[] }>();
  const rest: GraphNode[] = [];
  for (const n of missing) {
    const at = centres[n.id];
    const around = n.parent ? (known[n.parent] ?? centres[n.parent]) : undefined;
    if (at) out[n.id] = at;
    else if (n.parent && around) {
      const group = byParent.get(n.parent);
      if (group) group.news.push(n);
      else byParent.set(n.parent, { around, news: [n] });
    } else rest.push(n);
  }
  const members = membersOf(model);
  for (const [parent, { around, news }] of byParent) {
    const all = members.get(parent) ?? news;
    // Known siblings keep their places; only the new ones go in the grid around the parent.
    gridAround(all.length === news.length ? all : news, around, out);
  }
  if (rest.length > 0) {
    let x1 = Infinity;
    let y2 = -Infinity;
    for (const p of [...Object.values(known), ...Object.values(out)]) {
      x1 = Math.min(x1, p.x);
      y2 = Math.max(y2, p.y);
    }
    if (x1 === Infinity) x1 = y2 = 0;
    rest.forEach((n, k) => {
      out[n.id] = { x: x1 + k * cell * 3, y: y2 + cell * 2 };
    });
  }
  return out;
}

/** The box around a container's members, wide enough for their shapes and the labels under them. */
export function frameAround(points: readonly Point[]): Frame {
  let x1 = Infinity;
  let y1 = Infinity;
  let x2 = -Infinity;
  let y2 = -Infinity;
  for (const p of points) {
    x1 = Math.min(x1, p.x);
    y1 = Math.min(y1, p.y);
    x2 = Math.max(x2, p.x);
    y2 = Math.max(y2, p.y);
  }
  return { x: (x1 + x2) / 2, y: (y1 + y2 + labelRoom) / 2, w: x2 - x1 + 2 * inset, h: y2 - y1 + 2 * inset + labelRoom };
}

/** Children in a square grid centred on a point, written into `out`. */
function gridAround(children: readonly GraphNode[], centre: Point, out: Positions): void {
  const cols = Math.max(1, Math.ceil(Math.sqrt(children.length)));
  const half = ((cols - 1) * cell) / 2;
  children.forEach((child, j) => {
    out[child.id] = { x: centre.x - half + (j % cols) * cell, y: centre.y - half + Math.floor(j / cols) * cell };
  });
}
