import assert from 'node:assert/strict';
import { mock, test } from 'node:test';
import cytoscape from 'cytoscape';
import type { GraphEdge, GraphModel, GraphNode } from '../../src/protocol/messages';
import { containersOf, followFrames, isContainer, redrawOnceSettled, restyle, setModel, settleMs, type Positions } from '../../webview/graph';
import { frameAround, gridLayout, placeBeside, type Frame, type Point } from '../../webview/layout';
import type { Palette } from '../../webview/theme';

const colours: Palette = { fg: '#ccc', bg: '#111', muted: '#999', border: '#555', node: '#222', pod: '#37f', service: '#b8d', external: '#ca0', underlay: '#8d8', tunnel: '#d81', path: '#f44', current: '#07d', match: '#e50' };

/** A cluster as buildGraph shapes it: each node a container of its bridge and pods, or one element when collapsed. */
function cluster(nodeCount: number, podsPerNode: number, collapsed: ReadonlySet<number> = new Set()): GraphModel {
  const nodes: GraphNode[] = [{ id: 'underlay:10.0.0.0/24', kind: 'underlay', label: 'underlay' }];
  const edges: GraphEdge[] = [];
  for (let i = 0; i < nodeCount; i++) {
    const node = `node:n${i}`;
    nodes.push({ id: node, kind: 'node', label: `n${i}` });
    if (collapsed.has(i)) {
      edges.push({ id: `link:n${i}`, source: node, target: 'underlay:10.0.0.0/24', kind: 'link' });
      continue;
    }
    nodes.push({ id: `bridge:n${i}`, kind: 'bridge', label: 'cni0', parent: node });
    edges.push({ id: `link:n${i}`, source: `bridge:n${i}`, target: 'underlay:10.0.0.0/24', kind: 'link' });
    for (let j = 0; j < podsPerNode; j++) {
      const pod = `pod:default/p${i}-${j}`;
      nodes.push({ id: pod, kind: 'pod', label: `p${i}-${j}`, parent: node });
      edges.push({ id: `veth:${pod}`, source: pod, target: `bridge:n${i}`, kind: 'veth' });
    }
  }
  nodes.push({ id: 'svc:default/web', kind: 'service', label: 'web' });
  edges.push({ id: 'ep:web', source: 'svc:default/web', target: 'pod:default/p0-0', kind: 'endpoint' });
  return { title: 'generated', nodes, edges, collapsed: [...collapsed].map((i) => `n${i}`) };
}

const inside = (p: Point, f: Frame) => Math.abs(p.x - f.x) < f.w / 2 && Math.abs(p.y - f.y) < f.h / 2;
const overlap = (a: Frame, b: Frame) => Math.abs(a.x - b.x) < (a.w + b.w) / 2 && Math.abs(a.y - b.y) < (a.h + b.h) / 2;

function headless(): cytoscape.Core {
  const cy = cytoscape({ headless: true, styleEnabled: true });
  restyle(cy, colours, true);
  followFrames(cy);
  return cy;
}

test('a large graph is laid out from the model alone: each node\'s members inside its own box, boxes apart, the rest above', () => {
  const model = cluster(30, 20);
  const at = gridLayout(model);
  const frames = Array.from({ length: 30 }, (_, i) => frameAround(model.nodes.filter((n) => n.parent === `node:n${i}`).map((n) => at[n.id]!)));
  model.nodes.filter((n) => n.parent).forEach((n) => assert.ok(inside(at[n.id]!, frames[Number(/n(\d+)/.exec(n.parent!)![1])]!), `${n.id} sits in its node's box`));
  for (let a = 0; a < frames.length; a++) for (let b = a + 1; b < frames.length; b++) assert.ok(!overlap(frames[a]!, frames[b]!), `boxes ${a} and ${b} apart`);
  const top = Math.min(...frames.map((f) => f.y - f.h / 2));
  for (const id of ['underlay:10.0.0.0/24', 'svc:default/web']) assert.ok(at[id]!.y < top, `${id} above the nodes`);
  assert.equal(Object.keys(at).length, model.nodes.length - 30, 'every element but the containers has a place');
});

