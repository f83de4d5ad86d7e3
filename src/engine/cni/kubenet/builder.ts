/**
 * kubenet: the kubelet's own network plugin, today the CNI bridge plugin with the conflist AKS
 * writes for containerd. It puts each pod on `cbr0` (promiscuous, hairpin off) with host-local IPAM
 * over the node's podCIDR (gateway `.1`, a default route in the pod), and writes no route to any
 * other node: the cloud's route table (a GCE route, an AWS or Azure
 * route table) sends each podCIDR to its node. The simulator keeps that table as data
 * (`kubenetCloudRoutes`) for the underlay gateway; on the node itself the packet simply follows
 * the default route to that gateway.
 */

import { bridgeHostDevices, bridgePodState, type BridgeOptions } from '../../dataplane/bridgePlugin';
import { route } from '../../dataplane/assemble';
import { addGatewayHint } from '../../dataplane/diagnoseHints';
import type { CniBuilder, CniContext, CniNote, Route, RouterInterface, RouterSpec } from '../../dataplane/types';
import type { Topology } from '../../model/types';
import { bridgePluginVethName, derivedMac } from '../../net/derivedNames';

export const KUBENET_BRIDGE = 'cbr0';

/** The kubelet's --non-masquerade-cidr default: pod traffic to anything else is masqueraded. */
export const KUBENET_NON_MASQUERADE_CIDR = '10.0.0.0/8';

/** The rule kubenet appends to nat POSTROUTING, as iptables-save prints it. */
export function kubenetMasqueradeRule(nonMasqueradeCidr: string = KUBENET_NON_MASQUERADE_CIDR): string {
  return `-A POSTROUTING ! -d ${nonMasqueradeCidr} -m comment --comment "kubenet: SNAT for outbound traffic from cluster" -m addrtype ! --dst-type LOCAL -j MASQUERADE`;
}

function options(topology: Topology): BridgeOptions {
  const mtu = topology.cluster.cni.plugin === 'kubenet' ? topology.cluster.cni.mtu : 1500;
  // kubenet's CNI config asks only for the default route; the podCIDR itself is the kernel's prefix route.
  // As AKS writes it (AgentBaker's containerd kubenet template): "promiscMode": true, "hairpinMode": false.
  return { bridge: KUBENET_BRIDGE, mtu, podRoutes: [], promiscMode: true };
}

function vethName(pod: { namespace: string; name: string }): string {
  return bridgePluginVethName(pod.namespace, pod.name);
}

/**
 * The cloud route table kubenet relies on: each node's podCIDR via that node's address, in node
 * order, as the underlay gateway would hold it.
 */
export function kubenetCloudRoutes(topology: Topology): Route[] {
  return topology.nodes.map((n) => route({ dst: n.podCIDR, via: n.address }));
}

/** The namespace name of the cloud's router in the simulation. */
export const KUBENET_CLOUD_ROUTER = 'cloud-router';

/**
 * The cloud's router as the nodes see it: one interface at each distinct default gateway the
 * nodes name, holding the cloud route table, each podCIDR via its node on that node's segment.
 */
export function kubenetRouters(ctx: CniContext): RouterSpec[] {
  const interfaces: RouterInterface[] = [];
  const bySegment = new Map<string, RouterInterface>();
  for (const node of ctx.topology.nodes) {
    const segment = ctx.segmentOf.get(node.name);
    if (!node.gateway || !segment || bySegment.has(segment)) continue;
    const iface: RouterInterface = { name: `eth${interfaces.length}`, address: node.gateway, prefixLength: node.prefixLength, mac: derivedMac(`${KUBENET_CLOUD_ROUTER}/${node.gateway}`), segment };
    interfaces.push(iface);
    bySegment.set(segment, iface);
  }
  if (interfaces.length === 0) return [];
  const routes: Route[] = [];
  for (const node of ctx.topology.nodes) {
    const iface = bySegment.get(ctx.segmentOf.get(node.name) ?? '');
    if (iface) routes.push(route({ dst: node.podCIDR, via: node.address, dev: iface.name }));
  }
  return [{ name: KUBENET_CLOUD_ROUTER, interfaces, routes }];
}

function notes(ctx: CniContext): CniNote[] {
  const out: CniNote[] = [
    {
      code: 'kubenetCloudRoutes',
      subject: { kind: 'cluster' },
      message: `kubenet writes no routes between nodes: the cloud route table sends each podCIDR to its node (${kubenetCloudRoutes(ctx.topology).map((r) => `${r.dst} via ${r.via}`).join(', ')}); the simulator puts that table in router/${KUBENET_CLOUD_ROUTER}`,
    },
  ];
  for (const node of ctx.topology.nodes) {
    if (node.gateway) continue;
    out.push({
      code: 'kubenetNoGateway',
      subject: { kind: 'node', node },
      message: `kubenet nodes need a default gateway that holds the cloud routes; node ${node.name} has none, so its pods reach no other node's pods: ${addGatewayHint(node)}`,
    });
  }
  return out;
}

export const kubenetBuilder: CniBuilder = {
  host: (ctx, node) => {
    const bridge = bridgeHostDevices(node, ctx.podsByNode.get(node.name) ?? [], options(ctx.topology), vethName);
    return { devices: bridge.devices, routes: [], neighbours: [], fdb: bridge.fdb };
  },
  pod: (ctx, pod, node) => bridgePodState(pod, node, options(ctx.topology), vethName(pod)),
  hostVethName: vethName,
  notes,
  routers: kubenetRouters,
};
