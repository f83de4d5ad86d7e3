/**
 * The incremental loader against a fresh full load: after every random edit (a pod's label, IP,
 * readiness or named port, a comment line, a broken document, a Service's selector, a duplicate
 * name, a pod without an IP), `update` must give exactly what `loadTopology` gives for the same
 * text, value and diagnostics alike, whether the edit was patched in place or fell back.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { generateTopology, type GeneratedCni } from '../../src/engine/generate/topology';
import { noIncludes } from '../../src/engine/model/host';
import { createIncrementalLoader } from '../../src/engine/model/incremental';
import { loadTopology } from '../../src/engine/model/load';

const path = 'edit.yaml';

function generated(cni: GeneratedCni): string {
  return [...generateTopology({ nodes: 4, podsPerNode: 4, services: 4, endpointsPerService: 3, policies: cni.startsWith('calico') ? 2 : 0, cni, proxy: 'iptables', seed: 7 })].join('');
}

/** The offset of the n-th (mod count) occurrence of `needle`, or -1. */
function nth(text: string, needle: string, n: number): number {
  const all: number[] = [];
  for (let i = text.indexOf(needle); i >= 0; i = text.indexOf(needle, i + 1)) all.push(i);
  return all.length ? all[n % all.length]! : -1;
}

/** Replaces what follows `needle` up to the next `stop` character. */
function replaceAfter(text: string, needle: string, n: number, stop: string, value: string): string {
  const at = nth(text, needle, n);
  if (at < 0) return text;
  const from = at + needle.length;
  const to = text.indexOf(stop, from);
  return text.slice(0, from) + value + text.slice(to);
}

type Edit = (text: string) => string;

const edit: fc.Arbitrary<Edit> = fc.oneof(
  fc.tuple(fc.nat(), fc.constantFrom('svc-0', 'svc-1', 'svc-3', 'none')).map(([n, app]) => (t: string) => replaceAfter(t, 'labels: {app: ', n, '}', app)),
  fc.tuple(fc.nat(), fc.integer({ min: 0, max: 255 })).map(([n, last]) => (t: string) => {
    const at = nth(t, 'podIP: ', n);
    if (at < 0) return t;
    const end = t.indexOf('}', at);
    const ip = t.slice(at + 7, end).split('.');
    ip[3] = String(last);
    return t.slice(0, at + 7) + ip.join('.') + t.slice(end);
  }),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'status: {', n, '}', 'phase: Pending, podIP: 10.0.0.77')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'ports: [{name: ', n, ',', 'web')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'kind: Pod\n', n, 'm', '# a comment line\n')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'kind: Pod\n', n, 'm', 'metadata: {name: [\n')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'selector: {app: ', n, '}', 'svc-2')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, 'metadata: {name: pod-', n, ',', '1')),
  fc.nat().map((n) => (t: string) => replaceAfter(t, ', status: {podIP: ', n, '}', '').replace(', status: {podIP: }', '')),
);

for (const cni of ['calico/ipip', 'flannel/vxlan'] as const) {
  test(`incremental updates equal a full load after each random edit (${cni})`, () => {
    const base = generated(cni);
    fc.assert(
      fc.property(fc.array(edit, { minLength: 1, maxLength: 8 }), (edits) => {
        const loader = createIncrementalLoader(noIncludes);
        let text = base;
        assert.deepEqual(loader.update({ path, text }), loadTopology({ path, text }, noIncludes));
        for (const e of edits) {
          text = e(text);
          assert.deepEqual(loader.update({ path, text }), loadTopology({ path, text }, noIncludes));
        }
      }),
      { numRuns: 60, seed: 19 },
    );
  });
}

test('a label edit is patched: the unchanged objects are the previous ones, the edited pod is new', () => {
  const text = generated('calico/ipip');
  const loader = createIncrementalLoader(noIncludes);
  const first = loader.update({ path, text }).value!;
  const edited = replaceAfter(text, 'labels: {app: ', 0, '}', 'elsewhere');
  const second = loader.update({ path, text: edited }).value!;
  const i = first.pods.findIndex((p) => p.labels.app !== second.pods[first.pods.indexOf(p)]?.labels.app);
  assert.ok(i >= 0 && second.pods[i]!.labels.app === 'elsewhere');
  assert.equal(second.pods.filter((p, k) => p !== first.pods[k]).length, 1, 'only the edited pod is a new object');
  assert.equal(second.services, first.services);
  assert.deepEqual(second, loadTopology({ path, text: edited }, noIncludes).value);
});
