import { readFileSync, readdirSync, statSync } from 'node:fs';
import * as path from 'node:path';
import { type Diagnostic, diagnostic, type LoadHost, pointAt, type SourceFile } from '../engine/index';

/** Reads a topology file for the CLI; an unreadable file is a diagnostic, not a crash. */
export function readSource(file: string): SourceFile | { diagnostic: Diagnostic } {
  try {
    return { path: file, text: readFileSync(file, 'utf8') };
  } catch (e) {
    const reason = (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file' : (e as Error).message;
    return { diagnostic: diagnostic('unreadableFile', pointAt(file, 1, 1), `cannot read the file: ${reason}; check the path`) };
  }
}

function globToRegExp(glob: string): RegExp {
  let re = '';
  for (let i = 0; i < glob.length; i++) {
    const c = glob[i]!;
    if (c === '*' && glob[i + 1] === '*') {
      re += glob[i + 2] === '/' ? '(?:.*/)?' : '.*';
      i += glob[i + 2] === '/' ? 2 : 1;
    } else if (c === '*') re += '[^/]*';
    else if (c === '?') re += '[^/]';
    else re += c.replace(/[.+^${}()|[\]\\]/g, '\\$&');
  }
  return new RegExp(`^${re}$`);
}

function walk(dir: string, base: string, out: string[]): void {
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    if (entry.name === 'node_modules' || entry.name.startsWith('.')) continue;
    const rel = base ? `${base}/${entry.name}` : entry.name;
    if (entry.isDirectory()) walk(path.join(dir, entry.name), rel, out);
    else out.push(rel);
  }
}

export const nodeHost: LoadHost = {
  expandInclude(pattern, fromFile) {
    const dir = path.dirname(fromFile);
    if (!/[*?]/.test(pattern)) {
      const p = path.join(dir, pattern);
      try { return statSync(p).isFile() ? [p] : []; } catch { return []; }
    }
    const files: string[] = [];
    try { walk(dir, '', files); } catch { return []; }
    const re = globToRegExp(pattern.replace(/^\.\//, ''));
    return files.filter((f) => re.test(f)).sort().map((f) => path.join(dir, f));
  },
  readFile(file) {
    try { return readFileSync(file, 'utf8'); } catch { return undefined; }
  },
};
