/**
 * kube-ipvs0 in the derived dataplane, as the kernel holds a dummy kube-proxy never brings up:
 * DOWN, <BROADCAST,NOARP>, qdisc noop, every service address a /32 with its `local` route (added
 * by fib_add_ifaddr whatever the device's state, seen on this kernel with a veth left down) and no
 * other route; and `-m ipvs`, which KUBE-IPVS-OUT-FILTER uses, matching only IPVS connections.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { lookupRoute } from '../../src/engine/dataplane/routing';
import { planLab } from '../../src/engine/lab/plan';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { parseRule } from '../../src/engine/netfilter/rules';
import { renderAddrs } from '../../src/engine/render/addrs';
import { renderLinks } from '../../src/engine/render/links';
import { formatRoute } from '../../src/engine/render/routes';
import type { FlowKey, NetfilterInput } from '../../src/engine/trace/hooks';
import { loadTopologyFile } from '../fixtures/load';

const ipvs = loadTopologyFile('samples/seed002-ipvs.yaml');

test('every node has kube-ipvs0 after its NIC, DOWN, holding the ClusterIP as a /32', () => {
  const dp = deriveDataplane(ipvs);
  for (const node of ['master', 'node1', 'node2']) {
    const ns = dp.namespace(`node/${node}`)!;
    const dev = ns.devices.find((d) => d.name === 'kube-ipvs0');
    assert.ok(dev, node);
    assert.deepEqual([dev.kind, dev.index, dev.up, dev.mtu, dev.addresses], ['dummy', 3, false, 1500, [{ address: '10.43.6.58', prefixLength: 32, scope: 'global' }]]);
  }
  const master = dp.namespace('node/master')!;
  const dev = master.devices.find((d) => d.name === 'kube-ipvs0')!;
  assert.ok(renderAddrs(master, dp).includes([
    `3: kube-ipvs0: <BROADCAST,NOARP> mtu 1500 qdisc noop state DOWN group default qlen 1000`,
    `    link/ether ${dev.mac} brd ff:ff:ff:ff:ff:ff`,
    '    inet 10.43.6.58/32 scope global kube-ipvs0',
    '       valid_lft forever preferred_lft forever',
    '4: flannel.1:',
  ].join('\n')), 'a down device prints no inet6 link-local address');
  assert.ok(renderLinks(master, dp).includes(`kube-ipvs0       DOWN           ${dev.mac} <BROADCAST,NOARP> \n`));
  assert.match(dev.mac!, /^[0-9a-f][26ae](:[0-9a-f]{2}){5}$/, 'a locally administered MAC, as the kernel\'s random one');
});

test('the kernel\'s local route for each address, even with the device down, and nothing else over kube-ipvs0', () => {
  const master = deriveDataplane(ipvs).namespace('node/master')!;
  const over = master.routes.filter((r) => r.dev === 'kube-ipvs0').map((r) => `${r.table} ${formatRoute(r, master)}`);
  assert.deepEqual(over, ['local local 10.43.6.58 dev kube-ipvs0 proto kernel scope host src 10.43.6.58']);
  const found = lookupRoute(master, '10.43.6.58');
  assert.equal(found?.type, 'local', 'the ClusterIP is local: INPUT, not the default route');
  assert.equal(lookupRoute(master, '10.43.6.59')?.dst, 'default', 'only the bound address, not the service CIDR');
});

test('iptables mode has no kube-ipvs0', () => {
  const dp = deriveDataplane(loadTopologyFile('samples/seed002-flannel-vxlan.yaml'));
  assert.ok(!dp.namespace('node/master')!.devices.some((d) => d.name === 'kube-ipvs0'));
});

test('the lab plan creates kube-ipvs0 as a dummy left down, and says it needs dummy and IPVS', () => {
  const plan = planLab(deriveDataplane(ipvs), { prefix: 'pwt-' });
  const argv = plan.commands.map((c) => c.argv.join(' '));
  assert.ok(argv.some((a) => /link add kube-ipvs0 .*type dummy$/.test(a)));
  assert.ok(argv.some((a) => a.endsWith('addr add 10.43.6.58/32 scope global dev kube-ipvs0 noprefixroute')));
  assert.ok(!argv.some((a) => / link set kube-ipvs0 up$/.test(a)));
  assert.ok(plan.requires.includes('dummy') && plan.requires.includes('ipvs'));
});

test('-m ipvs: --vaddr, --vproto and --vport parse into matches', () => {
  const rule = parseRule('filter', '-A KUBE-IPVS-OUT-FILTER -s 1.2.3.4 -m ipvs --vaddr 1.2.3.4 --vproto tcp --vport 80 -j DROP');
  assert.deepEqual(rule.matches.map((m) => m.kind), ['src', 'vaddr', 'vproto', 'vport']);
  assert.deepEqual(rule.target, { kind: 'DROP' });
});

test('KUBE-IPVS-OUT-FILTER drops the node\'s own connection to a load balancer it may not reach, and nothing else from that address', () => {
  const topo = loadTopologyFile('test/fixtures/proxy/ipvs-lb-source-ranges.yaml');
  const hook = createNetfilterHook(topo);
  const local = new Set(['100.101.102.103', '10.20.30.41', '1.2.3.4']);
  const output = (flow: FlowKey): NetfilterInput => ({ node: 'test-node', hook: 'OUTPUT', flow, mark: 0, newConnection: true, isLocalAddress: (a) => local.has(a) });
  // The node's socket to 1.2.3.4 takes its route's source, 1.2.3.4 itself (bound on kube-ipvs0).
  const toLb = hook.run(output({ src: '1.2.3.4', dst: '1.2.3.4', proto: 'tcp', sport: 40000, dport: 80 }));
  assert.equal(toLb.verdict, 'DROP');
  const ipvsAt = toLb.steps.findIndex((s) => s.kind === 'ipvs');
  const dropAt = toLb.steps.findIndex((s) => s.kind === 'netfilter' && s.chain === 'KUBE-IPVS-OUT-FILTER' && s.verdict === 'DROP');
  assert.ok(ipvsAt >= 0 && ipvsAt < dropAt, 'IPVS schedules at LOCAL_OUT before the filter table, which then sees the virtual service');
  const elsewhere = hook.run(output({ src: '1.2.3.4', dst: '192.168.0.9', proto: 'tcp', sport: 40000, dport: 80 }));
  assert.equal(elsewhere.verdict, 'ACCEPT', 'not an IPVS connection: -m ipvs fails, the -s alone does not drop it');
  const clusterIP = hook.run(output({ src: '10.20.30.41', dst: '10.20.30.41', proto: 'tcp', sport: 40000, dport: 80 }));
  assert.equal(clusterIP.verdict, 'ACCEPT', 'another virtual service: --vaddr differs');
  assert.equal(clusterIP.flow.dst, '10.180.0.1');
});
