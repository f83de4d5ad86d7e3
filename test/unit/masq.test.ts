/**
 * The CNI's egress NAT: the rules each CNI writes (flanneld's FLANNEL-POSTRTG, Felix's nat
 * chains with their hash comments), their place among kube-proxy's, and the walk of pod traffic
 * leaving the cluster: MASQUERADE to the node address on the underlay, un-SNAT on the reply.
 */
import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { test } from 'node:test';
import { CALICO_NAT_HASHES, calicoRules } from '../../src/engine/cni/calico/rules';
import { cniNat } from '../../src/engine/cni/index';
import { flannelRules } from '../../src/engine/cni/flannel/rules';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import type { CalicoConfig, Topology } from '../../src/engine/model/types';
import { createNetfilterHook } from '../../src/engine/netfilter/hook';
import { renderTrace } from '../../src/engine/render/trace';
import type { Trace } from '../../src/engine/trace/types';
import { topology } from './cni-fixtures';
import { loadTopologyFile } from '../fixtures/load';
import { matchBaseline } from '../harness/baseline';

function loadSample(name: string): Topology {
  return loadTopologyFile(`samples/${name}`);
}

function trace(t: Topology, from: string, to: string, port?: number): Trace {
  const r = tryTraceFlow(createEngine(t), { from, to, ...(port ? { port } : {}) });
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const masqSteps = (t: Trace) => t.hops.flatMap((h) => h.steps).filter((s) => s.kind === 'netfilter' && s.verdict === 'MASQUERADE');

/** Felix's generictables.RuleHashes: SHA-224 chained over the chain name and each rule rendered with `HASH` for its comment. */
function felixHashes(chain: string, rules: readonly string[]): string[] {
  let hash = createHash('sha224').update(chain).digest();
  return rules.map((rule) => {
    hash = createHash('sha224').update(hash).update(`-A ${chain} HASH ${rule}`).digest();
    return hash.toString('base64url').slice(0, 16);
  });
}

test('Felix hash comments: each constant is what Felix computes for that rule', () => {
  const h = CALICO_NAT_HASHES;
  assert.deepEqual(felixHashes('PREROUTING', ['--jump cali-PREROUTING']), [h.preroutingJump]);
  assert.deepEqual(felixHashes('OUTPUT', ['--jump cali-OUTPUT']), [h.outputJump]);
  assert.deepEqual(felixHashes('POSTROUTING*appends*', ['--jump cali-POSTROUTING']), [h.postroutingJump]);
  assert.deepEqual(felixHashes('cali-PREROUTING', ['--jump cali-fip-dnat']), [h.preroutingFipDnat]);
  assert.deepEqual(felixHashes('cali-OUTPUT', ['--jump cali-fip-dnat']), [h.outputFipDnat]);
  const tunnelMasq = (dev: string) => `--out-interface ${dev} -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL --jump MASQUERADE --random-fully`;
  for (const dev of ['tunl0', 'vxlan.calico']) {
    assert.deepEqual(felixHashes('cali-POSTROUTING', ['--jump cali-fip-snat', '--jump cali-nat-outgoing', tunnelMasq(dev)]), [h.postroutingFipSnat, h.postroutingNatOutgoing, h.tunnelMasq[dev]]);
  }
  assert.deepEqual(
    felixHashes('cali-nat-outgoing', ['-m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst --jump MASQUERADE --random-fully']),
    [h.natOutgoing],
  );
});

const calicoCni = (natOutgoing: boolean, ipipMode: CalicoConfig['ipipMode'] = 'Always'): CalicoConfig => ({ plugin: 'calico', backend: 'bird', ipipMode, vxlanMode: 'Never', natOutgoing, blockSize: 26, mtu: 1440 });

function calicoCluster(natOutgoing: boolean): Topology {
  const t = topology(calicoCni(natOutgoing), '10.42.0.0/16', [
    { name: 'master', address: '192.168.205.4', podCIDR: '10.42.0.64/26', gateway: '192.168.205.1' },
    { name: 'node1', address: '192.168.205.3', podCIDR: '10.42.1.0/26', gateway: '192.168.205.1' },
  ], [
    { name: 'busybox', node: 'master', ip: '10.42.0.65' },
    { name: 'nginx-1', node: 'node1', ip: '10.42.1.9' },
  ]);
  return { ...t, externals: [{ source: t.cluster.source, name: 'backup', address: '192.168.205.50', prefixLength: 24, mac: '52:54:00:12:34:32' }] };
}

test('Calico nat rules as iptables-save prints them, with natOutgoing and the IPIP tunnel rule', () => {
  const nat = calicoRules(calicoCluster(true));
  assert.deepEqual(nat.rules.map((r) => r.rule), [
    '-A PREROUTING -m comment --comment "cali:6gwbT8clXdHdC1b1" -j cali-PREROUTING',
    '-A OUTPUT -m comment --comment "cali:tVnHkvAo15HuiPy0" -j cali-OUTPUT',
    '-A POSTROUTING -m comment --comment "cali:0i8pjzKKPyA34aQD" -j cali-POSTROUTING',
    '-A cali-OUTPUT -m comment --comment "cali:GBTAv2p5CwevEyJm" -j cali-fip-dnat',
    '-A cali-POSTROUTING -m comment --comment "cali:Z-c7XtVd2Bq7s_hA" -j cali-fip-snat',
    '-A cali-POSTROUTING -m comment --comment "cali:nYKhEzDlr11Jccal" -j cali-nat-outgoing',
    '-A cali-POSTROUTING -o tunl0 -m comment --comment "cali:SXWvdsbh4Mw7wOln" -m addrtype ! --src-type LOCAL --limit-iface-out -m addrtype --src-type LOCAL -j MASQUERADE --random-fully',
    '-A cali-PREROUTING -m comment --comment "cali:r6XmIziWUJsdOK6Z" -j cali-fip-dnat',
    '-A cali-nat-outgoing -m comment --comment "cali:flqWnvo8yq4ULQLa" -m set --match-set cali40masq-ipam-pools src -m set ! --match-set cali40all-ipam-pools dst -j MASQUERADE --random-fully',
  ]);
  assert.deepEqual(calicoRules(calicoCluster(false)).ipsets.find((s) => s.name === 'cali40masq-ipam-pools')?.members, []);
});

test('flanneld --ip-masq rules for a node, as flannel v0.2x writes them', () => {
  assert.deepEqual(flannelRules('10.42.0.0/16', '10.42.1.0/24', true).filter((r) => r.table === 'nat').map((r) => r.rule), [
    '-A POSTROUTING -m comment --comment "flanneld masq" -j FLANNEL-POSTRTG',
    '-A FLANNEL-POSTRTG -m mark --mark 0x4000/0x4000 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.42.1.0/24 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.1.0/24 -m comment --comment "flanneld masq" -j RETURN',
    '-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
    '-A FLANNEL-POSTRTG ! -s 10.42.0.0/16 -d 10.42.0.0/16 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully',
  ]);
  assert.equal(flannelRules('10.42.0.0/16', '10.42.1.0/24', false).filter((r) => r.table === 'nat').length, 0);
});

/** The chains a new connection's first packet from a pod jumps to from a nat base chain, in the order the walk's netfilter stage takes them. */
function natJumps(t: Topology, pod: string, hook: 'PREROUTING' | 'POSTROUTING'): string[] {
  const p = t.pods.find((x) => x.name === pod)!;
  const veth = createEngine(t).dataplane.namespace(`pod/default/${pod}`)!.devices.find((d) => d.name === 'eth0')!;
  assert.ok(veth.kind === 'veth');
  const flow = { src: p.ip, dst: '192.168.205.50', proto: 'tcp' as const, sport: 40000, dport: 22 };
  const devices = hook === 'PREROUTING' ? { inDevice: veth.peerDevice } : { outDevice: 'eth0' };
  const r = createNetfilterHook(t).run({ node: p.nodeName, hook, flow, mark: 0, ...devices, newConnection: true, isLocalAddress: () => false });
  return r.steps.flatMap((s) => (s.kind === 'netfilter' && s.table === 'nat' && s.chain === hook && s.verdict.startsWith('jump ') ? [s.verdict.slice('jump '.length)] : []));
}

test('each daemon\'s base-chain rules sit where it puts them: Felix inserts before kube-proxy, flanneld appends after', () => {
  const calico = calicoCluster(true);
  assert.deepEqual(natJumps(calico, 'busybox', 'PREROUTING').slice(0, 2), ['cali-PREROUTING', 'KUBE-SERVICES']);
  const post = natJumps(calico, 'busybox', 'POSTROUTING');
  assert.equal(post[0], 'KUBE-POSTROUTING');
  assert.equal(post[post.length - 1], 'cali-POSTROUTING');
  assert.deepEqual(natJumps(loadSample('egress-snat.yaml'), 'app', 'POSTROUTING'), ['KUBE-POSTROUTING', 'FLANNEL-POSTRTG']);
});

test('egress-snat sample: the pod\'s packet to a LAN host leaves node1 MASQUERADEd to 192.168.205.3; the reply is un-SNATed back to the pod', () => {
  const t = trace(loadSample('egress-snat.yaml'), 'pod/default/app', 'ext/backup', 22);
  assert.equal(t.disposition, 'DELIVERED');
  const masq = masqSteps(t);
  assert.equal(masq.length, 1);
  assert.equal(masq[0]!.kind === 'netfilter' && masq[0]!.rule, '-A FLANNEL-POSTRTG -s 10.42.0.0/16 ! -d 224.0.0.0/4 -m comment --comment "flanneld masq" -j MASQUERADE --random-fully');
  const out = t.hops.find((h) => h.netns === 'host' && h.out === 'enp0s1')!;
  assert.equal(out.headers[1]!.layer === 'ipv4' && `${out.headers[1]!.src}>${out.headers[1]!.dst} ttl ${out.headers[1]!.ttl}`, '192.168.205.3>192.168.205.50 ttl 63');
  assert.equal(t.reply?.disposition, 'DELIVERED');
  assert.ok(t.reply!.hops.flatMap((h) => h.steps).some((s) => s.kind === 'nat' && s.type === 'un-SNAT'));
  const last = t.reply!.hops[t.reply!.hops.length - 1]!;
  assert.equal(last.headers[1]!.layer === 'ipv4' && last.headers[1]!.dst, '10.42.1.2');
});

test('egress-snat sample: to the Internet through the router, the SNATed source is already on the underlay hop', () => {
  const t = trace(loadSample('egress-snat.yaml'), 'pod/default/app', 'ip/1.1.1.1:443');
  const out = t.hops.find((h) => h.netns === 'host' && h.out === 'enp0s1')!;
  assert.equal(out.headers[0]!.layer === 'eth' && out.headers[0]!.dst, '52:54:00:12:34:01');
  assert.equal(out.headers[1]!.layer === 'ipv4' && out.headers[1]!.src, '192.168.205.3');
});

test('pod to pod across nodes is never masqueraded, with flannel or Calico', () => {
  const sample = loadSample('egress-snat.yaml');
  const withPeer: Topology = { ...sample, pods: [...sample.pods, { ...sample.pods[0]!, name: 'peer', nodeName: 'master', ip: '10.42.0.9', mac: '0a:58:0a:2a:00:09' }] };
  assert.equal(masqSteps(trace(withPeer, 'pod/default/app', 'pod/default/peer')).length, 0);
  assert.equal(masqSteps(trace(calicoCluster(true), 'pod/default/busybox', 'pod/default/nginx-1')).length, 0);
});

test('Calico natOutgoing: cali-nat-outgoing MASQUERADEs pool traffic to the node address; with natOutgoing off the pod address goes out', () => {
  const on = trace(calicoCluster(true), 'pod/default/busybox', 'ext/backup', 22);
  assert.equal(on.disposition, 'DELIVERED');
  assert.match(masqSteps(on).map((s) => (s.kind === 'netfilter' ? s.rule : '')).join('\n'), /^-A cali-nat-outgoing .*-j MASQUERADE --random-fully$/);
  const out = on.hops.find((h) => h.out === 'eth0' && h.netns === 'host')!;
  assert.equal(out.headers[1]!.layer === 'ipv4' && out.headers[1]!.src, '192.168.205.4');
  assert.equal(on.reply?.disposition, 'DELIVERED');
  const off = trace(calicoCluster(false), 'pod/default/busybox', 'ext/backup', 22);
  assert.equal(masqSteps(off).length, 0);
  const raw = off.hops.find((h) => h.out === 'eth0' && h.netns === 'host')!;
  assert.equal(raw.headers[1]!.layer === 'ipv4' && raw.headers[1]!.src, '10.42.0.65');
});

test('kubenet and the AWS VPC CNI: their SNAT rules fire in POSTROUTING for pod traffic leaving their range', () => {
  const kubenet = topology({ plugin: 'kubenet', mtu: 1500 }, '10.244.0.0/16', [{ name: 'node1', address: '10.128.0.2', podCIDR: '10.244.0.0/24', gateway: '10.128.0.1' }], [{ name: 'a', node: 'node1', ip: '10.244.0.2' }]);
  const aws = topology({ plugin: 'aws-vpc', mtu: 9001, externalSnat: false, excludeSnatCidrs: [] }, '192.168.0.0/16', [
    { name: 'node1', address: '192.168.1.10', podCIDR: '192.168.1.0/24', gateway: '192.168.1.1', enis: [{ name: 'eth0', mac: '02:aa:00:00:00:10', primary: '192.168.1.10', secondary: ['192.168.1.20'] }] },
  ], [{ name: 'a', node: 'node1', ip: '192.168.1.20' }]);
  for (const [t, src, expected] of [[kubenet, '10.244.0.2', 'MASQUERADE'], [aws, '192.168.1.20', 'SNAT']] as const) {
    const r = createNetfilterHook(t).run({ node: 'node1', hook: 'POSTROUTING', flow: { src, dst: '8.8.8.8', proto: 'tcp', sport: 40000, dport: 443 }, mark: 0, outDevice: 'eth0', newConnection: true, isLocalAddress: () => false });
    assert.equal(r.flow.src, t.nodes[0]!.address);
    assert.ok(r.steps.some((s) => s.kind === 'netfilter' && s.verdict === expected && cniNat(t, t.nodes[0]!).rules.some((c) => c.rule === s.rule)));
  }
});

test('golden trace: pod to external with SNAT, flannel', () => {
  const text = renderTrace(trace(loadSample('egress-snat.yaml'), 'pod/default/app', 'ext/backup', 22), 'flannel vxlan, --ip-masq: pod to a LAN host');
  matchBaseline('walk/flannel-egress-snat.trace.txt', text);
});

test('golden trace: pod to external with SNAT, Calico', () => {
  const text = renderTrace(trace(calicoCluster(true), 'pod/default/busybox', 'ext/backup', 22), 'calico ipip, natOutgoing: pod to a LAN host');
  matchBaseline('walk/calico-egress-snat.trace.txt', text);
});
