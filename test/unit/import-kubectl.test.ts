import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';
import { spawnSync } from 'node:child_process';
import { test } from 'node:test';
import { main } from '../../src/cli/main';
import { kubeContexts } from '../../src/cli/kubectl';
import { dumps } from './importDumps';
import { recordedKubeconfig, replayServer } from './kubeApiReplay';

const hasKubectl = spawnSync('kubectl', ['version', '--client'], { stdio: 'ignore' }).status === 0;

test('import --context runs the real kubectl against a local server replaying recorded API responses (an OKE cluster\'s lists)', { skip: hasKubectl ? false : 'kubectl is not installed (scripts/setup.sh installs Debian\'s kubectl)' }, async () => {
  const api = await replayServer();
  const home = mkdtempSync(path.join(tmpdir(), 'pw-kube-'));
  const kubeconfig = path.join(home, 'config');
  writeFileSync(kubeconfig, recordedKubeconfig(api.url));
  // kubectl caches discovery under $HOME/.kube/cache; a fresh HOME keeps each run honest.
  const saved = { HOME: process.env.HOME, KUBECONFIG: process.env.KUBECONFIG };
  process.env.HOME = home;
  delete process.env.KUBECONFIG;
  try {
    assert.deepEqual(await kubeContexts({ kubeconfig }), ['oke-recorded', 'other']);
    const out = path.join(home, 'oke.yaml');
    const err: string[] = [];
    const code = await main(['import', '--context', 'oke-recorded', '--kubeconfig', kubeconfig, '-o', out], { out: () => undefined, err: (t) => void err.push(t) });
    assert.equal(code, 0, err.join('\n'));
    // kubectl found every resource by discovery and listed each across all namespaces.
    for (const p of ['/api', '/apis', '/api/v1/nodes', '/api/v1/pods', '/apis/apps/v1/daemonsets', '/apis/discovery.k8s.io/v1/endpointslices']) assert.ok(api.requests.includes(p), `kubectl did not request ${p}: ${api.requests.join(' ')}`);
    assert.match(err.join('\n'), /reading nodes,namespaces,pods,services,endpointslices,networkpolicies,daemonsets,configmaps from context oke-recorded/);
    const text = readFileSync(out, 'utf8');
    assert.match(text, /name: oke-recorded\n/);
    assert.match(text, /plugin: flannel {2}# from DaemonSet kube-system\/kube-flannel-ds, container kube-flannel/);
    const check: string[] = [];
    assert.equal(await main(['check', out, '--quiet'], { out: (t) => void check.push(t), err: (t) => void check.push(t) }), 0, check.join('\n'));
    const trace: string[] = [];
    const pp = dumps[1]!.podToPod;
    assert.equal(await main(['trace', out, '--from', pp.from, '--to', pp.to, '--port', String(pp.port), '--json'], { out: (t) => void trace.push(t), err: () => undefined }), 0);
    assert.equal((JSON.parse(trace.join('\n')) as { disposition: string }).disposition, 'DELIVERED');
  } finally {
    process.env.HOME = saved.HOME;
    if (saved.KUBECONFIG !== undefined) process.env.KUBECONFIG = saved.KUBECONFIG;
    api.close();
  }
});

test('import --context says what kubectl said when the cluster cannot be reached', { skip: hasKubectl ? false : 'kubectl is not installed' }, async () => {
  const home = mkdtempSync(path.join(tmpdir(), 'pw-kube-'));
  const kubeconfig = path.join(home, 'config');
  writeFileSync(kubeconfig, 'apiVersion: v1\nkind: Config\nclusters: [{name: gone, cluster: {server: "http://127.0.0.1:9"}}]\nusers: [{name: u, user: {}}]\ncontexts: [{name: gone, context: {cluster: gone, user: u}}]\n');
  const err: string[] = [];
  assert.equal(await main(['import', '--context', 'gone', '--kubeconfig', kubeconfig], { out: () => undefined, err: (t) => void err.push(t) }), 1);
  assert.match(err.join('\n'), /kubectl failed: .*(refused|connect)/);
});
