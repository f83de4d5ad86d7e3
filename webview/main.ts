import type cytoscape from 'cytoscape';
import { assertNever } from '../src/protocol/messages';
import type { GraphModel, HostToWebview, StepView, TraceHopView, TraceView, WebviewToHost } from '../src/protocol/messages';
import { containersOf, createGraph, isContainer, isLarge, positionsOf, restyle, setModel, type Positions } from './graph';
import { el, renderHop, renderSteps } from './headers';
import { toSvg } from './svg';
import { palette } from './theme';
import { button, setDisabled, textField } from './ui';

/** UI state only; the host owns the model and sends it again after a reload. */
interface UiState {
  /** The topology file this panel shows, so the panel serializer can reopen it after a reload. */
  document: string;
  positions: Positions;
  hop: number;
}

interface VsCodeApi {
  postMessage(message: WebviewToHost): void;
  getState(): UiState | undefined;
  setState(state: UiState): void;
}
declare function acquireVsCodeApi(): VsCodeApi;

const vscode = acquireVsCodeApi();
const state: UiState = { positions: {}, hop: 0, ...vscode.getState(), document: document.body.dataset.document ?? '' };
vscode.setState(state);
const post = (m: WebviewToHost) => vscode.postMessage(m);
const byId = (id: string) => document.getElementById(id) as HTMLElement;

const cy = createGraph(byId('graph'), palette());
/** Whether the graph is drawn with the large graphs' lighter stylesheet. */
let large = false;
let trace: TraceView | undefined;
let current = 0;
let timer: ReturnType<typeof setInterval> | undefined;

// ---- toolbar ----
const prev = button('◀ Prev', 'Previous hop (←)', () => step(-1));
const play = button('▶ Play', 'Play the trace hop by hop (Space)', () => togglePlay());
const next = button('Next ▶', 'Next hop (→)', () => step(1));
byId('toolbar').append(
  button('Fit', 'Zoom to fit', () => cy.fit(undefined, 30)),
  textField('Search pods, nodes, services', search),
  prev,
  play,
  next,
  button('PNG', 'Export the graph as PNG', () => exportAs('png')),
  button('SVG', 'Export the graph as SVG', () => exportAs('svg')),
);
setTraceControls();

function setTraceControls(): void {
  for (const b of [prev, play, next]) setDisabled(b, !trace || trace.hops.length === 0);
}

// ---- messages from the host ----
window.addEventListener('message', (event: MessageEvent<HostToWebview>) => {
  const m = event.data;
  switch (m.type) {
    case 'graph':
      showGraph(m.graph, m.errors);
      return;
    case 'trace':
      showTrace(m.trace);
      return;
    case 'status':
      byId('status').textContent = m.text;
      return;
    case 'export':
      exportAs(m.format);
      return;
    default:
      assertNever(m);
  }
});

function showGraph(graph: GraphModel, errors: number): void {
  if (isLarge(graph) !== large) {
    large = !large;
    restyle(cy, palette(), large);
  }
  setModel(cy, graph, state.positions, (positions) => {
    state.positions = positions;
    vscode.setState(state);
    drawTrace();
  });
  const count = (kind: string) => graph.nodes.filter((n) => n.kind === kind).length;
  const plural = (n: number, noun: string) => `${n} ${noun}${n === 1 ? '' : 's'}`;
  byId('status').textContent = `${graph.title}: ${plural(count('node'), 'node')}, ${plural(count('pod'), 'pod')} shown, ${plural(count('service'), 'service')}${errors ? ` · ${errors} error${errors === 1 ? '' : 's'}: showing the last good topology` : ''}`;
  document.body.dataset.graph = 'ready';
  drawTrace();
}

function showTrace(view: TraceView | undefined): void {
  trace = view;
  current = view && state.hop < view.hops.length ? state.hop : 0;
  setTraceControls();
  drawTrace();
}

// ---- trace: highlighted path, numbered badges, side list ----
function drawTrace(): void {
  cy.elements().removeClass('on-path current');
  byId('badges').replaceChildren();
  const aside = byId('trace');
  aside.replaceChildren();
  if (!trace) {
    aside.hidden = true;
    return;
  }
  if (aside.hidden) {
    aside.hidden = false;
    cy.resize();
    cy.fit(undefined, 30);
  }
  aside.append(el('div', `disposition disposition-${trace.disposition}`, `${trace.title}: ${trace.disposition}`));
  const path = trace.hops.flatMap((h) => h.path);
  path.forEach((id, i) => {
    const ele = cy.getElementById(id);
    ele.addClass('on-path');
    const nextId = path[i + 1];
    if (nextId && nextId !== id) ele.edgesWith(cy.getElementById(nextId)).addClass('on-path');
  });
  const list = el('ol', 'hops');
  for (const hop of trace.hops) {
    const item = el('li', `hop-item${hop.index - 1 === current ? ' current' : ''}`, hop.title);
    item.addEventListener('click', () => select(hop.index - 1));
    list.append(item);
  }
  aside.append(list);
  if (trace.final.length) aside.append(renderSteps(trace.final, openStep));
  const hop = trace.hops[current];
  if (hop) {
    for (const id of hop.path) cy.getElementById(id).addClass('current');
    aside.append(renderHop(hop, openStep));
  }
  placeBadges();
}

