/**
 * The broken corpus: every file under test/fixtures/broken breaks one rule. Its first line says
 * what must be reported (`# expect: CODE at LINE:COL`, one or more), and its golden baseline
 * test/baselines/broken/<case>.errors.txt reprints the source with `~~~` under each diagnostic's
 * span, so a change to a rule's position logic shows up as a baseline diff
 * (test/harness/baseline.ts). Hostile inputs too big or too odd to commit are generated here. Cases
 * run through what `check` runs: the loader, then (after a clean load) the dataplane's
 * diagnostics, so the PW6xxx cases live here too.
 */

import assert from 'node:assert/strict';
import { existsSync, readFileSync, readdirSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { withDataplaneDiagnostics } from '../../src/engine/dataplane/diagnose';
import { compareDiagnostics, formatDiagnostic, type Diagnostic } from '../../src/engine/diagnostics';
import type { LoadHost } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';
import { matchBaseline } from '../harness/baseline';

const root = path.resolve(__dirname, '../../..');
const fixtures = path.join(root, 'test/fixtures/broken');

/** Includes resolve among the fixtures themselves, by exact name. */
const fixtureHost: LoadHost = {
  expandInclude: (pattern) => (existsSync(path.join(fixtures, pattern)) ? [pattern] : []),
  readFile: (p) => (existsSync(path.join(fixtures, p)) ? readFileSync(path.join(fixtures, p), 'utf8') : undefined),
};

/** The TypeScript `.errors.txt` layout: diagnostics first, then the source with each span underlined. */
function errorsText(name: string, text: string, diagnostics: readonly Diagnostic[], reprint: boolean): string {
  const sorted = [...diagnostics].sort(compareDiagnostics);
  const out = sorted.map(formatDiagnostic);
  if (!reprint) return `${out.join('\n')}\n`;
  out.push('', `==== ${name} (${sorted.length} diagnostics) ====`);
  const lines = text.split('\n');
  lines.forEach((line, i) => {
    out.push(`    ${line}`);
    for (const d of sorted.filter((x) => x.file === name && x.line === i + 1)) {
      const end = d.endLine === d.line ? Math.max(d.endCol, d.col + 1) : line.length + 1;
      out.push(`    ${' '.repeat(d.col - 1)}${'~'.repeat(Math.max(1, end - d.col))}`);
      out.push(`!!! ${d.severity} ${d.code}: ${d.message}`);
    }
  });
  return `${out.join('\n')}\n`;
}

function expectations(text: string): { code: string; line: number; col: number }[] {
  return [...text.matchAll(/^# expect: (PW\d{4}) at (\d+):(\d+)\r?$/gm)].map((m) => ({ code: m[1]!, line: Number(m[2]), col: Number(m[3]) }));
}

const cases = readdirSync(fixtures).filter((f) => /\.(ya?ml|json)$/.test(f) && !f.startsWith('_')).sort();

test('the broken corpus holds at least 40 committed cases', () => {
  assert.ok(cases.length >= 40, `only ${cases.length} cases`);
});

for (const name of cases) {
  test(`broken/${name}`, () => {
    const text = readFileSync(path.join(fixtures, name), 'utf8');
    const result = withDataplaneDiagnostics(loadTopology({ path: name, text }, fixtureHost));
    // JSON has no comments, so a JSON case keeps its expectations in a sibling .expect file.
    const expected = expectations(name.endsWith('.json') ? readFileSync(path.join(fixtures, `${name}.expect`), 'utf8') : text);
    assert.ok(expected.length > 0, `${name} names no expected diagnostic`);
    for (const e of expected) {
      const hit = result.diagnostics.find((d) => d.code === e.code && d.line === e.line && d.col === e.col);
      assert.ok(hit, `${name}: expected ${e.code} at ${e.line}:${e.col}; got\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
    }
    matchBaseline(`broken/${name.replace(/\.(ya?ml|json)$/, '')}.errors.txt`, errorsText(name, text, result.diagnostics, true));
  });
}

const cluster = `apiVersion: packetwalk.io/v1alpha1
kind: Cluster
metadata: {name: hostile}
spec:
  cni: {plugin: flannel}
  nodes: [{name: node1, address: 192.168.1.11}]
`;

/** Hostile inputs, generated: each must give its diagnostic without throwing, and leave the Cluster loaded where it can. */
const hostile: { name: string; text: () => string; code: string; clusterSurvives: boolean }[] = [
  {
    name: 'alias-bomb',
    text: () => `${cluster}---\na: &a ["x","x","x","x","x","x","x","x","x","x"]\n${Array.from({ length: 9 }, (_, i) => `${String.fromCharCode(98 + i)}: &${String.fromCharCode(98 + i)} [${Array(10).fill(`*${String.fromCharCode(97 + i)}`).join(',')}]`).join('\n')}\nkind: Pod\n`,
    code: 'PW1006',
    clusterSurvives: true,
  },
  { name: 'merge-key-bomb', text: () => `${cluster}---\nbase: &b {a: 1}\n${Array.from({ length: 20001 }, (_, i) => `k${i}: {<<: *b}`).join('\n')}\n`, code: 'PW1006', clusterSurvives: true },
  { name: 'deep-nesting-flow', text: () => `${cluster}---\nkind: Pod\nx: ${'['.repeat(10000)}${']'.repeat(10000)}\n`, code: 'PW1007', clusterSurvives: true },
  { name: 'deep-nesting-block', text: () => `${cluster}---\n${'- '.repeat(10000)}1\n`, code: 'PW1007', clusterSurvives: true },
  { name: 'deep-nesting-json', text: () => `${'['.repeat(10000)}${']'.repeat(10000)}`, code: 'PW1008', clusterSurvives: false },
  { name: 'oversize-50mb', text: () => `${cluster}# ${'x'.repeat(50 * 1024 * 1024)}\n`, code: 'PW1005', clusterSurvives: false },
  { name: 'binary-nul', text: () => `${cluster}\u0000\u0001\u0002garbage`, code: 'PW1002', clusterSurvives: false },
  { name: 'utf16-bom', text: () => `\uFFFD\uFFFD${[...cluster].map((c) => `${c}\u0000`).join('')}`, code: 'PW1003', clusterSurvives: false },
  { name: 'invalid-utf8', text: () => `${cluster}---\nkind: Namespace\nmetadata: {name: caf\uFFFD}\n`, code: 'PW1004', clusterSurvives: true },
  { name: 'control-characters', text: () => `${cluster}---\nkind: Pod\nmetadata: {name: "a\u0007b"}\n`, code: 'PW1001', clusterSurvives: true },
];

for (const h of hostile) {
  test(`hostile/${h.name} gives ${h.code} and does not throw`, () => {
    const text = h.text();
    const result = loadTopology({ path: `${h.name}.yaml`, text }, fixtureHost);
    assert.ok(result.diagnostics.some((d) => d.code === h.code), `${h.name}: expected ${h.code}; got\n${result.diagnostics.map(formatDiagnostic).join('\n')}`);
    assert.equal(result.value !== undefined, h.clusterSurvives, `${h.name}: the Cluster document ${h.clusterSurvives ? 'should' : 'should not'} load`);
    matchBaseline(`broken/hostile-${h.name}.errors.txt`, errorsText(`${h.name}.yaml`, '', result.diagnostics, false));
  });
}
