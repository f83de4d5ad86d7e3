/**
 * The AWS VPC CNI (aws/amazon-vpc-cni-k8s): pods take VPC addresses, secondary IPs of the node's
 * ENIs, so nothing is encapsulated; the VPC fabric delivers to the ENI that holds the address.
 * On the node (cmd/routed-eni-cni-plugin/driver, pkg/networkutils):
 * - each pod has a veth whose host end is `eni<sha1(namespace.pod)[:11]>` with a random MAC, a
 *   `<podIP> dev eni… scope link` route in main, and the rule `512: from all to <podIP> lookup main`;
 * - a pod whose address belongs to a secondary ENI (device number d) also gets
 *   `1536: from <podIP> lookup <d+1>`, and table d+1 routes via that ENI's subnet router;
 * - each secondary ENI carries its primary address, `32765: from <ENI IP> lookup <d+1>`;
 * - `1024: from all fwmark 0x80/0x80 lookup main` sends connmarked (NodePort, SNATed) traffic back
 *   out of the primary ENI;
 * - unless AWS_VPC_K8S_CNI_EXTERNALSNAT, traffic leaving the VPC is SNATed to the primary IP.
 * Inside the pod: eth0 with a /32, `169.254.1.1 dev eth0 scope link`, `default via 169.254.1.1`,
 * and a permanent ARP entry for 169.254.1.1 pointing at the host veth's MAC.
 */

import { hostAddress, route } from '../../dataplane/assemble';
import { podNetnsId } from '../../dataplane/bridgePlugin';
import type { CniBuilder, CniContext, CniHostState, CniNote, CniPodState, DeviceSpec, Neighbour, Route, RouterInterface, RouterSpec, RoutingRule } from '../../dataplane/types';
import type { AwsVpcConfig, NodeInfo, Pod, Topology } from '../../model/types';
import { derivedMac } from '../../net/derivedNames';
import { ipToNum, nthAddress, parsePrefix, prefixOf } from '../../net/ipv4';
import { sha1Hex } from '../../net/sha1';

export const AWS_POD_GATEWAY = '169.254.1.1';
/** pkg/networkutils: rule priorities. */
export const TO_CONTAINER_PRIORITY = 512;
export const HOST_RULE_PRIORITY = 1024;
export const FROM_POD_PRIORITY = 1536;
export const FROM_ENI_PRIMARY_PRIORITY = 32765;
/** AWS_VPC_K8S_CNI_CONNMARK's default, the fwmark of the 1024 rule. */
export const AWS_CONNMARK = 0x80;

/** The host end of a pod's veth: `eni` and 11 hex digits of SHA-1 over `<namespace>.<pod>`. */
export function awsVethName(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `eni${sha1Hex(`${pod.namespace}.${pod.name}`).slice(0, 11)}`;
}

function config(topology: Topology): AwsVpcConfig {
  if (topology.cluster.cni.plugin !== 'aws-vpc') throw new Error('aws-vpc builder used for another plugin');
  return topology.cluster.cni;
}

/** An ENI as the node uses it: device number 0 is the primary (the node's own interface), whose pods route by main. */
interface NodeEni {
  readonly name: string;
  readonly mac: string;
  readonly primary: string;
  readonly secondary: readonly string[];
  readonly deviceNumber: number;
  /** `main` for the primary ENI, else device number + 1 (CalculateRouteTableId). */
  readonly table: string;
}

/** The node's ENIs: the one named like the node's interface is the primary; the others are numbered in file order from 1. */
export function nodeEnis(node: NodeInfo): NodeEni[] {
  let next = 1;
  return node.enis.map((eni) => {
    const deviceNumber = eni.name === node.interface ? 0 : next++;
    return { ...eni, deviceNumber, table: deviceNumber === 0 ? 'main' : String(deviceNumber + 1) };
  });
}

/** The ENI that holds a pod's address, if any. */
function eniOf(enis: readonly NodeEni[], ip: string): NodeEni | undefined {
  return enis.find((e) => e.secondary.includes(ip));
}

/** The VPC subnet router: the subnet's first host (GetIPv4Gateway). */
function subnetRouter(address: string, prefixLength: number): string {
  return nthAddress(prefixOf(ipToNum(address), prefixLength), 1);
}

