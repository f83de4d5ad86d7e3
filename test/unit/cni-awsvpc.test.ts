import assert from 'node:assert/strict';
import { test } from 'node:test';
import { deriveDataplane } from '../../src/engine/dataplane/derive';
import { awsHost, awsSnatRules, awsVethName } from '../../src/engine/cni/awsvpc/builder';
import type { CniContext } from '../../src/engine/dataplane/types';
import type { Topology } from '../../src/engine/model/types';
import { namespaceText, neighText, routeText, ruleText, topology } from './cni-fixtures';
import { matchBaseline } from '../harness/baseline';

function eks(externalSnat: boolean): Topology {
  return topology(
    { plugin: 'aws-vpc', mtu: 9001, externalSnat, excludeSnatCidrs: [] },
    '192.168.0.0/16',
    [
      {
        name: 'ip-192-168-1-10',
        address: '192.168.1.10',
        podCIDR: '192.168.1.0/24',
        gateway: '192.168.1.1',
        enis: [
          { name: 'eth0', mac: '02:aa:00:00:00:10', primary: '192.168.1.10', secondary: ['192.168.1.20', '192.168.1.21'] },
          { name: 'eth1', mac: '02:aa:00:00:00:30', primary: '192.168.1.30', secondary: ['192.168.1.31', '192.168.1.32'] },
        ],
      },
      {
        name: 'ip-192-168-1-11',
        address: '192.168.1.11',
        podCIDR: '192.168.2.0/24',
        gateway: '192.168.1.1',
        enis: [{ name: 'eth0', mac: '02:aa:00:00:00:11', primary: '192.168.1.11', secondary: ['192.168.1.40'] }],
      },
    ],
    [
      { name: 'front', node: 'ip-192-168-1-10', ip: '192.168.1.20' },
      { name: 'worker', node: 'ip-192-168-1-10', ip: '192.168.1.31' },
      { name: 'api', node: 'ip-192-168-1-11', ip: '192.168.1.40' },
    ],
  );
}

function ctx(t: Topology): CniContext {
  const podsByNode = new Map<string, Topology['pods'][number][]>();
  for (const p of t.pods) podsByNode.set(p.nodeName, [...(podsByNode.get(p.nodeName) ?? []), p]);
  return { topology: t, podsByNode, segmentOf: new Map(t.nodes.map((n) => [n.name, '192.168.1.0/24'])) };
}

test("host veth name: eni + SHA-1 of namespace.pod, 11 hex digits (the plugin's generateHostVethName)", () => {
  // Expected value computed with Python's hashlib, independently of the engine's SHA-1.
  assert.equal(awsVethName({ namespace: 'default', name: 'front' }), 'enib21f188dd3d');
});

test('ip rule: to-pod 512 for every pod, from-pod 1536 only for a secondary-ENI pod, 32765 for the ENI address', () => {
  const t = eks(false);
  const state = awsHost(ctx(t), t.nodes[0]!);
  assert.deepEqual(state.rules!.map(ruleText), [
    '0:\tfrom all lookup local',
    '512:\tfrom all to 192.168.1.20 lookup main',
    '512:\tfrom all to 192.168.1.31 lookup main',
    '1024:\tfrom all fwmark 0x80/0x80 lookup main',
    '1536:\tfrom 192.168.1.31 lookup 2',
    '32765:\tfrom 192.168.1.30 lookup 2',
    '32766:\tfrom all lookup main',
    '32767:\tfrom all lookup default',
  ]);
  assert.deepEqual(state.routes.map(routeText), [
    'default via 192.168.1.1 dev eth1 table 2',
    '192.168.1.1 dev eth1 table 2 scope link',
    `192.168.1.20 dev ${awsVethName({ namespace: 'default', name: 'front' })} scope link`,
    `192.168.1.31 dev ${awsVethName({ namespace: 'default', name: 'worker' })} scope link`,
  ]);
});

test('pods: a /32, 169.254.1.1 on-link as default gateway, and a permanent ARP entry to the host veth', () => {
  const dp = deriveDataplane(eks(false));
  const pod = dp.namespace('pod/default/worker')!;
  assert.deepEqual(pod.routes.filter((r) => r.table === 'main').map(routeText), ['default via 169.254.1.1 dev eth0', '169.254.1.1 dev eth0 scope link']);
  const host = dp.namespace('node/ip-192-168-1-10')!;
  const veth = host.devices.find((d) => d.name === awsVethName({ namespace: 'default', name: 'worker' }))!;
  assert.deepEqual(pod.neighbours.map(neighText), [`169.254.1.1 dev eth0 lladdr ${veth.mac} PERMANENT`]);
  assert.equal(pod.devices.find((d) => d.name === 'eth0')!.mtu, 9001);
  matchBaseline('cni/awsvpc.node-a.txt', namespaceText(host) + (awsHost(ctx(eks(false)), eks(false).nodes[0]!).rules ?? []).map(ruleText).join('\n') + '\n');
  matchBaseline('cni/awsvpc.pod-worker.txt', namespaceText(pod));
});

test('SNAT to the primary IP for traffic leaving the VPC, none with external SNAT', () => {
  const t = eks(false);
  assert.deepEqual(awsSnatRules(t, t.nodes[0]!), [
    '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
    '-A AWS-SNAT-CHAIN-0 -d 192.168.0.0/16 -m comment --comment "AWS SNAT CHAIN" -j RETURN',
    '-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source 192.168.1.10 --random-fully',
  ]);
  assert.deepEqual(awsSnatRules(eks(true), eks(true).nodes[0]!), []);
});

test('a pod whose address no ENI holds is reported', () => {
  const t = eks(false);
  const bad = { ...t, pods: [...t.pods, { ...t.pods[0]!, name: 'stray', ip: '192.168.1.99' }] };
  assert.ok(deriveDataplane(bad).notes.some((n) => n.includes('default/stray (192.168.1.99')));
});
