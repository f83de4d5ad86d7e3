/**
 * Property tests: random topologies and random mutations of valid ones. Whatever the input, the
 * loader returns (never throws), every diagnostic is a known code at a position inside the file,
 * and a file under 1 MB loads in under three seconds of CPU (a hang guard, not a benchmark).
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import * as yaml from 'js-yaml';
import type { Diagnostic } from '../../src/engine/diagnostics';
import { codes } from '../../src/engine/model/codes';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';

const knownCodes = new Set<string>(Object.values(codes).map((c) => c.code));

function checkedLoad(text: string): ReturnType<typeof loadTopology> {
  // CPU time, not wall time: a hang burns CPU, while a busy shared machine only stretches the wall clock.
  const start = process.cpuUsage();
  const r = loadTopology({ path: 'p.yaml', text }, noIncludes);
  const used = process.cpuUsage(start);
  const ms = (used.user + used.system) / 1000;
  // Three seconds: a quadratic blow-up on a file this size takes minutes, while a collection of
  // the whole test process's heap landing inside one small load has taken over one second here.
  if (text.length < 1_000_000) assert.ok(ms < 3000, `took ${ms.toFixed(0)} ms of CPU for ${text.length} characters: ${JSON.stringify(text.slice(0, 300))}`);
  const lines = text.split('\n').length;
  for (const d of r.diagnostics) wellFormed(d, lines);
  return r;
}

function wellFormed(d: Diagnostic, lines: number): void {
  assert.ok(knownCodes.has(d.code), `unknown code ${d.code}`);
  assert.ok(d.line >= 1 && d.line <= lines + 1 && d.col >= 1, `position ${d.line}:${d.col} outside a ${lines}-line file (${d.message})`);
  assert.ok(d.endLine > d.line || (d.endLine === d.line && d.endCol >= d.col), `span ends before it starts: ${JSON.stringify(d)}`);
  assert.ok(d.message.length > 10 && !/undefined|\[object Object\]/.test(d.message), `message: ${d.message}`);
}

// A valid topology: n nodes with their /24s, pods with addresses inside them, Services selecting them.
const validTopology = fc.record({
  nodes: fc.integer({ min: 1, max: 6 }),
  pods: fc.array(fc.record({ node: fc.nat(5), app: fc.constantFrom('a', 'b', 'c'), ip: fc.option(fc.integer({ min: 2, max: 250 }), { nil: undefined }), port: fc.integer({ min: 1, max: 65535 }) }), { maxLength: 25 }),
  services: fc.array(fc.record({ app: fc.constantFrom('a', 'b', 'c'), port: fc.integer({ min: 1, max: 65535 }), type: fc.constantFrom('ClusterIP', 'NodePort', 'LoadBalancer') }), { maxLength: 6 }),
  plugin: fc.constantFrom('flannel', 'canal', 'kubenet', 'calico', 'weave'),
}).map(({ nodes, pods, services, plugin }) => {
  const usedIps = new Set<string>();
  const docs: unknown[] = [{
    apiVersion: 'packetwalk.io/v1alpha1', kind: 'Cluster', metadata: { name: 'p' },
    spec: { clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16', cni: { plugin }, nodes: Array.from({ length: nodes }, (_, i) => ({ name: `n${i}`, address: `192.168.0.${i + 1}` })) },
  }];
  pods.forEach((p, i) => {
    const node = p.node % nodes;
    const block = plugin === 'calico' ? `10.42.0.${node * 64}` : `10.42.${node}.0`;
    const ip = p.ip === undefined || plugin === 'calico' ? undefined : block.replace(/\.0$/, `.${p.ip}`);
    const unique = ip !== undefined && !usedIps.has(ip) ? ip : undefined;
    if (unique) usedIps.add(unique);
    docs.push({ apiVersion: 'v1', kind: 'Pod', metadata: { name: `p${i}`, labels: { app: p.app } }, spec: { nodeName: `n${node}`, containers: [{ name: 'c', ports: [{ name: 'web', containerPort: p.port }] }] }, ...(unique ? { status: { podIP: unique } } : {}) });
  });
  services.forEach((s, i) => docs.push({ apiVersion: 'v1', kind: 'Service', metadata: { name: `s${i}` }, spec: { type: s.type, selector: { app: s.app }, ports: [{ port: s.port, targetPort: 'web' }] } }));
  return { docs, pods: pods.length, services: services.length };
});

const dump = (docs: readonly unknown[]): string => docs.map((d) => yaml.dump(d, { flowLevel: 3 })).join('---\n');

test('valid random topologies load with no error and every object present', () => {
  fc.assert(fc.property(validTopology, ({ docs, pods, services }) => {
    const r = checkedLoad(dump(docs));
    const errors = r.diagnostics.filter((d) => d.severity === 'error');
    assert.deepEqual(errors.map((d) => d.message), []);
    assert.equal(r.value!.pods.length, pods);
    assert.equal(r.value!.services.length, services);
    assert.equal(new Set(r.value!.pods.map((p) => p.ip)).size, pods, 'pod addresses are unique');
  }), { numRuns: 150 });
});

type Mutation = { kind: 'delete' | 'retype'; doc: number; pick: number; value: unknown } | { kind: 'duplicate'; doc: number } | { kind: 'truncate'; at: number } | { kind: 'splice'; at: number; text: string };

const mutation: fc.Arbitrary<Mutation> = fc.oneof(
  fc.record({ kind: fc.constant('delete' as const), doc: fc.nat(40), pick: fc.nat(200), value: fc.constant(null) }),
  fc.record({ kind: fc.constant('retype' as const), doc: fc.nat(40), pick: fc.nat(200), value: fc.oneof(fc.string(), fc.integer(), fc.boolean(), fc.constant(null), fc.constant([]), fc.constant({}), fc.double()) }),
  fc.record({ kind: fc.constant('duplicate' as const), doc: fc.nat(40) }),
  fc.record({ kind: fc.constant('truncate' as const), at: fc.nat(5000) }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(5000), text: fc.oneof(fc.string({ maxLength: 8 }), fc.constantFrom('- ', ': ', '{', ']', '\t', '---\n', '*a', '&a ', '!!binary ', '<<: ', '"', "'", '\u0000', '\uFFFD', '#')) }),
);

/** Every (container, key) pair inside a value, in a fixed order, for picking a place to mutate. */
function places(v: unknown, out: [Record<string, unknown> | unknown[], string | number][] = []): typeof out {
  if (Array.isArray(v)) v.forEach((x, i) => (out.push([v, i]), places(x, out)));
  else if (v !== null && typeof v === 'object') for (const [k, x] of Object.entries(v)) (out.push([v as Record<string, unknown>, k]), places(x, out));
  return out;
}