function rule(priority: number, from: string, table: string, extra: Partial<Pick<RoutingRule, 'to' | 'fwmark'>> = {}): RoutingRule {
  const fromPrefix = from === 'all' ? { base: 0, prefix: 0 } : parsePrefix(from);
  const toPrefix = extra.to === undefined ? undefined : parsePrefix(extra.to);
  if (!fromPrefix || (extra.to !== undefined && !toPrefix)) throw new Error(`bad rule selector ${from} ${extra.to ?? ''}`);
  return { priority, from, fromPrefix, table, ...extra, ...(toPrefix ? { toPrefix } : {}) };
}

/** The kernel's own rules, which every namespace keeps. */
const kernelRules: readonly RoutingRule[] = [rule(0, 'all', 'local'), rule(32766, 'all', 'main'), rule(32767, 'all', 'default')];

export function awsHost(ctx: CniContext, node: NodeInfo): CniHostState {
  const cfg = config(ctx.topology);
  const enis = nodeEnis(node);
  const pods = (ctx.podsByNode.get(node.name) ?? []).filter((p) => !p.hostNetwork);
  const devices: DeviceSpec[] = [];
  const routes: Route[] = [];
  const rules: RoutingRule[] = [rule(HOST_RULE_PRIORITY, 'all', 'main', { fwmark: { value: AWS_CONNMARK, mask: AWS_CONNMARK } })];
  for (const eni of enis) {
    if (eni.deviceNumber === 0) continue;
    devices.push({ kind: 'physical', name: eni.name, mtu: cfg.mtu, mac: eni.mac, up: true, addresses: [hostAddress(`${eni.primary}/${node.prefixLength}`)], segment: ctx.segmentOf.get(node.name) });
    const gw = subnetRouter(eni.primary, node.prefixLength);
    routes.push(route({ dst: 'default', via: gw, dev: eni.name, table: eni.table }), route({ dst: gw, dev: eni.name, table: eni.table }));
    rules.push(rule(FROM_ENI_PRIMARY_PRIORITY, eni.primary, eni.table));
  }
  for (const pod of pods) {
    const name = awsVethName(pod);
    devices.push({ kind: 'veth', name, mtu: cfg.mtu, mac: hostVethMac(node, pod), up: true, addresses: [], peerNetns: podNetnsId(pod), peerDevice: 'eth0' });
    routes.push(route({ dst: pod.ip, dev: name }));
    rules.push(rule(TO_CONTAINER_PRIORITY, 'all', 'main', { to: pod.ip }));
    const eni = eniOf(enis, pod.ip);
    if (eni && eni.deviceNumber > 0) rules.push(rule(FROM_POD_PRIORITY, pod.ip, eni.table));
  }
  // `ip rule` lists by priority; rules of one priority in the order they were added.
  const ordered = [...kernelRules, ...rules].sort((a, b) => a.priority - b.priority);
  return { devices, routes, neighbours: [], fdb: [], rules: ordered };
}

/** The random MAC the plugin gives the host veth; hashed from node and pod here. */
function hostVethMac(node: NodeInfo, pod: Pod): string {
  return derivedMac(`${node.name}/${awsVethName(pod)}`);
}

export function awsPod(ctx: CniContext, pod: Pod, node: NodeInfo): CniPodState {
  const cfg = config(ctx.topology);
  const neighbours: Neighbour[] = [{ ip: AWS_POD_GATEWAY, dev: 'eth0', lladdr: hostVethMac(node, pod), state: 'PERMANENT', proxy: false }];
  return {
    devices: [{ kind: 'veth', name: 'eth0', mtu: cfg.mtu, mac: pod.mac, up: true, addresses: [hostAddress(`${pod.ip}/32`)], peerNetns: `node/${node.name}`, peerDevice: awsVethName(pod) }],
    routes: [route({ dst: 'default', via: AWS_POD_GATEWAY, dev: 'eth0' }), route({ dst: AWS_POD_GATEWAY, dev: 'eth0' })],
    neighbours,
  };
}

