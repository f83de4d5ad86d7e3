import type { Result } from '../diagnostics';
import type { LoadHost, SourceFile } from './host';
import type { Topology } from './types';

/** Text → documents with positions → validated model. Never throws for bad input. */
export function loadTopology(_file: SourceFile, _host: LoadHost): Result<Topology | undefined> {
  return { value: undefined, diagnostics: [] };
}
