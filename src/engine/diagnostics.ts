/**
 * Diagnostics are data: every stage returns them next to its value and never throws for bad input.
 * A code is stable across releases (tests and users key on it); the message says what to do.
 */

export type Severity = 'error' | 'warning' | 'info';

/** A 1-based position in a source file, as editors and compilers print it. */
export interface SourcePos {
  readonly file: string;
  readonly line: number;
  readonly col: number;
}

/** A range in a source file; `end` is exclusive. */
export interface SourceSpan extends SourcePos {
  readonly endLine: number;
  readonly endCol: number;
}

export interface Diagnostic extends SourceSpan {
  /** Stable identifier such as `PW1001`; the table is `model/codes.ts`. */
  readonly code: string;
  readonly severity: Severity;
  readonly message: string;
}

export interface Result<T> {
  readonly value: T;
  readonly diagnostics: readonly Diagnostic[];
}

export function hasErrors(diagnostics: readonly Diagnostic[]): boolean {
  return diagnostics.some((d) => d.severity === 'error');
}

/** `FILE:LINE:COL: severity: message [code]`, the format of DESIGN.md §5. */
export function formatDiagnostic(d: Diagnostic): string {
  return `${d.file}:${d.line}:${d.col}: ${d.severity}: ${d.message} [${d.code}]`;
}

/** Orders diagnostics as a reader scans a file: by file, then position. */
export function compareDiagnostics(a: Diagnostic, b: Diagnostic): number {
  if (a.file !== b.file) return a.file < b.file ? -1 : 1;
  return a.line - b.line || a.col - b.col || (a.code < b.code ? -1 : a.code > b.code ? 1 : 0);
}
