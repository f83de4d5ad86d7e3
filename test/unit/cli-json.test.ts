/**
 * Every command that prints data has `--json`, and its JSON says what the text says: each test
 * reads both and checks one against the other, so a JSON view that drops or reorders records fails.
 */

import assert from 'node:assert/strict';
import * as path from 'node:path';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { formatDiagnostic, type Diagnostic } from '../../src/engine/diagnostics';
import { noIncludes } from '../../src/engine/model/host';
import { loadTopology } from '../../src/engine/model/load';

const root = path.resolve(__dirname, '../../..');
const sample = (name: string): string => path.join(root, 'samples', name);

async function run(args: readonly string[]): Promise<{ status: number; out: string }> {
  const out: string[] = [];
  const status = await main(args, { out: (t) => void out.push(t.endsWith('\n') ? t : `${t}\n`), err: () => undefined });
  return { status, out: out.join('') };
}

async function both(args: readonly string[]): Promise<{ text: string; json: unknown; status: number }> {
  const text = await run(args);
  const json = await run([...args, '--json']);
  assert.equal(json.status, text.status, `${args.join(' ')}: --json changed the status`);
  return { text: text.out, json: JSON.parse(json.out) as unknown, status: json.status };
}

test('every command that prints data lists --json in its help', async () => {
  for (const name of ['check', 'trace', 'rules', 'ipvs', 'show', 'reach', 'lab', 'generate', 'import']) {
    assert.match((await run([name, '--help'])).out, /--json/, `${name} --help`);
  }
});

test('check --json: the diagnostics as {file, line, col, severity, code, message}, the same ones and status as the text', async () => {
  const { text, json, status } = await both(['check', path.join(root, 'test/fixtures/broken/bad-label.yaml')]);
  assert.equal(status, 1);
  const list = json as Diagnostic[];
  assert.ok(list.length > 0);
  for (const d of list) assert.deepEqual(Object.keys(d), ['file', 'line', 'col', 'severity', 'code', 'message']);
  assert.equal(list.map((d) => `${formatDiagnostic({ ...d, endLine: d.line, endCol: d.col })}\n`).join(''), text);
});

interface RulesJson { node: string; format: string; tables: { name: string; chains: { name: string; policy: string }[]; rules: { chain: string; rule: string }[] }[]; ipsets?: unknown[] }

/** The `*table`, `:CHAIN` and `-A` lines a rules JSON stands for, in order. */
function restoreLines(j: RulesJson): string[] {
  return j.tables.flatMap((t) => [`*${t.name}`, ...t.chains.map((c) => `:${c.name} ${c.policy}`), ...t.rules.map((r) => `-A ${r.chain} ${r.rule}`)]);
}

test('rules --json: every table, chain and rule of the payload, in its order, for restore, save and --cni', async () => {
  for (const extra of [[], ['--format', 'save'], ['--cni']]) {
    const { text, json } = await both(['rules', sample('calico-ipip.yaml'), '--node', 'worker-1', ...extra]);
    const j = json as RulesJson;
    assert.equal(j.node, 'worker-1');
    const printed = text.split('\n').filter((l) => /^(\*|:|-A )/.test(l)).map((l) => (l.startsWith(':') ? l.split(' ').slice(0, 2).join(' ') : l));
    assert.ok(printed.length > 10, `${extra.join(' ')}: too few lines to compare`);
    assert.deepEqual(restoreLines(j), printed, extra.join(' '));
    if (extra[0] === '--cni') assert.ok(Array.isArray(j.ipsets));
  }
});

test('ipvs --json: one virtual server per service line of ipvsadm -Ln, and the sets of --ipset', async () => {
  const { text, json } = await both(['ipvs', sample('seed002-ipvs.yaml'), '--node', 'node2']);
  const vs = (json as { virtualServers: { protocol: string; ip: string; port: number; realServers: unknown[] }[] }).virtualServers;
  const lines = text.split('\n').filter((l) => /^(TCP|UDP|SCTP) /.test(l));
  assert.deepEqual(vs.map((v) => `${v.protocol}  ${v.ip}:${v.port}`), lines.map((l) => l.split(/ \w+$/)[0]!.replace(/ +(rr|lc|wrr|sh|dh|sed|nq).*$/, '').trim()));
  const sets = await both(['ipvs', sample('seed002-ipvs.yaml'), '--node', 'node2', '--ipset']);
  const names = (sets.json as { ipsets: { name: string }[] }).ipsets.map((s) => s.name);
  assert.deepEqual(names, [...sets.text.matchAll(/^Name: (.*)$/gm)].map((m) => m[1]));
});

