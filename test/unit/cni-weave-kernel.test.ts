/**
 * The kernel as oracle for weave's fast datapath as the simulator shows it: a vxlan device on
 * UDP 6784 with the FDB entry the builder writes (remote MAC, dst peer, per-peer-pair vni) sends
 * exactly that VNI, whatever the device's own id, and the inner frame keeps its TTL (switched,
 * not routed). Built in network namespaces; skipped, visibly, where they cannot be made.
 */

import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { topology } from './cni-fixtures';

const A = 'pwc-wa';
const B = 'pwc-wb';

function sh(...args: string[]): string {
  return execFileSync(args[0]!, args.slice(1), { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });
}

function canBuild(): string | undefined {
  try {
    if (process.getuid?.() !== 0) return 'needs root';
    sh('which', 'tcpdump');
    sh('ip', 'netns', 'add', 'pwc-probe');
    sh('ip', 'netns', 'del', 'pwc-probe');
    return undefined;
  } catch (e) {
    return `network namespaces unavailable: ${(e as Error).message.split('\n')[0]}`;
  }
}

const skip = canBuild();

test('weave fastdp FDB entry: the kernel sends its vni on UDP 6784 and the inner TTL is unchanged', { skip }, async () => {
  const t = topology(
    { plugin: 'weave', mode: 'fastdp', mtu: 1376 },
    '10.32.0.0/12',
    [
      { name: 'node1', address: '192.168.77.11', podCIDR: '10.32.0.0/24' },
      { name: 'node2', address: '192.168.77.12', podCIDR: '10.40.0.0/24' },
    ],
    [
      { name: 'a', node: 'node1', ip: '10.32.0.2' },
      { name: 'c', node: 'node2', ip: '10.40.0.1' },
    ],
  );
  const entry = deriveDataplane(t).namespace('node/node1')!.fdb.find((f) => f.dev === 'vxlan-6784' && f.self && f.mac === '0a:58:0a:28:00:01');
  assert.ok(entry && entry.vni !== undefined && entry.dst === '192.168.77.12');
  const cleanup = () => {
    for (const ns of [A, B]) {
      try {
        sh('ip', 'netns', 'del', ns);
      } catch {
        // Already gone.
      }
    }
  };
  cleanup();
  try {
    sh('ip', 'netns', 'add', A);
    sh('ip', 'netns', 'add', B);
    sh('ip', 'link', 'add', 'pwc-wva', 'type', 'veth', 'peer', 'name', 'pwc-wvb');
    sh('ip', 'link', 'set', 'pwc-wva', 'netns', A);
    sh('ip', 'link', 'set', 'pwc-wvb', 'netns', B);
    sh('ip', '-n', A, 'addr', 'add', '192.168.77.11/24', 'dev', 'pwc-wva');
    sh('ip', '-n', B, 'addr', 'add', '192.168.77.12/24', 'dev', 'pwc-wvb');
    sh('ip', '-n', A, 'link', 'set', 'pwc-wva', 'up');
    sh('ip', '-n', B, 'link', 'set', 'pwc-wvb', 'up');
    // The sender's device id (1) differs from the entry's vni, so a pass proves the entry's vni wins.
    sh('ip', '-n', A, 'link', 'add', 'vxlan-6784', 'type', 'vxlan', 'id', '1', 'local', '192.168.77.11', 'dev', 'pwc-wva', 'dstport', '6784', 'nolearning');
    sh('ip', '-n', B, 'link', 'add', 'vxlan-6784', 'type', 'vxlan', 'id', String(entry.vni), 'local', '192.168.77.12', 'dev', 'pwc-wvb', 'dstport', '6784', 'nolearning');
    sh('ip', '-n', A, 'link', 'set', 'vxlan-6784', 'address', '0a:58:0a:20:00:02');
    sh('ip', '-n', B, 'link', 'set', 'vxlan-6784', 'address', entry.mac);
    sh('ip', '-n', A, 'addr', 'add', '10.32.0.2/12', 'dev', 'vxlan-6784');
    sh('ip', '-n', B, 'addr', 'add', '10.40.0.1/12', 'dev', 'vxlan-6784');
    sh('ip', '-n', A, 'link', 'set', 'vxlan-6784', 'up');
    sh('ip', '-n', B, 'link', 'set', 'vxlan-6784', 'up');
    sh('ip', 'netns', 'exec', A, 'bridge', 'fdb', 'add', entry.mac, 'dev', 'vxlan-6784', 'dst', entry.dst!, 'vni', String(entry.vni), 'self', 'permanent');
    sh('ip', '-n', A, 'neigh', 'add', '10.40.0.1', 'lladdr', entry.mac, 'dev', 'vxlan-6784', 'nud', 'permanent');
    const capture = spawn('ip', ['netns', 'exec', B, 'timeout', '5', 'tcpdump', '-c', '1', '-nn', '-v', '-T', 'vxlan', '-i', 'pwc-wvb', 'udp', 'port', '6784'], { stdio: ['ignore', 'pipe', 'ignore'] });
    let out = '';
    capture.stdout.on('data', (d: Buffer) => (out += d.toString()));
    const done = new Promise<void>((resolve) => capture.on('close', () => resolve()));
    await new Promise((r) => setTimeout(r, 1000));
    try {
      sh('ip', 'netns', 'exec', A, 'ping', '-c1', '-W1', '-t', '64', '10.40.0.1');
    } catch {
      // The reply's fate does not matter; the request is what is captured.
    }
    await done;
    assert.match(out, /192\.168\.77\.11\.\d+ > 192\.168\.77\.12\.6784: VXLAN, flags \[I\] \(0x08\), vni (\d+)/);
    assert.equal(Number(/vni (\d+)/.exec(out)![1]), entry.vni);
    assert.match(out, /ttl 64, .*proto ICMP[\s\S]*10\.32\.0\.2 > 10\.40\.0\.1: ICMP echo request/);
  } finally {
    cleanup();
  }
});
