// `packetwalk reach` as a connectivity analysis on a shop with a Deployment, a StatefulSet whose
// replicas differ to the policies, a bare pod and ipBlock ranges: golden output in every format,
// the JSON checked against schemas/connectivity.schema.json, and the filters.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { capture } from '../fixtures/cli';
import { matchBaseline } from '../harness/baseline';

const root = path.resolve(__dirname, '../../..');
const shop = path.join(root, 'test/fixtures/connectivity/shop.yaml');
const schema = JSON.parse(readFileSync(path.join(root, 'schemas/connectivity.schema.json'), 'utf8')) as Schema;

async function reach(...args: string[]): Promise<string> {
  const c = capture();
  assert.equal(await main(['reach', shop, ...args], c.io), 0, c.err.join('\n'));
  assert.deepEqual(c.err, []);
  return c.out.join('\n');
}

interface Schema {
  readonly type?: string;
  readonly enum?: readonly unknown[];
  readonly required?: readonly string[];
  readonly properties?: Readonly<Record<string, Schema>>;
  readonly additionalProperties?: boolean;
  readonly items?: Schema;
  readonly prefixItems?: readonly Schema[];
  readonly minItems?: number;
  readonly maxItems?: number;
  readonly minimum?: number;
  readonly maximum?: number;
  readonly $ref?: string;
  readonly $defs?: Readonly<Record<string, Schema>>;
}

/** The keywords the schema uses, checked as JSON Schema 2020-12 defines them; the problems found. */
function validate(value: unknown, s: Schema, at: string, out: string[]): string[] {
  if (s.$ref) return validate(value, schema.$defs![s.$ref.replace('#/$defs/', '')]!, at, out);
  const typeOk: Record<string, (v: unknown) => boolean> = {
    object: (v) => typeof v === 'object' && v !== null && !Array.isArray(v),
    array: Array.isArray,
    string: (v) => typeof v === 'string',
    boolean: (v) => typeof v === 'boolean',
    integer: Number.isInteger,
  };
  if (s.type && !typeOk[s.type]!(value)) return [...out, `${at}: not ${s.type}`];
  if (s.enum && !s.enum.includes(value)) out.push(`${at}: not one of ${s.enum.join(', ')}`);
  if (typeof value === 'number' && ((s.minimum !== undefined && value < s.minimum) || (s.maximum !== undefined && value > s.maximum))) out.push(`${at}: out of range`);
  if (Array.isArray(value)) {
    if ((s.minItems !== undefined && value.length < s.minItems) || (s.maxItems !== undefined && value.length > s.maxItems)) out.push(`${at}: wrong length`);
    value.forEach((v, i) => validate(v, s.prefixItems?.[i] ?? s.items ?? {}, `${at}[${i}]`, out));
  } else if (typeof value === 'object' && value !== null) {
    const o = value as Record<string, unknown>;
    for (const k of s.required ?? []) if (!(k in o)) out.push(`${at}: missing ${k}`);
    for (const [k, v] of Object.entries(o)) {
      const sub = s.properties?.[k];
      if (sub) validate(v, sub, `${at}.${k}`, out);
      else if (s.additionalProperties === false) out.push(`${at}: unexpected ${k}`);
    }
  }
  return out;
}

for (const format of ['txt', 'json', 'csv', 'md', 'dot']) {
  test(`reach --format ${format} on the shop matches its baseline`, async () => {
    matchBaseline(`reach/shop.${format}`, `${await reach('--format', format)}\n`);
  });
}

test('reach --pods lists pods, not workloads, and matches its baseline', async () => {
  const text = await reach('--pods');
  assert.match(text, /^shop\/web-[a-z0-9]+-[a-z0-9]+ => shop\/db-0 : TCP 5432$/m);
  matchBaseline('reach/shop.pods.txt', `${text}\n`);
});

test('reach --json validates against schemas/connectivity.schema.json, and the check catches a broken document', async () => {
  const doc = JSON.parse(await reach('--json')) as Record<string, unknown>;
  assert.deepEqual(validate(doc, schema, '$', []), []);
  assert.deepEqual(validate({ ...doc, connections: [{ src: 'a', dst: 'b', conn: 'x', ports: { TCP: [[0, 80]], UDP: [], SCTP: [] } }], extra: 1 }, schema, '$', []), [
    '$.connections[0].ports.TCP[0][0]: out of range',
    '$: unexpected extra',
  ]);
});

test('reach splits a workload whose pods differ to the policies, and says why', async () => {
  const text = await reach();
  assert.match(text, /^203\.0\.113\.0-203\.0\.113\.255 => shop\/db\[StatefulSet\]\{db-0\} : TCP 5432$/m);
  assert.doesNotMatch(text, /=> shop\/db\[StatefulSet\]\{db-1\} : TCP 5432\n.*203\.0\.113\.0/);
  assert.match(text, /^note: shop\/db\[StatefulSet\] is shown split.*\{db-1\}: not isolated for ingress by shop\/db-0-backup$/m);
});

test('reach --port/--proto filter the sets, and --focus keeps the pairs of one endpoint', async () => {
  const udp = (await reach('--proto', 'UDP', '--focus', 'shop/web')).split('\n');
  assert.ok(udp.includes('shop/web[Deployment] => shop/debug[Pod] : UDP 53'));
  assert.ok(udp.filter((l) => !l.startsWith('note: ')).every((l) => l.includes('shop/web[Deployment]') && !l.includes('TCP')), udp.join('\n'));
  const https = (await reach('--port', '443', '--focus', 'shop/web')).split('\n');
  assert.deepEqual(
    https.filter((l) => l.startsWith('shop/web')),
    ['0.0.0.0-9.255.255.255', '11.0.0.0-203.0.112.255', '203.0.113.0-203.0.113.255', '203.0.114.0-255.255.255.255'].map((r) => `shop/web[Deployment] => ${r} : TCP 443`),
  );
  const c = capture();
  assert.equal(await main(['reach', shop, '--focus', 'shop/nothing'], c.io), 2);
  assert.match(c.err.join('\n'), /--focus: no endpoint 'shop\/nothing'/);
});
