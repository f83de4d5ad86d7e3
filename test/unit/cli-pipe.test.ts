/**
 * A closed stdout is the ordinary end of `packetwalk … | head -1`: the real CLI, spawned with its
 * stdout pipe closed by the reader, must end without a stack trace and with the status it gives
 * when every line is read.
 */

import assert from 'node:assert/strict';
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { test } from 'node:test';
import { generateTopology } from '../../src/engine/generate/topology';

const root = path.resolve(__dirname, '../../..');
const cli = path.join(root, 'out/src/cli/main.js');
const sample = (name: string): string => path.join(root, 'samples', name);

const bigOptions = { nodes: 100, podsPerNode: 30, services: 500, endpointsPerService: 5, policies: 0, cni: 'flannel/vxlan', proxy: 'iptables', seed: 1 } as const;
const big = path.join(mkdtempSync(path.join(tmpdir(), 'packetwalk-pipe-')), 'big.yaml');
writeFileSync(big, [...generateTopology(bigOptions)].join(''));

/** Every command that prints, with arguments that make it print, and the status it ends with. */
const runs: readonly { readonly args: readonly string[]; readonly status: number }[] = [
  { args: ['--help'], status: 0 },
  { args: ['trace', '--help'], status: 0 },
  { args: ['check', path.join(root, 'test/fixtures/broken/duplicate-pod-name.yaml')], status: 1 },
  { args: ['trace', sample('seed002-flannel-vxlan.yaml'), '--from', 'pod/default/busybox', '--to', 'svc/default/nginx-test-service:80'], status: 0 },
  { args: ['trace', sample('seed002-flannel-vxlan.yaml'), '--from', 'pod/default/busybox', '--to', 'svc/default/nginx-test-service:80', '--json'], status: 0 },
  { args: ['rules', sample('seed002-flannel-vxlan.yaml'), '--node', 'master', '--format', 'save'], status: 0 },
  { args: ['rules', big, '--node', 'node-0'], status: 0 },
  { args: ['ipvs', sample('seed002-ipvs.yaml'), '--node', 'node2'], status: 0 },
  { args: ['show', sample('seed000-flannel-vxlan.yaml'), '--node', 'k8s-master', '--table', 'routes'], status: 0 },
  { args: ['reach', sample('netpol-xyz.yaml')], status: 0 },
  { args: ['lab', 'up', sample('seed002-flannel-vxlan.yaml'), '--dry-run'], status: 0 },
  { args: ['import', ...['nodes', 'kube-system__pods', 'default__services'].map((f) => path.join(root, 'test/fixtures/upstream/TonyChengTW+k8s-ha', `cluster-info__${f}.json`))], status: 0 },
  { args: ['import', ...['nodes', 'kube-system__pods', 'default__services'].map((f) => path.join(root, 'test/fixtures/upstream/TonyChengTW+k8s-ha', `cluster-info__${f}.json`)), '--json'], status: 0 },
  { args: ['generate', '--nodes', '100', '--pods-per-node', '30', '--services', '500', '--endpoints-per-service', '5'], status: 0 },
];

interface Ended { readonly status: number | null; readonly signal: string | null; readonly stderr: string }

/** Runs the CLI and closes the reading end of its stdout at once, or after the first chunk as `head -1` does. */
function runClosing(args: readonly string[], when: 'at once' | 'after the first chunk'): Promise<Ended> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [cli, ...args], { stdio: ['ignore', 'pipe', 'pipe'] });
    let stderr = '';
    child.stderr.setEncoding('utf8').on('data', (t: string) => { stderr += t; });
    if (when === 'at once') child.stdout.destroy();
    else child.stdout.once('data', () => child.stdout.destroy());
    child.on('error', reject);
    child.on('close', (status, signal) => resolve({ status, signal, stderr }));
  });
}

function assertQuiet(args: readonly string[], status: number, ended: Ended): void {
  const what = `packetwalk ${args.map((a) => path.basename(a)).join(' ')}`;
  assert.equal(ended.signal, null, `${what} was killed by ${ended.signal}`);
  assert.doesNotMatch(ended.stderr, /EPIPE|^\s+at /m, `${what} wrote a stack trace:\n${ended.stderr}`);
  assert.equal(ended.status, status, `${what} exited ${ended.status}; stderr:\n${ended.stderr}`);
}

// The runs go side by side: each is mostly a Node start-up, and one after another they take half a minute on a busy machine.
test('every command ends quietly with its own status when stdout is closed before it writes', async () => {
  const ended = await Promise.all(runs.map(({ args }) => runClosing(args, 'at once')));
  runs.forEach(({ args, status }, i) => assertQuiet(args, status, ended[i]!));
});

test('every command ends quietly with its own status when the reader leaves after the first chunk (| head -1)', async () => {
  const ended = await Promise.all(runs.map(({ args }) => runClosing(args, 'after the first chunk')));
  runs.forEach(({ args, status }, i) => assertQuiet(args, status, ended[i]!));
});

test('the statuses asserted above are the ones each command gives with stdout read to the end', () => {
  for (const { args, status } of runs.filter((r) => r.args[0] === 'check' || r.args[0] === '--help')) {
    assert.equal(spawnSync(process.execPath, [cli, ...args], { stdio: 'ignore' }).status, status);
  }
});

test('a write that fails for another reason than a closed pipe is one line on stderr and a failing status', { skip: process.platform !== 'linux' && 'needs /dev/full' }, () => {
  const r = spawnSync('sh', ['-c', `"${process.execPath}" "${cli}" generate --nodes 20 --pods-per-node 10 --services 10 --endpoints-per-service 5 > /dev/full`], { encoding: 'utf8' });
  assert.equal(r.status, 74);
  assert.equal(r.stderr, 'packetwalk: cannot write the output: ENOSPC: no space left on device, write\n');
});
