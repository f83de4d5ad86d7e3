import type { LensAnchors, LoadSummary } from './workerProtocol';

/**
 * The latest CodeLens anchors of each document, by topology generation. The worker sends anchors
 * only with the answer that changed the generation, so they are kept even when the store throws
 * that answer away (a further edit arrived while loading): the next answer may carry the same
 * generation without anchors (an edit with errors keeps the last good topology).
 */
export class AnchorMemory {
  private readonly latest = new Map<string, { readonly generation: number; readonly anchors: LensAnchors }>();

  /** Keeps the anchors an answer carries; call it for every answer, kept or thrown away. */
  note(doc: string, summary: Pick<LoadSummary, 'generation' | 'anchors'>): void {
    if (summary.anchors) this.latest.set(doc, { generation: summary.generation, anchors: summary.anchors });
  }

  /** The anchors of the document's topology `generation`, if an answer brought them. */
  of(doc: string, generation: number): LensAnchors | undefined {
    const kept = this.latest.get(doc);
    return kept?.generation === generation ? kept.anchors : undefined;
  }

  forget(doc: string): void {
    this.latest.delete(doc);
  }

  clear(): void {
    this.latest.clear();
  }
}