test('expanding a collapsed node puts its members around where it stood and moves nothing else', () => {
  const before = cluster(9, 5, new Set([4]));
  const known = gridLayout(before);
  const after = cluster(9, 5);
  const missing = after.nodes.filter((n) => n.parent && !known[n.id]);
  assert.equal(missing.length, 6, 'the bridge and five pods of n4');
  const placed = placeBeside(after, missing, known, {});
  assert.deepEqual(Object.keys(placed).sort(), missing.map((n) => n.id).sort());
  const box = frameAround(missing.map((n) => placed[n.id]!));
  assert.ok(inside(known['node:n4']!, box), 'the new box is where the collapsed node stood');
  const others = Array.from({ length: 9 }, (_, i) => i).filter((i) => i !== 4);
  for (const i of others) assert.ok(!overlap(box, frameAround(after.nodes.filter((n) => n.parent === `node:n${i}`).map((n) => known[n.id]!))), `n4's box clear of n${i}'s`);
});

test('a large graph gets frames, not compounds: every pod a node in its frame, frames pan the view, edges take no events', () => {
  const cy = headless();
  const model = cluster(60, 25);
  assert.ok(model.nodes.length + model.edges.length > 1500, 'over the large-graph threshold');
  let laidOut: Positions | undefined;
  setModel(cy, model, {}, (p) => (laidOut = p));
  assert.ok(cy.nodes(':parent').empty(), 'no compound');
  assert.equal(cy.nodes('.pod').length, 60 * 25, 'every pod drawn');
  const frame = cy.getElementById('node:n7');
  assert.ok(isContainer(frame) && frame.hasClass('frame'));
  assert.ok(!frame.grabbable() && frame.pannable(), 'a press on a frame pans');
  const box = frame.boundingBox({ includeLabels: false });
  const held = cy.nodes().filter((n) => n.data('frame') === 'node:n7');
  assert.equal(held.length, 26);
  held.forEach((n) => assert.ok(n.position().x > box.x1 && n.position().x < box.x2 && n.position().y > box.y1 && n.position().y < box.y2, `${n.id()} inside its frame`));
  assert.ok(frame.style('z-compound-depth') === 'bottom', 'frames under every edge and member');
  assert.equal(cy.edges()[0]!.style('events'), 'no');
  assert.deepEqual(containersOf(cy, cy.getElementById('pod:default/p7-3')).map((n) => n.id()), ['node:n7']);
  assert.ok(laidOut && laidOut['pod:default/p7-3'] && !laidOut['node:n7'], 'positions saved for members, a frame follows from them');
  cy.destroy();
});

test('a member dropped outside its frame widens the frame around it', () => {
  const cy = headless();
  setModel(cy, cluster(60, 25), {}, () => undefined);
  const frame = cy.getElementById('node:n7');
  const pod = cy.getElementById('pod:default/p7-3');
  const far = { x: frame.position().x + 400, y: frame.position().y };
  pod.position(far);
  pod.emit('dragfree');
  const box = frame.boundingBox({ includeLabels: false });
  assert.ok(far.x < box.x2 && box.x1 < frame.position().x - 400 / 2, 'the frame reaches the dropped pod and still holds the others');
  cy.destroy();
});

test('a small graph keeps its cluster nodes as compounds', () => {
  const cy = headless();
  restyle(cy, colours, false);
  setModel(cy, cluster(2, 3), {}, () => undefined);
  assert.deepEqual(cy.nodes(':parent').map((n) => n.id()).sort(), ['node:n0', 'node:n1']);
  assert.ok(cy.nodes('.frame').empty());
  cy.destroy();
});

test('nodes carry an empty list of background images, so drawing one never restyles it', () => {
  for (const large of [false, true]) {
    const cy = cytoscape({ headless: true, styleEnabled: true });
    restyle(cy, colours, large);
    setModel(cy, cluster(2, 3), {}, () => undefined);
    cy.nodes().forEach((n) => assert.equal(n.style('background-image'), '', `${n.id()} has no background image, not 'none'`));
    cy.destroy();
  }
});

test('the graph redraws once, after its elements have stopped changing for the layer cache\'s wait', () => {
  mock.timers.enable({ apis: ['setTimeout', 'Date'] });
  try {
    const cy = cytoscape({ headless: true, styleEnabled: true });
    let redraws = 0;
    cy.forceRender = () => {
      redraws++;
      return cy;
    };
    redrawOnceSettled(cy);
    setModel(cy, cluster(3, 4), {}, () => undefined);
    mock.timers.tick(settleMs - 100);
    cy.getElementById('pod:default/p0-0').addClass('on-path');
    mock.timers.tick(150);
    assert.equal(redraws, 0, 'a change inside the wait starts it again');
    mock.timers.tick(settleMs);
    assert.equal(redraws, 1, 'one redraw once settled');
    mock.timers.tick(10 * settleMs);
    assert.equal(redraws, 1, 'and no more while nothing changes');
    cy.destroy();
  } finally {
    mock.timers.reset();
  }
});
