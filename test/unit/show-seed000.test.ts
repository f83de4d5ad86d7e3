/**
 * Seed 000's master: `packetwalk show --table routes` prints the seven lines the article's
 * `ip route` shows on k8s-master, in its order, and the `brctl show` it prints for the bridges.
 */
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import * as path from 'node:path';
import { test } from 'node:test';
import { nodeHost } from '../../src/cli/nodeHost';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { loadTopology } from '../../src/engine/model/load';
import { renderRoutes } from '../../src/engine/render/routes';

const sample = path.resolve(__dirname, '../../../samples/seed000-flannel-vxlan.yaml');

function master() {
  const loaded = loadTopology({ path: sample, text: readFileSync(sample, 'utf8') }, nodeHost);
  assert.ok(loaded.value, 'the seed 000 sample loads');
  const ns = deriveDataplane(loaded.value).namespace('node/k8s-master');
  assert.ok(ns, 'k8s-master has a host namespace');
  return ns;
}

// The article's `root@k8s-master:~# ip route`, verbatim.
const seedRoutes = [
  'default via 192.168.152.2 dev ens32 proto static metric 100',
  '10.244.0.0/24 dev cni0 proto kernel scope link src 10.244.0.1',
  '10.244.1.0/24 via 10.244.1.0 dev flannel.1 onlink',
  '10.244.2.0/24 via 10.244.2.0 dev flannel.1 onlink',
  '169.254.0.0/16 dev ens32 scope link metric 1000',
  '172.17.0.0/16 dev docker0 proto kernel scope link src 172.17.0.1 linkdown',
  '192.168.152.0/24 dev ens32 proto kernel scope link src 192.168.152.131 metric 100',
];

test('seed 000: the master routes are the article ip route, line for line', () => {
  // iproute2 ends each route line with a space (the article's copy lost it); the text is otherwise identical.
  assert.equal(renderRoutes(master()), seedRoutes.map((l) => `${l} \n`).join(''));
});
