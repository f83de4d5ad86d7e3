/**
 * kube-proxy's MASQUERADE takes its source from the device the packet leaves by, as the kernel's
 * masquerade target does (the primary address of the out device), not from the node's address:
 * lab verify saw NodePort traffic leave master over flannel.1 from 10.42.0.0 (docs/kernel-facts.md).
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { createEngine, tryTraceFlow } from '../../src/engine/index';
import type { Topology } from '../../src/engine/model/types';
import type { Hop, Trace } from '../../src/engine/trace/types';
import { loadTopologyFile } from '../fixtures/load';

function loadSample(name: string): Topology {
  return loadTopologyFile(`samples/${name}`);
}

function trace(t: Topology, from: string, to: string, endpointIndex?: number): Trace {
  const r = tryTraceFlow(createEngine(t), { from, to, ...(endpointIndex !== undefined ? { endpointIndex } : {}) });
  if (!r.ok) throw new Error(r.error);
  return r.value.trace;
}

const ipv4s = (h: Hop): string[] => h.headers.flatMap((x) => (x.layer === 'ipv4' ? [`${x.src}>${x.dst}`] : []));

test('external client to NodePort 32506 on master (no endpoint there): KUBE-POSTROUTING MASQUERADEs to flannel.1\'s 10.42.0.0', () => {
  const t = trace(loadSample('seed002-flannel-vxlan.yaml'), 'ext/client', 'ip/192.168.205.4:32506');
  assert.equal(t.disposition, 'DELIVERED');
  const steps = t.hops.flatMap((h) => h.steps);
  const masq = steps.filter((s) => s.kind === 'netfilter' && s.verdict === 'MASQUERADE');
  assert.equal(masq.length, 1);
  assert.ok(masq[0]!.kind === 'netfilter' && masq[0]!.chain === 'KUBE-POSTROUTING', 'kube-proxy\'s rule, not flanneld\'s');
  const nat = steps.find((s) => s.kind === 'nat' && s.type === 'MASQUERADE');
  assert.ok(nat && nat.kind === 'nat');
  assert.equal(nat.changes.src![1].split(':')[0], '10.42.0.0', 'the source is flannel.1\'s address, not master\'s 192.168.205.4');
  // flannel.1 encapsulates on master: the underlay hop carries the VXLAN outer header from the
  // node's address and, inside, the masqueraded packet from flannel.1's.
  const out = t.hops.find((h) => h.node === 'master' && h.out === 'enp0s1');
  assert.ok(out, 'the packet leaves master on the underlay');
  assert.deepEqual(ipv4s(out), ['192.168.205.4>192.168.205.3', '10.42.0.0>10.42.1.6']);
  // The reply comes back to 10.42.0.0 and is un-NATed to the client and the node port.
  assert.equal(t.reply?.disposition, 'DELIVERED');
});

test('NodePort on node2: to node1\'s pod the source is flannel.1\'s 10.42.2.0; to its own pod, cni0\'s 10.42.2.1', () => {
  const topo = loadSample('seed002-flannel-vxlan.yaml');
  const masqueradedTo = (endpointIndex: number): [string, string] => {
    const t = trace(topo, 'ext/client', 'ip/192.168.205.5:32506', endpointIndex);
    assert.equal(t.disposition, 'DELIVERED');
    const steps = t.hops.flatMap((h) => h.steps);
    const dnat = steps.find((s) => s.kind === 'nat' && s.type === 'DNAT');
    const masq = steps.find((s) => s.kind === 'nat' && s.type === 'MASQUERADE');
    assert.ok(dnat?.kind === 'nat' && masq?.kind === 'nat');
    return [dnat.changes.dst![1], masq.changes.src![1].split(':')[0]!];
  };
  assert.deepEqual(masqueradedTo(0), ['10.42.1.6:80', '10.42.2.0']);
  assert.deepEqual(masqueradedTo(1), ['10.42.2.6:80', '10.42.2.1']);
});
