import { readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import type { LoadHost } from '../engine/index';

/**
 * `spec.include` for files on disk: globs relative to the including file, `*` and `?` within one
 * path segment, `**` across segments. Topologies on virtual file systems load without includes.
 */
export const fsHost: LoadHost = {
  expandInclude(pattern, fromFile) {
    const base = path.dirname(fromFile);
    const segments = pattern.split('/').filter((s) => s !== '' && s !== '.');
    return expand(base, segments).sort();
  },
  readFile(file) {
    try {
      return readFileSync(file, 'utf8');
    } catch {
      return undefined;
    }
  },
};

function expand(dir: string, segments: readonly string[]): string[] {
  const [head, ...rest] = segments;
  if (head === undefined) return [];
  if (head === '..') return expand(path.dirname(dir), rest);
  let entries: { name: string; isDirectory(): boolean }[];
  try {
    entries = readdirSync(dir, { withFileTypes: true });
  } catch {
    return [];
  }
  if (head === '**') {
    const here = expand(dir, rest);
    const deeper = entries.filter((e) => e.isDirectory()).flatMap((e) => expand(path.join(dir, e.name), segments));
    return [...here, ...deeper];
  }
  const re = new RegExp(`^${head.replace(/[.+^${}()|[\]\\]/g, '\\$&').replace(/\*/g, '[^/]*').replace(/\?/g, '[^/]')}$`);
  const matches = entries.filter((e) => re.test(e.name));
  if (rest.length === 0) return matches.filter((e) => !e.isDirectory()).map((e) => path.join(dir, e.name));
  return matches.filter((e) => e.isDirectory()).flatMap((e) => expand(path.join(dir, e.name), rest));
}