/**
 * The nat rules the plugin keeps for SNAT of traffic leaving the VPC (buildIptablesSNATRules), as
 * iptables-save prints them; none with external SNAT. The VPC CIDR is the cluster CIDR here; the
 * CIDRs of AWS_VPC_K8S_CNI_EXCLUDE_SNAT_CIDRS return after it, each with the EXCLUSION comment.
 */
export function awsSnatRules(topology: Topology, node: NodeInfo): string[] {
  const cfg = config(topology);
  if (cfg.externalSnat) return [];
  return [
    '-A POSTROUTING -m comment --comment "AWS SNAT CHAIN" -j AWS-SNAT-CHAIN-0',
    `-A AWS-SNAT-CHAIN-0 -d ${topology.cluster.clusterCIDR} -m comment --comment "AWS SNAT CHAIN" -j RETURN`,
    // buildIptablesSNATRules writes 0.0.0.0/0 without `-d`.
    ...cfg.excludeSnatCidrs.map((c) => `-A AWS-SNAT-CHAIN-0 ${c === '0.0.0.0/0' ? '' : `-d ${c} `}-m comment --comment "AWS SNAT CHAIN EXCLUSION" -j RETURN`),
    `-A AWS-SNAT-CHAIN-0 ! -o vlan+ -m comment --comment "AWS, SNAT" -m addrtype ! --dst-type LOCAL -j SNAT --to-source ${node.address} --random-fully`,
  ];
}

/** Where the VPC delivers each ENI address of a node: the ENI's device (the node's own interface for the primary ENI). */
export function awsFabricAddresses(_ctx: CniContext, node: NodeInfo): { address: string; device: string }[] {
  const out: { address: string; device: string }[] = [];
  for (const eni of nodeEnis(node)) {
    const device = eni.deviceNumber === 0 ? node.interface : eni.name;
    for (const address of [eni.primary, ...eni.secondary]) out.push({ address, device });
  }
  return out;
}

export const AWS_VPC_ROUTER = 'vpc-router';

/**
 * The VPC's implicit router: the first host of every subnet the nodes are on (GetIPv4Gateway),
 * one router for the whole VPC, which delivers any VPC address to the ENI holding it.
 */
export function awsRouters(ctx: CniContext): RouterSpec[] {
  const interfaces: RouterInterface[] = [];
  const seen = new Set<string>();
  for (const node of ctx.topology.nodes) {
    const segment = ctx.segmentOf.get(node.name);
    if (!segment || seen.has(segment)) continue;
    seen.add(segment);
    const address = subnetRouter(node.address, node.prefixLength);
    interfaces.push({ name: `eth${interfaces.length}`, address, prefixLength: node.prefixLength, mac: derivedMac(`${AWS_VPC_ROUTER}/${address}`), segment });
  }
  return interfaces.length > 0 ? [{ name: AWS_VPC_ROUTER, interfaces, routes: [] }] : [];
}

function notes(ctx: CniContext): CniNote[] {
  const out: CniNote[] = [];
  for (const node of ctx.topology.nodes) {
    const enis = nodeEnis(node);
    if (enis.length === 0) continue;
    for (const pod of ctx.podsByNode.get(node.name) ?? []) {
      if (pod.hostNetwork || eniOf(enis, pod.ip)) continue;
      out.push({
        code: 'awsPodWithoutEni',
        subject: { kind: 'pod', pod },
        message: `the AWS VPC CNI gives pods secondary IPs of their node's ENIs; ${pod.namespace}/${pod.name} (${pod.ip} on ${node.name}) holds none, so the VPC would not deliver to it; add ${pod.ip} to the \`secondary\` list of one of ${node.name}'s \`enis\`, or give the pod one of theirs`,
      });
    }
    if (node.enis.some((e) => e.name !== node.interface)) {
      out.push({
        code: 'awsEniSubnetRoute',
        subject: { kind: 'node', node },
        message: `the AWS VPC CNI removes each secondary ENI subnet route from the main table; the simulator still lists ${node.name}'s after the primary interface's, which wins for the same prefix`,
      });
    }
  }
  return out;
}

export const awsVpcBuilder: CniBuilder = {
  host: awsHost,
  pod: awsPod,
  hostVethName: awsVethName,
  notes,
  routers: awsRouters,
  fabricAddresses: awsFabricAddresses,
};
