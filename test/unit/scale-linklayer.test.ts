/**
 * The indexed neighbour and FDB lookups answer what a scan of the tables in order answers: the
 * first matching entry, proxy neighbours and entries without an address skipped, a bridge's own
 * MACs apart from its ports' entries, `self` remotes apart from the rest.
 */
import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { bridgePortEntry, isBridgeOwnMac, knownNeighbour, remoteEntry } from '../../src/engine/dataplane/linkLayer';
import type { FdbEntry, NetNamespace, Neighbour } from '../../src/engine/dataplane/types';

const DEVS = ['flannel.1', 'cni0', 'eth0'];
const IPS = ['10.42.1.0', '10.42.2.0', '192.168.0.3'];
const MACS = ['aa:00:00:00:00:01', 'aa:00:00:00:00:02', 'aa:00:00:00:00:03'];

const neighbour: fc.Arbitrary<Neighbour> = fc.record({
  ip: fc.constantFrom(...IPS),
  dev: fc.constantFrom(...DEVS),
  lladdr: fc.option(fc.constantFrom(...MACS), { nil: undefined }),
  state: fc.constantFrom<Neighbour['state']>('PERMANENT', 'REACHABLE'),
  proxy: fc.boolean(),
});

const fdb: fc.Arbitrary<FdbEntry> = fc.record({
  mac: fc.constantFrom(...MACS),
  dev: fc.constantFrom(...DEVS),
  master: fc.option(fc.constantFrom('cni0', 'br0'), { nil: undefined }),
  dst: fc.option(fc.constantFrom(...IPS), { nil: undefined }),
  self: fc.boolean(),
  permanent: fc.boolean(),
  local: fc.option(fc.boolean(), { nil: undefined }),
});

function namespace(neighbours: Neighbour[], entries: FdbEntry[]): NetNamespace {
  return { id: 'node/n', ref: { kind: 'host', node: 'n' }, kind: 'host', node: 'n', label: 'host', devices: [], routes: [], neighbours, fdb: entries, ipForward: true };
}

test('indexed lookups give the first entry a scan in table order gives', () => {
  fc.assert(
    fc.property(fc.array(neighbour, { maxLength: 30 }), fc.array(fdb, { maxLength: 30 }), (neighbours, entries) => {
      const ns = namespace(neighbours, entries);
      for (const dev of DEVS) {
        for (const ip of IPS) assert.equal(knownNeighbour(ns, dev, ip), neighbours.find((n) => n.ip === ip && n.dev === dev && n.lladdr && !n.proxy));
        for (const mac of MACS) {
          assert.equal(remoteEntry(ns, dev, mac), entries.find((e) => e.dev === dev && e.mac === mac && e.dst));
          assert.equal(remoteEntry(ns, dev, mac, true), entries.find((e) => e.dev === dev && e.self && e.mac === mac && e.dst));
        }
      }
      for (const bridge of ['cni0', 'br0']) {
        for (const mac of MACS) {
          assert.equal(isBridgeOwnMac(ns, bridge, mac), entries.some((e) => e.master === bridge && e.local && e.mac === mac));
          assert.equal(bridgePortEntry(ns, bridge, mac), entries.find((e) => e.master === bridge && !e.local && e.mac === mac));
        }
      }
    }),
    { numRuns: 300, seed: 15 },
  );
});
