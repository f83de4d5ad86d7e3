/**
 * Where parseDocuments says a path is written (what hovers and diagnostics point at), checked on
 * the layouts YAML allows: block and flow, quoted keys, look-alike keys, comments, anchors, Lists.
 */

import assert from 'node:assert/strict';
import { test } from 'node:test';
import { parseDocuments } from '../fixtures/load';
import type { Path, PathPart } from '../../src/engine/model/path';

/** The text a span covers, and its line:col, for readable assertions. */
function at(text: string, path: Path, part: PathPart = 'value', doc = 0): string {
  const d = parseDocuments({ path: 't.yaml', text }).documents[doc]!;
  const s = d.span(path, part);
  const lines = text.split('\n');
  const covered = s.endLine === s.line ? lines[s.line - 1]!.slice(s.col - 1, s.endCol - 1) : `${lines[s.line - 1]!.slice(s.col - 1)}…`;
  return `${s.line}:${s.col} ${covered}`;
}

const text = `kind: Pod
metadata:
  # a comment that mentions name: decoy
  annotations: {note: "name: not-this"}
  namespace: default
  name: web-1
  "labels": {'app': web, tier: "front end"}
spec:
  containers:
  - name: web
    ports:
    - containerPort: 80
    - {name: metrics, containerPort: 9090}
  tolerations: &t [a, "b, c", d]
  extra: *t
  command:
  - sleep
  - "30"
`;

test('block mapping values and keys, past comments and look-alike keys', () => {
  assert.equal(at(text, ['metadata', 'name']), '6:9 web-1');
  assert.equal(at(text, ['metadata', 'name'], 'key'), '6:3 name');
  assert.equal(at(text, ['metadata', 'namespace']), '5:14 default');
});

test('quoted keys and flow mappings', () => {
  assert.equal(at(text, ['metadata', 'labels'], 'key'), '7:3 "labels"');
  assert.equal(at(text, ['metadata', 'labels', 'app']), '7:21 web');
  assert.equal(at(text, ['metadata', 'labels', 'tier']), '7:32 "front end"');
  assert.equal(at(text, ['metadata', 'annotations', 'note']), '4:23 "name: not-this"');
});

test('sequence items, block and flow, scalars and mappings', () => {
  assert.equal(at(text, ['spec', 'containers', 0, 'ports', 0, 'containerPort']), '12:22 80');
  assert.equal(at(text, ['spec', 'containers', 0, 'ports', 1, 'containerPort']), '13:38 9090');
  assert.equal(at(text, ['spec', 'tolerations', 1]), '14:23 "b, c"');
  assert.equal(at(text, ['spec', 'tolerations', 2]), '14:31 d');
  assert.equal(at(text, ['spec', 'command', 1]), '18:5 "30"');
});

test('a missing path points at the nearest part that exists', () => {
  assert.equal(at(text, ['spec', 'containers', 0, 'image']), '10:5 name: web…');
  assert.equal(at(text, ['status', 'podIP']), '1:1 kind: Pod…');
});

test('List items are placed inside the List document', () => {
  const list = `apiVersion: v1\nkind: List\nitems:\n- kind: Pod\n  metadata: {name: a}\n- kind: Pod\n  metadata:\n    name: b\n`;
  const docs = parseDocuments({ path: 'l.yaml', text: list }).documents;
  assert.deepEqual(docs.map((d) => [d.pos.line, d.pos.col]), [[4, 3], [6, 3]]);
  assert.equal(at(list, ['metadata', 'name'], 'value', 1), '8:11 b');
});

test('JSON: positions come from a scan of the text', () => {
  const json = '{"kind": "List", "items": [\n  {"kind": "Pod", "metadata": {"name": "a"}},\n  {"kind": "Pod", "metadata": {"name": "b\\"q", "labels": {"x": "y"}}}\n]}';
  assert.equal(at(json, ['metadata', 'labels', 'x'], 'value', 1), '3:64 "y"');
  assert.equal(at(json, ['metadata', 'name'], 'key', 1), '3:32 "name"');
});

test('JSON List: every item found once the items before it are remembered, in any order of asking', () => {
  const items = Array.from({ length: 6 }, (_, i) => `  {"kind": "Pod", "metadata": {"name": "p${i}", "tags": [${i}, [${i}], "]"]}}`);
  const json = `{"kind": "List", "items": [\n${items.join(',\n')}\n], "after": [1, 2]}`;
  const docs = parseDocuments({ path: 't.json', text: json }).documents;
  assert.equal(docs.length, 6);
  for (const i of [4, 1, 5, 0, 3, 2, 5]) {
    const s = docs[i]!.span(['metadata', 'name']);
    assert.deepEqual([s.line, s.col], [i + 2, 40], `item ${i}`);
    assert.equal(docs[i]!.pos.line, i + 2);
    const last = docs[i]!.span(['metadata', 'tags', 2]);
    assert.deepEqual([last.line, last.col, last.endCol], [i + 2, 63, 66], `item ${i} tags[2]`);
  }
  // A path past the last element falls back to the sequence itself rather than to a later value.
  const past = docs[0]!.span(['metadata', 'tags', 3]);
  assert.deepEqual([past.line, past.col], [2, 54]);
});
