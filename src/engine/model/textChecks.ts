/**
 * Checks on the raw text before any parsing, so hostile input is turned away in time linear in its
 * size: a file too large to hold comfortably, binary content, UTF-16 read as UTF-8.
 */

import type { Diagnostic } from '../diagnostics';
import { LineIndex } from './lines';
import { diagnostic, pointAt } from './report';

/** Largest text the loader parses (in UTF-16 units); bigger topologies are split with `spec.include`. */
export const MAX_TEXT_LENGTH = 45 * 1024 * 1024;

export interface TextVerdict {
  readonly diagnostics: readonly Diagnostic[];
  /** False when the text must not be parsed at all. */
  readonly parse: boolean;
}

export function checkText(file: string, text: string): TextVerdict {
  if (text.length > MAX_TEXT_LENGTH) {
    const mib = (text.length / 1024 / 1024).toFixed(1);
    return { parse: false, diagnostics: [diagnostic('tooLarge', pointAt(file, 1, 1), `the file is ${mib} MiB, over the loader's limit of ${MAX_TEXT_LENGTH / 1024 / 1024} MiB; split it into several files listed in the Cluster's spec.include`)] };
  }
  const nul = text.indexOf('\u0000');
  if (nul >= 0) {
    // UTF-16 text read as UTF-8 starts with a mangled byte-order mark and has a NUL beside every ASCII character.
    const utf16 = text.startsWith('\uFFFD\uFFFD') || text.startsWith('\uFEFF') || (nul <= 1 && text[nul + 2] === '\u0000');
    const { line, col } = new LineIndex(text).position(nul);
    return utf16
      ? { parse: false, diagnostics: [diagnostic('utf16', pointAt(file, 1, 1), 'the file looks like UTF-16; save it as UTF-8, the encoding YAML tools and kubectl write')] }
      : { parse: false, diagnostics: [diagnostic('binaryFile', pointAt(file, line, col), 'the file holds a NUL byte, so it is binary rather than YAML or JSON text; check that this is the topology file')] };
  }
  const bad = text.indexOf('\uFFFD');
  if (bad >= 0) {
    const { line, col } = new LineIndex(text).position(bad);
    return { parse: true, diagnostics: [diagnostic('invalidUtf8', pointAt(file, line, col), 'the file is not valid UTF-8 here (the bytes were replaced by U+FFFD); re-save it as UTF-8')] };
  }
  return { parse: true, diagnostics: [] };
}
