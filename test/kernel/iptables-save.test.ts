/**
 * The kernel as oracle for `rules --format save`: load the restore payload into a scratch network
 * namespace the way kube-proxy does (kubelet's KUBE-FIREWALL jumps first, then kube-proxy's `-I`
 * jumps in its list order, the canary chains, then iptables-restore --noflush), and compare what
 * iptables-save prints with renderSave. nfacct counters are left out: this kernel has no nfacct
 * objects, and kube-proxy itself drops those matches when it cannot create them.
 */
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { renderRestore, renderSave, type ProxyEnvironment } from '../../src/engine/proxy';
import { endpoint, port, seed002, service, slice } from '../fixtures/proxy/build';

const NS = `pwk-save-${process.pid}`;
const env: ProxyEnvironment = { randomFully: true, nfacct: false, conntrackTCPLiberal: false };

function unavailable(): string | undefined {
  if (process.getuid?.() !== 0) return 'needs root for network namespaces';
  for (const tool of ['ip', 'iptables-restore', 'iptables-save']) {
    if (spawnSync('sh', ['-c', `command -v ${tool}`]).status !== 0) return `${tool} is not installed`;
  }
  if (spawnSync('ip', ['netns', 'add', NS]).status !== 0) return 'cannot create a network namespace';
  return undefined;
}

function inNs(args: string[], input?: string): string {
  return execFileSync('ip', ['netns', 'exec', NS, ...args], { encoding: 'utf8', ...(input !== undefined ? { input } : {}) });
}

const topo = seed002(
  [
    service('default', 'empty', '10.43.0.99', [port('http', 80)]),
    service('default', 'lb', '10.43.0.50', [port('https', 443, { nodePort: 30443 })], {
      type: 'LoadBalancer', loadBalancerIPs: ['192.168.205.200'], loadBalancerSourceRanges: ['192.168.205.0/24'],
      externalTrafficPolicy: 'Local', healthCheckNodePort: 31000, sessionAffinity: 'ClientIP',
    }),
    service('default', 'ext', '10.43.0.60', [port('dns', 53, { protocol: 'UDP' })], { externalIPs: ['192.168.205.201'], internalTrafficPolicy: 'Local' }),
  ],
  [
    slice('default', 'lb', [endpoint('10.42.1.8', { nodeName: 'node1' }), endpoint('10.42.2.8', { nodeName: 'node2' }), endpoint('10.42.2.9', { nodeName: 'node2' })], [{ name: 'https', port: 8443 }]),
    slice('default', 'ext', [endpoint('10.42.1.9', { nodeName: 'node1' })], [{ name: 'dns', port: 53, protocol: 'UDP' }]),
  ],
);

test('iptables-save after loading the payload prints exactly renderSave', (t) => {
  const why = unavailable();
  if (why) {
    t.skip(why);
    return;
  }
  try {
    // kubelet, earlier at boot.
    inNs(['iptables', '-N', 'KUBE-FIREWALL']);
    inNs(['iptables', '-A', 'INPUT', '-j', 'KUBE-FIREWALL']);
    inNs(['iptables', '-A', 'OUTPUT', '-j', 'KUBE-FIREWALL']);
    // kube-proxy's iptablesJumpChains, each EnsureChain + EnsureRule(Prepend), in list order.
    const jumps: [string, string, string, string, boolean][] = [
      ['filter', 'KUBE-EXTERNAL-SERVICES', 'INPUT', 'kubernetes externally-visible service portals', true],
      ['filter', 'KUBE-EXTERNAL-SERVICES', 'FORWARD', 'kubernetes externally-visible service portals', true],
      ['filter', 'KUBE-NODEPORTS', 'INPUT', 'kubernetes health check service ports', false],
      ['filter', 'KUBE-SERVICES', 'FORWARD', 'kubernetes service portals', true],
      ['filter', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', true],
      ['filter', 'KUBE-FORWARD', 'FORWARD', 'kubernetes forwarding rules', false],
      ['filter', 'KUBE-PROXY-FIREWALL', 'INPUT', 'kubernetes load balancer firewall', true],
      ['filter', 'KUBE-PROXY-FIREWALL', 'OUTPUT', 'kubernetes load balancer firewall', true],
      ['filter', 'KUBE-PROXY-FIREWALL', 'FORWARD', 'kubernetes load balancer firewall', true],
      ['nat', 'KUBE-SERVICES', 'OUTPUT', 'kubernetes service portals', false],
      ['nat', 'KUBE-SERVICES', 'PREROUTING', 'kubernetes service portals', false],
      ['nat', 'KUBE-POSTROUTING', 'POSTROUTING', 'kubernetes postrouting rules', false],
    ];
    for (const [table, target, chain, comment, ctNew] of jumps) {
      spawnSync('ip', ['netns', 'exec', NS, 'iptables', '-t', table, '-N', target]);
      inNs(['iptables', '-t', table, '-I', chain, ...(ctNew ? ['-m', 'conntrack', '--ctstate', 'NEW'] : []), '-m', 'comment', '--comment', comment, '-j', target]);
    }
    for (const table of ['mangle', 'nat', 'filter']) inNs(['iptables', '-t', table, '-N', 'KUBE-PROXY-CANARY']);
    inNs(['iptables-restore', '--noflush', '--counters'], renderRestore(topo, 'node1', env));
    const saved = inNs(['iptables-save']).split('\n').filter((l) => !l.startsWith('#')).join('\n');
    assert.equal(saved, renderSave(topo, 'node1', env));
  } finally {
    spawnSync('ip', ['netns', 'del', NS]);
  }
});