function mutate(docs: unknown[], text: string, m: Mutation): string {
  switch (m.kind) {
    case 'truncate':
      return text.slice(0, m.at % (text.length + 1));
    case 'splice': {
      const at = m.at % (text.length + 1);
      return text.slice(0, at) + m.text + text.slice(at);
    }
    case 'duplicate': {
      const copy = structuredClone(docs);
      copy.splice(m.doc % copy.length, 0, structuredClone(copy[m.doc % copy.length]));
      return dump(copy);
    }
    case 'delete':
    case 'retype': {
      const copy = structuredClone(docs);
      const all = places(copy[m.doc % copy.length]);
      if (all.length === 0) return dump(copy);
      const [container, key] = all[m.pick % all.length]!;
      if (m.kind === 'delete') {
        if (Array.isArray(container)) container.splice(key as number, 1);
        else delete container[key as string];
      } else (container as Record<string | number, unknown>)[key] = m.value;
      return dump(copy);
    }
  }
}

test('mutations of valid topologies never throw and give well-formed diagnostics', () => {
  fc.assert(fc.property(validTopology, fc.array(mutation, { minLength: 1, maxLength: 3 }), ({ docs }, ms) => {
    let text = dump(docs);
    for (const m of ms) text = mutate(docs, text, m);
    checkedLoad(text);
  }), { numRuns: 300 });
});

test('arbitrary text never throws', () => {
  fc.assert(fc.property(fc.oneof(fc.string({ maxLength: 400 }), fc.string({ unit: 'binary', maxLength: 400 }), fc.json()), (text) => {
    checkedLoad(text);
  }), { numRuns: 300 });
});
