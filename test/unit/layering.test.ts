import assert from 'node:assert/strict';
import * as fs from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';

// The engine's modules import each other without a cycle (ARCHITECTURE.md, "Layers"). eslint bans
// imports against the layer order per folder; this finds a cycle inside a folder or a layer, which
// the per-folder bans cannot see. `import type` and `export type` do not count: the compiler
// erases them, so they order no module's evaluation (import/internal.ts names the KubeObject type
// of import/objects.ts, which calls it).

const engineRoot = path.resolve(__dirname, '../../../src/engine');

function sourceFiles(dir: string): string[] {
  return fs.readdirSync(dir, { withFileTypes: true }).flatMap((entry) => {
    const full = path.join(dir, entry.name);
    if (entry.isDirectory()) return sourceFiles(full);
    return entry.name.endsWith('.ts') ? [full] : [];
  });
}

/**
 * The relative module specifiers of `import … from '…'`, `export … from '…'` and `import '…'`,
 * leaving out the type-only `import type …` and `export type …`.
 */
function relativeImports(text: string): string[] {
  const found: string[] = [];
  for (const match of text.matchAll(/^\s*(import|export)\b(\s+type\b)?[^;']*?(?:\bfrom\s+)?'(\.[^']*)'/gm)) {
    if (match[2] === undefined) found.push(match[3]!);
  }
  return found;
}

function resolveModule(from: string, specifier: string): string | undefined {
  const base = path.resolve(path.dirname(from), specifier);
  return [`${base}.ts`, path.join(base, 'index.ts')].find((candidate) => fs.existsSync(candidate));
}

/** Each cycle once, as the list of files it passes through (relative to src/engine). */
export function findCycles(graph: ReadonlyMap<string, readonly string[]>): string[][] {
  const cycles: string[][] = [];
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (node: string): void => {
    state.set(node, 'open');
    stack.push(node);
    for (const next of graph.get(node) ?? []) {
      if (state.get(next) === 'open') cycles.push([...stack.slice(stack.indexOf(next)), next]);
      else if (!state.has(next)) visit(next);
    }
    stack.pop();
    state.set(node, 'done');
  };
  for (const node of [...graph.keys()].sort()) if (!state.has(node)) visit(node);
  return cycles;
}

function engineGraph(): Map<string, string[]> {
  const graph = new Map<string, string[]>();
  for (const file of sourceFiles(engineRoot)) {
    const targets = relativeImports(fs.readFileSync(file, 'utf8')).map((specifier) => {
      const target = resolveModule(file, specifier);
      assert.ok(target, `${path.relative(engineRoot, file)} imports '${specifier}', which resolves to no file`);
      return path.relative(engineRoot, target);
    });
    graph.set(path.relative(engineRoot, file), [...new Set(targets)].sort());
  }
  return graph;
}

test('the engine has no import cycle (type-only imports left out)', () => {
  const graph = engineGraph();
  assert.ok(graph.size > 100, `read ${graph.size} engine modules; expected the whole engine`);
  const cycles = findCycles(graph);
  assert.deepEqual(cycles.map((cycle) => cycle.join(' → ')), [], 'import cycles in src/engine');
});

test('the cycle finder reports a cycle it is given', () => {
  const graph = new Map([['a.ts', ['b.ts']], ['b.ts', ['c.ts']], ['c.ts', ['a.ts']], ['d.ts', ['a.ts']]]);
  assert.deepEqual(findCycles(graph), [['a.ts', 'b.ts', 'c.ts', 'a.ts']]);
});
