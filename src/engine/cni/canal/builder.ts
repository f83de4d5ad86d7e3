/**
 * Canal: flanneld moves packets between nodes exactly as in flannel (flannel.<VNI> with its
 * routes, ARP and FDB entries, or host-gw routes), while pods are wired by Calico's CNI plugin
 * with host-local IPAM on the node's flannel subnet (`"subnet": "usePodCidr"` in canal's
 * manifest), and Felix enforces NetworkPolicy. So there is no cni0 bridge: pods are wired as
 * Calico wires them (calico/veth.ts).
 */

import type { CniBuilder, CniContext, CniHostState } from '../../dataplane/types';
import type { CanalConfig, NodeInfo, Pod, Topology } from '../../model/types';
import { caliHostSide, caliPod, caliVethName } from '../calico/veth';
import { flannelHost, flannelNotes } from '../flannel/builder';

export function canalSettings(topology: Topology): CanalConfig['flannel'] {
  if (topology.cluster.cni.plugin !== 'canal') throw new Error('canal builder used for another plugin');
  return topology.cluster.cni.flannel;
}

const noPods: ReadonlyMap<string, readonly Pod[]> = new Map();

function canalHost(ctx: CniContext, node: NodeInfo): CniHostState {
  const flannel = canalSettings(ctx.topology);
  // flanneld's share of the node: the tunnel device and its routes, without the bridge the
  // flannel CNI plugin would add (Canal pods do not use it).
  const overlay = flannelHost({ ...ctx, podsByNode: noPods }, node, flannel);
  const pods = (ctx.podsByNode.get(node.name) ?? []).filter((p) => !p.hostNetwork);
  const host = caliHostSide(pods, flannel.mtu);
  return { devices: [...overlay.devices, ...host.veths], routes: [...overlay.routes, ...host.routes], neighbours: overlay.neighbours, fdb: overlay.fdb, ...(overlay.peers ? { peers: overlay.peers } : {}) };
}

export const canalBuilder: CniBuilder = {
  host: canalHost,
  pod: (ctx, pod) => caliPod(pod, canalSettings(ctx.topology).mtu),
  hostVethName: caliVethName,
  notes: (ctx) => flannelNotes(ctx, canalSettings(ctx.topology)),
};
