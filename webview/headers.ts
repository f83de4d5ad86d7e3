import type { Header, StepView, TraceHopView } from '../src/protocol/messages';

/**
 * The hop tooltip: the header stack outer to inner, one block per header with its fields, those a
 * step on this hop changed marked; then the hop's steps. Built with textContent only: every string
 * may come from YAML.
 */
export function renderHop(hop: TraceHopView, onStep: (step: StepView) => void): HTMLElement {
  const root = el('div', 'hop');
  root.append(el('div', 'hop-title', hop.title));
  const stack = el('div', 'stack');
  hop.headers.forEach((h, i) => {
    const wholeNew = hop.changed.includes(`${i}.*`);
    const block = el('div', `header layer-${h.layer}${wholeNew ? ' changed' : ''}`);
    block.append(el('span', 'layer', h.layer.toUpperCase()));
    for (const [field, value] of fields(h)) {
      const f = el('span', `field${!wholeNew && hop.changed.includes(`${i}.${field}`) ? ' changed' : ''}`, `${field}=${String(value)}`);
      block.append(f);
    }
    stack.append(block);
  });
  root.append(stack);
  if (hop.steps.length > 0) root.append(renderSteps(hop.steps, onStep));
  return root;
}

export function renderSteps(steps: readonly StepView[], onStep: (step: StepView) => void): HTMLElement {
  const list = el('ol', 'steps');
  for (const s of steps) {
    const item = el('li', `step step-${s.kind}${s.target ? ' link' : ''}`, s.text);
    if (s.target) {
      item.tabIndex = 0;
      item.addEventListener('click', () => onStep(s));
      item.addEventListener('keydown', (e) => {
        if (e.key === 'Enter') onStep(s);
      });
    }
    list.append(item);
  }
  return list;
}

function fields(h: Header): [string, unknown][] {
  return Object.entries(h).filter(([k]) => k !== 'layer');
}

export function el(tag: string, className: string, text?: string): HTMLElement {
  const e = document.createElement(tag);
  e.className = className;
  if (text !== undefined) e.textContent = text;
  return e;
}
