/**
 * kube-proxy's nftables mode against upstream's own expectation: TestOverallNFTablesRules
 * (kubernetes/kubernetes pkg/proxy/nftables/proxier_test.go, the v1.34 form whose firewall checks
 * hook at filter-prerouting-pre-dnat / filter-output-pre-dnat, priority -110), restated as the
 * topology file test/fixtures/proxy/nft-overall.yaml. Its expected text (baseRules plus the test's
 * own block) is kept verbatim in test/baselines/proxy/upstream-nft-overall.nft and compared the way
 * upstream compares it: both sides through sortNFTablesTransaction (helpers_test.go), which drops
 * blank lines and `#` comments and orders lines by object kind and name, keeping each chain's rules
 * in the order they were added.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import { renderNftTransaction, renderRestore, upstreamTestEnvironment } from '../../src/engine/proxy';
import { upstreamBaseline } from '../harness/baseline';
import { loadTopologyFile } from '../fixtures/load';
import { loadProxyFixture as load } from '../fixtures/proxy/load';

/** helpers_test.go's objectOrder: higher sorts earlier. */
const objectOrder: Record<string, number> = { table: 10, chain: 9, rule: 8, set: 7, map: 6, element: 5 };

/** helpers_test.go's sortNFTablesTransaction. */
function sortNFTablesTransaction(tx: string): string {
  const lines = tx.split('\n').filter((l) => l !== '' && !l.startsWith('#'));
  const indexed = lines.map((line, i) => ({ line, words: line.split(' '), i }));
  indexed.sort((a, b) => {
    const [wa, wb] = [a.words, b.words];
    if (wa.length >= 5 && wb.length >= 5) {
      if (wa[1] !== wb[1]) return (objectOrder[wb[1]!] ?? 0) - (objectOrder[wa[1]!] ?? 0);
      if (wa[4] !== wb[4]) return wa[4]! < wb[4]! ? -1 : 1;
      if (wa[1] !== 'rule' && a.line !== b.line) return a.line < b.line ? -1 : 1;
    }
    return a.i - b.i;
  });
  return indexed.map((x) => x.line).join('\n');
}

const dump = () => renderNftTransaction(load('nft-overall.yaml'), 'test-node', upstreamTestEnvironment);

test('TestOverallNFTablesRules from nft-overall.yaml: upstream\'s expected transaction', () => {
  assert.equal(sortNFTablesTransaction(dump()), sortNFTablesTransaction(upstreamBaseline('proxy/upstream-nft-overall.nft')));
});

test('the transaction is in the order knftables\' fake dumps it: table, chains, sets, maps, rules, elements', () => {
  const kinds = dump().trimEnd().split('\n').map((l) => l.split(' ')[1]!);
  const firstOf = (k: string) => kinds.indexOf(k);
  const lastOf = (k: string) => kinds.lastIndexOf(k);
  assert.equal(kinds[0], 'table');
  assert.ok(lastOf('chain') < firstOf('set') && lastOf('set') < firstOf('map') && lastOf('map') < firstOf('rule') && lastOf('rule') < firstOf('element'));
  const chains = dump().split('\n').filter((l) => l.startsWith('add chain ')).map((l) => l.split(' ')[4]!);
  assert.deepEqual(chains, [...chains].sort(), 'chains sorted by name');
});

test('the comparison can fail: a changed endpoint shows', () => {
  const changed = dump().replace('dnat to 10.180.0.1:80', 'dnat to 10.180.0.9:80');
  assert.notEqual(sortNFTablesTransaction(changed), sortNFTablesTransaction(upstreamBaseline('proxy/upstream-nft-overall.nft')));
});

test('the nftables sample: no iptables payload, no KUBE- rule walked, each kube-proxy hook says nftables is not evaluated', () => {
  const topo = loadTopologyFile('samples/kube-proxy-nftables.yaml');
  assert.equal(renderRestore(topo, 'master'), '', 'kube-proxy writes no iptables payload in nftables mode');
  assert.match(renderNftTransaction(topo, 'master'), /^add table ip kube-proxy /);
  const r = tryTraceFlow(createEngine(topo), { from: 'pod/default/client', to: 'svc/default/web:80' });
  assert.ok(r.ok, r.ok ? '' : r.error);
  const steps = [...r.value.trace.hops.flatMap((h) => h.steps), ...r.value.trace.final];
  assert.ok(!steps.some((s) => s.kind === 'netfilter' && s.chain.startsWith('KUBE-')), 'no iptables rule of kube-proxy stands in for its nftables');
  assert.ok(steps.some((s) => s.kind === 'note' && s.text.includes('does not evaluate nftables')), 'the trace says what it leaves out');
});
