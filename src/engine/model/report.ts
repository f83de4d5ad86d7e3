/** Builds diagnostics from the code table, so a code's severity is decided in one place. */

import type { Diagnostic, SourceSpan } from '../diagnostics';
import { codes, type CodeKey } from './codes';

export function diagnostic(key: CodeKey, at: SourceSpan, message: string): Diagnostic {
  const c = codes[key];
  return { ...at, code: c.code, severity: c.severity, message };
}

/** A span covering one position, for problems that have no extent (a file, a document start). */
export function pointAt(file: string, line: number, col: number): SourceSpan {
  return { file, line, col, endLine: line, endCol: col + 1 };
}
