import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { nodeHost } from '../../src/cli/nodeHost';
import { buildGraph, deriveDataplane } from '../../src/engine/index';
import { loadTopology } from '../../src/engine/model/load';
import { capture } from '../fixtures/cli';

const samplesDir = path.resolve(__dirname, '../../../samples');
const sampleFiles = readdirSync(samplesDir).filter((f) => f.endsWith('.yaml')).sort();

/** The `inet` addresses `packetwalk show FILE --node NODE --table addrs` prints. */
async function shownAddresses(file: string, node: string): Promise<Set<string>> {
  const c = capture();
  assert.equal(await main(['show', file, '--node', node, '--table', 'addrs'], c.io), 0, c.err.join('\n'));
  return new Set([...c.out.join('\n').matchAll(/^\s+inet (\S+)/gm)].map((m) => m[1]!));
}

test('every bridge and tunnel address the graph labels is one `show --table addrs` prints for that node, in every sample', async () => {
  let checked = 0;
  for (const name of sampleFiles) {
    const file = path.join(samplesDir, name);
    const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value;
    assert.ok(topology, name);
    const graph = buildGraph(deriveDataplane(topology), { collapseThreshold: Infinity, expanded: new Set() });
    for (const element of graph.nodes) {
      if ((element.kind !== 'bridge' && element.kind !== 'tunnel') || !element.detail) continue;
      const node = element.parent!.slice('node:'.length);
      const shown = await shownAddresses(file, node);
      for (const address of element.detail.split(', ')) {
        assert.ok(shown.has(address), `${name}: ${node}'s ${element.label} is labelled ${address}; show prints ${[...shown].join(', ')}`);
        checked++;
      }
    }
  }
  assert.ok(checked > 20, `${checked} addresses checked`);
});

test("weave-2's bridge is labelled with the address show prints (10.40.0.0/12), not a guessed gateway", () => {
  const file = path.join(samplesDir, 'weave-fastdp.yaml');
  const topology = loadTopology({ path: file, text: readFileSync(file, 'utf8') }, nodeHost).value!;
  const graph = buildGraph(deriveDataplane(topology), { collapseThreshold: Infinity, expanded: new Set() });
  assert.equal(graph.nodes.find((n) => n.id === 'bridge:weave-2')?.detail, '10.40.0.0/12');
});
