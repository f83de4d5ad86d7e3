/**
 * The upstream corpus: verbatim files from the CNIs' repositories and real `kubectl`/API output
 * from public repositories (test/fixtures/upstream/<repo>/, each with its provenance), loaded as a
 * user would load them: a small Cluster document per topology (test/fixtures/upstream/topologies/)
 * that includes them unedited. Each must load with no error and no warning about kinds or fields
 * (PW2xxx), and `trace` and `show` must work on it.
 */

import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { nodeHost, readSource } from '../../src/cli/nodeHost';
import { formatDiagnostic } from '../../src/engine/diagnostics';
import { loadTopology } from '../../src/engine/model/load';
import type { Topology } from '../../src/engine/model/types';
import { repoRoot } from '../fixtures/load';
import { capture } from '../fixtures/cli';
import { dumps } from './importDumps';

const upstream = path.join(repoRoot, 'test/fixtures/upstream');
const topologies = path.join(upstream, 'topologies');

function corpusFiles(): string[] {
  return readdirSync(upstream, { withFileTypes: true })
    .filter((d) => d.isDirectory() && d.name !== 'topologies')
    .flatMap((d) => readdirSync(path.join(upstream, d.name)).filter((f) => !f.endsWith('.provenance')).map((f) => `${d.name}/${f}`))
    .sort();
}

test('every corpus file has its provenance: repository, path and commit', () => {
  const files = corpusFiles();
  assert.ok(files.length >= 20, `the corpus holds ${files.length} files`);
  for (const f of files) {
    const lines = readFileSync(path.join(upstream, `${f}.provenance`), 'utf8').trimEnd().split('\n');
    assert.equal(lines.length, 3, f);
    assert.match(lines[0]!, /^repository: github\.com\/[\w.-]+\/[\w.-]+$/, f);
    assert.equal(lines[1], `path: ${f.slice(f.indexOf('/') + 1).replaceAll('__', '/')}`, f);
    assert.match(lines[2]!, /^commit: [0-9a-f]{40}$/, f);
  }
});

test('every corpus file is included by a topology, or is part of a dump the import tests import', () => {
  const included = new Set(
    readdirSync(topologies).flatMap((t) => [...readFileSync(path.join(topologies, t), 'utf8').matchAll(/^ {2}- \.\.\/(.+)$/gm)].map((m) => m[1]!)),
  );
  const imported = new Set(dumps.map((d) => d.dir));
  for (const f of corpusFiles()) assert.ok(included.has(f) || imported.has(f.slice(0, f.indexOf('/'))), `${f} is included by a topology or imported`);
});

/** Two pods to walk between, network-namespaced ones first; a lone pod walks to its node. */
function endpoints(t: Topology): { from: string; to: string } {
  const pods = [...t.pods].sort((a, b) => Number(a.hostNetwork) - Number(b.hostNetwork));
  const [a, b] = pods;
  assert.ok(a, 'the topology has a pod');
  return { from: `pod/${a.namespace}/${a.name}`, to: b ? `pod/${b.namespace}/${b.name}` : `node/${t.nodes[0]!.name}` };
}

for (const name of readdirSync(topologies).filter((f) => f.endsWith('.yaml')).sort()) {
  test(`upstream topology ${name} loads clean, traces and shows`, async () => {
    const file = path.join(topologies, name);
    const source = readSource(file);
    assert.ok(!('diagnostic' in source));
    const result = loadTopology(source, nodeHost);
    const bad = result.diagnostics.filter((d) => d.severity === 'error' || (d.severity === 'warning' && d.code.startsWith('PW2')));
    assert.deepEqual(bad.map(formatDiagnostic), []);
    const t = result.value!;
    const { from, to } = endpoints(t);
    const traced = capture();
    assert.equal(await main(['trace', file, '--from', from, '--to', to], traced.io), 0, traced.err.join('\n'));
    assert.match(traced.out.join('\n'), /DELIVERED|DENIED|DROPPED|REJECTED|NO_ROUTE|EXITS_CLUSTER/);
    const shown = capture();
    assert.equal(await main(['show', file, '--node', t.nodes[0]!.name, '--table', 'routes'], shown.io), 0, shown.err.join('\n'));
    assert.ok(shown.out.join('\n').length > 0);
  });
}