test('show --json: one record per line of each table, with the fields `ip` prints', async () => {
  for (const table of ['routes', 'neigh', 'fdb', 'links', 'addrs', 'bridges', 'rules']) {
    const { text, json } = await both(['show', sample('seed000-flannel-vxlan.yaml'), '--node', 'k8s-master', '--table', table]);
    const records = (json as { table: string; records: Record<string, unknown>[] }).records;
    const lines = text.split('\n').filter((l) => l !== '');
    switch (table) {
      case 'routes':
        assert.deepEqual(records.map((r) => r.dst), lines.map((l) => l.split(' ')[0]));
        break;
      case 'neigh':
      case 'fdb':
        assert.equal(records.length, lines.length, table);
        assert.deepEqual(records.map((r) => r.ip ?? r.mac), lines.map((l) => l.split(' ')[0]), table);
        break;
      case 'rules':
        assert.deepEqual(records.map((r) => `${String(r.priority)}:`), lines.map((l) => l.split('\t')[0]));
        break;
      case 'links':
        assert.deepEqual(records.map((r) => r.name), lines.map((l) => l.split(' ')[0]!.split('@')[0]));
        break;
      case 'addrs':
        // Each device is a numbered block: `1: lo: <LOOPBACK,UP,LOWER_UP> …`.
        assert.deepEqual(records.map((r) => r.name), lines.filter((l) => /^\d+: /.test(l)).map((l) => l.split(': ')[1]!.split('@')[0]));
        break;
      case 'bridges':
        // A header, then a line per bridge (its name first) and per further port (a tab first).
        assert.deepEqual(records.map((r) => r.name), lines.slice(1).filter((l) => !l.startsWith('\t')).map((l) => l.split('\t')[0]));
        break;
    }
  }
});

test('reach --json: the connections are the lines reach prints', async () => {
  const { text, json } = await both(['reach', sample('netpol-xyz.yaml')]);
  const j = json as { enforced: boolean; connections: { src: string; dst: string; conn: string }[] };
  assert.equal(j.enforced, true);
  assert.deepEqual(j.connections.map((c) => `${c.src} => ${c.dst} : ${c.conn}`), text.split('\n').filter((l) => l !== '' && !l.startsWith('note: ')));
});

test('generate --json: the same topology as the YAML, read back through the loader', async () => {
  const args = ['generate', '--nodes', '6', '--pods-per-node', '5', '--services', '4', '--endpoints-per-service', '3', '--policies', '3', '--cni', 'calico/ipip'];
  const yaml = (await run(args)).out;
  const json = (await run([...args, '--json'])).out;
  const a = loadTopology({ path: 'g.yaml', text: yaml }, noIncludes);
  const b = loadTopology({ path: 'g.json', text: json }, noIncludes);
  assert.deepEqual(b.diagnostics, []);
  const strip = (v: unknown): string => JSON.stringify(v, (k, x: unknown) => (k === 'source' ? undefined : x));
  assert.equal(strip(b.value), strip(a.value));
  assert.ok(a.value!.pods.length === 30 && a.value!.policies.length === 3);
});

test('trace --json and lab up --dry-run --json parse, and say what the text says', async () => {
  const t = await both(['trace', sample('seed002-flannel-vxlan.yaml'), '--from', 'pod/default/busybox', '--to', 'svc/default/nginx-test-service:80']);
  assert.match(t.text, new RegExp(String((t.json as { disposition: string }).disposition)));
  const lab = await both(['lab', 'up', sample('seed002-flannel-vxlan.yaml'), '--dry-run']);
  const argv = (lab.json as { commands: { argv: string[] }[] }).commands.map((c) => c.argv.join(' '));
  assert.ok(argv.length > 10);
  assert.equal(lab.text.split('\n')[0], argv[0]);
});
