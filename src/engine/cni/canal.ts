/**
 * Canal: flanneld moves packets between nodes exactly as in flannel (flannel.<VNI> with its
 * routes, ARP and FDB entries, or host-gw routes), while pods are wired by Calico's CNI plugin
 * with host-local IPAM on the node's flannel subnet (`"subnet": "usePodCidr"` in canal's
 * manifest), and Felix enforces NetworkPolicy. So there is no cni0 bridge: each pod has a
 * `cali<hash>` veth with proxy ARP and MAC ee:ee:ee:ee:ee:ee, a `<podIP> dev cali… scope link`
 * route on the node, and inside the pod a /32 with a default route via 169.254.1.1.
 */

import { hostAddress, route } from '../dataplane/assemble';
import { podNetnsId } from '../dataplane/bridgePlugin';
import type { CniBuilder, CniContext, CniHostState, CniPodState, DeviceSpec, Route } from '../dataplane/types';
import type { CanalConfig, NodeInfo, Pod, Topology } from '../model/types';
import { sha1Hex } from '../net/sha1';
import { flannelHost, flannelNotes } from './flannel';

/** The MAC Calico's CNI plugin gives every host-side veth. */
export const CALICO_HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
/** The link-local next hop every Calico pod routes through; the host veth answers its ARP by proxy. */
export const CALICO_POD_GATEWAY = '169.254.1.1';

/** Calico's host veth name: `cali` and the first 11 hex digits of SHA-1 over `<namespace>.<pod>`. */
export function caliVethName(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `cali${sha1Hex(`${pod.namespace}.${pod.name}`).slice(0, 11)}`;
}

function settings(topology: Topology): CanalConfig['flannel'] {
  if (topology.cluster.cni.plugin !== 'canal') throw new Error('canal builder used for another plugin');
  return topology.cluster.cni.flannel;
}

const noPods: ReadonlyMap<string, readonly Pod[]> = new Map();

export function canalHost(ctx: CniContext, node: NodeInfo): CniHostState {
  const flannel = settings(ctx.topology);
  // flanneld's share of the node: the tunnel device and its routes, without the bridge the
  // flannel CNI plugin would add (Canal pods do not use it).
  const overlay = flannelHost({ ...ctx, podsByNode: noPods }, node, flannel);
  const pods = (ctx.podsByNode.get(node.name) ?? []).filter((p) => !p.hostNetwork);
  const veths: DeviceSpec[] = pods.map((pod) => ({
    kind: 'veth',
    name: caliVethName(pod),
    mtu: flannel.mtu,
    mac: CALICO_HOST_VETH_MAC,
    up: true,
    addresses: [],
    proxyArp: true,
    peerNetns: podNetnsId(pod),
    peerDevice: 'eth0',
  }));
  const podRoutes: Route[] = pods.map((pod) => route({ dst: pod.ip, dev: caliVethName(pod) }));
  return { devices: [...overlay.devices, ...veths], routes: [...overlay.routes, ...podRoutes], neighbours: overlay.neighbours, fdb: overlay.fdb, ...(overlay.peers ? { peers: overlay.peers } : {}) };
}

export function canalPod(ctx: CniContext, pod: Pod): CniPodState {
  const flannel = settings(ctx.topology);
  return {
    devices: [{ kind: 'veth', name: 'eth0', mtu: flannel.mtu, mac: pod.mac, up: true, addresses: [hostAddress(`${pod.ip}/32`)], peerNetns: `node/${pod.nodeName}`, peerDevice: caliVethName(pod) }],
    routes: [route({ dst: 'default', via: CALICO_POD_GATEWAY, dev: 'eth0' }), route({ dst: CALICO_POD_GATEWAY, dev: 'eth0' })],
    neighbours: [],
  };
}

export const canalBuilder: CniBuilder = {
  host: canalHost,
  pod: (ctx, pod) => canalPod(ctx, pod),
  hostVethName: caliVethName,
  notes: (ctx) => flannelNotes(ctx, settings(ctx.topology)),
};