function placeBadges(): void {
  const layer = byId('badges');
  layer.replaceChildren();
  if (!trace) return;
  const perElement = new Map<string, number>();
  for (const hop of trace.hops) {
    const id = hop.path[0];
    if (!id) continue;
    const ele = cy.getElementById(id);
    if (ele.empty()) continue;
    const seen = perElement.get(id) ?? 0;
    perElement.set(id, seen + 1);
    const pos = ele.renderedPosition();
    const badge = el('div', `hop-badge${hop.index - 1 === current ? ' current' : ''}`, String(hop.index));
    badge.dataset.hop = String(hop.index);
    badge.style.left = `${pos.x + 10 + seen * 20}px`;
    badge.style.top = `${pos.y - 24}px`;
    badge.addEventListener('mouseenter', () => showTooltip(hop, badge));
    badge.addEventListener('mouseleave', () => hideTooltipSoon());
    badge.addEventListener('click', () => select(hop.index - 1));
    layer.append(badge);
  }
}

let hideTimer: ReturnType<typeof setTimeout> | undefined;
const tooltip = byId('tooltip');
tooltip.addEventListener('mouseenter', () => clearTimeout(hideTimer));
tooltip.addEventListener('mouseleave', () => hideTooltipSoon());

function showTooltip(hop: TraceHopView, anchor: HTMLElement): void {
  clearTimeout(hideTimer);
  tooltip.replaceChildren(renderHop(hop, openStep));
  tooltip.hidden = false;
  // Beside the badge, never over it: on the side of the view with more room (the tooltip is at
  // most 44% of the view wide), top aligned with the badge as far as the view allows.
  const r = anchor.getBoundingClientRect();
  const w = tooltip.offsetWidth;
  const h = tooltip.offsetHeight;
  const left = r.left + r.width / 2 < window.innerWidth / 2 ? r.right + 8 : r.left - w - 8;
  tooltip.style.left = `${Math.max(0, left)}px`;
  tooltip.style.top = `${Math.max(8, Math.min(r.top, window.innerHeight - h - 8))}px`;
}

function hideTooltipSoon(): void {
  clearTimeout(hideTimer);
  hideTimer = setTimeout(() => (tooltip.hidden = true), 300);
}

function openStep(s: StepView): void {
  const t = s.target;
  if (!t) return;
  switch (t.type) {
    case 'rules':
      post({ type: 'openRules', node: t.node, view: t.view, ...(t.line ? { line: t.line } : {}), ...(t.search ? { search: t.search } : {}) });
      return;
    case 'source':
      post({ type: 'openSource', line: t.line });
      return;
    default:
      assertNever(t);
  }
}

function select(index: number): void {
  if (!trace) return;
  current = Math.max(0, Math.min(trace.hops.length - 1, index));
  state.hop = current;
  vscode.setState(state);
  drawTrace();
}

function step(delta: number): void {
  select(current + delta);
}

function togglePlay(): void {
  if (timer) {
    clearInterval(timer);
    timer = undefined;
    play.textContent = '▶ Play';
    return;
  }
  if (trace && current >= trace.hops.length - 1) select(0);
  play.textContent = '⏸ Pause';
  timer = setInterval(() => {
    if (!trace || current >= trace.hops.length - 1) return togglePlay();
    step(1);
  }, 900);
}

document.addEventListener('keydown', (e) => {
  if ((e.target as HTMLElement).closest('vscode-text-field')) return;
  if (e.key === 'ArrowRight') step(1);
  else if (e.key === 'ArrowLeft') step(-1);
  else if (e.key === ' ') {
    e.preventDefault();
    togglePlay();
  } else if (e.key === 'f') cy.fit(undefined, 30);
});

// ---- graph interaction ----
cy.on('viewport', () => placeBadges());
cy.on('dragfree', 'node', () => {
  state.positions = positionsOf(cy);
  vscode.setState(state);
});
cy.on('tap', 'node', (e) => {
  const line = Number(e.target.data('sourceLine'));
  if (line > 0) post({ type: 'openSource', line });
});
// A node's pods shown as a count, or the whole node shown as one element: expand it.
cy.on('dbltap', 'node.aggregate, node.node', (e) => {
  const target = e.target as cytoscape.NodeSingular;
  if (isContainer(target)) return;
  const id = target.hasClass('node') ? target.id() : String(target.data('parent') ?? '');
  post({ type: 'expand', node: id.replace(/^node:/, '') });
});
cy.on('mouseover', 'node', (e) => {
  const detail = String(e.target.data('detail') ?? '');
  byId('status').title = detail;
});

function search(value: string): void {
  cy.elements().removeClass('match dimmed');
  const q = value.trim().toLowerCase();
  if (!q) return;
  const hits = cy.nodes().filter((n) => `${n.data('label')} ${n.data('detail')}`.toLowerCase().includes(q));
  if (hits.empty()) return;
  hits.addClass('match');
  cy.nodes().not(hits).not(containersOf(cy, hits)).addClass('dimmed');
  cy.fit(hits as cytoscape.CollectionArgument, 60);
}

function exportAs(format: 'png' | 'svg'): void {
  const p = palette();
  const data = format === 'png' ? cy.png({ output: 'base64uri', full: true, bg: p.bg, scale: 2 }) : toSvg(cy, p.fg, p.bg);
  post({ type: 'exported', format, data });
}

// Theme switches change the body's class: re-read the colours.
new MutationObserver(() => restyle(cy, palette(), large)).observe(document.body, { attributes: true, attributeFilter: ['class'] });
window.addEventListener('resize', () => {
  cy.resize();
  cy.fit(undefined, 30);
  placeBadges();
});

post({ type: 'ready' });
