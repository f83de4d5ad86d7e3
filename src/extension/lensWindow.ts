import type { LensAnchors } from './workerProtocol';

/** One CodeLens anchor unpacked: a Pod or a Service defined in the file. */
export interface Anchor {
  readonly kind: 'pod' | 'service';
  readonly namespace: string;
  readonly name: string;
  /** 1-based. */
  readonly line: number;
  readonly port: number | undefined;
  readonly clusterIP: string;
}

/** 1-based inclusive line ranges, as the editors showing a document see it. */
export type LineRange = readonly [first: number, last: number];

/**
 * The anchors to give lenses to. A file of at most `limit` anchors gets all of them; a larger one
 * only those within `margin` lines of what its editors show (VS Code asks for every lens of a
 * document at once, and 300,000 lenses stall both the host and the renderer), at most `limit`.
 * Pure, so the window is tested without VS Code.
 */
export function anchorsInView(anchors: LensAnchors, visible: readonly LineRange[], limit: number, margin: number): { anchors: Anchor[]; windowed: boolean } {
  const count = anchors.lines.length;
  if (count <= limit) return { anchors: unpack(anchors, 0, count), windowed: false };
  const out: Anchor[] = [];
  const names = lineStarts(anchors);
  const seen = new Set<number>();
  for (const [first, last] of visible) {
    for (let i = lowerBound(anchors.lines, first - margin); i < count && (anchors.lines[i] ?? 0) <= last + margin && out.length < limit; i++) {
      if (seen.has(i)) continue;
      seen.add(i);
      out.push(anchorAt(anchors, names, i));
    }
  }
  return { anchors: out, windowed: true };
}

function unpack(anchors: LensAnchors, from: number, to: number): Anchor[] {
  const names = lineStarts(anchors);
  const out: Anchor[] = [];
  for (let i = from; i < to; i++) out.push(anchorAt(anchors, names, i));
  return out;
}

function anchorAt(anchors: LensAnchors, starts: { text: string; at: Uint32Array }, i: number): Anchor {
  const end = i + 1 < starts.at.length ? (starts.at[i + 1] ?? 0) - 1 : starts.text.length;
  const [namespace = '', name = '', clusterIP = ''] = starts.text.slice(starts.at[i], end).split('\t');
  const port = anchors.ports[i] ?? 0;
  return { kind: anchors.kinds[i] === 1 ? 'service' : 'pod', namespace, name, line: anchors.lines[i] ?? 1, port: port > 0 ? port : undefined, clusterIP };
}

// The names of one anchor set are indexed once, not split per request.
const indexed = new WeakMap<LensAnchors, { text: string; at: Uint32Array }>();

function lineStarts(anchors: LensAnchors): { text: string; at: Uint32Array } {
  let index = indexed.get(anchors);
  if (!index) {
    const text = anchors.names;
    const starts: number[] = text === '' ? [] : [0];
    for (let at = text.indexOf('\n'); at >= 0; at = text.indexOf('\n', at + 1)) starts.push(at + 1);
    indexed.set(anchors, (index = { text, at: Uint32Array.from(starts) }));
  }
  return index;
}

/** The first index whose line is at least `line`. */
function lowerBound(lines: Uint32Array, line: number): number {
  let lo = 0;
  let hi = lines.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if ((lines[mid] ?? 0) < line) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}
