/**
 * How Calico's CNI plugin wires a pod, shared by Calico and Canal (whose pods use the same
 * plugin): no bridge, a `cali<hash>` host veth with MAC ee:ee:ee:ee:ee:ee and proxy ARP, a
 * `<podIP> dev cali…` route on the node, and inside the pod a /32 with a default route via
 * 169.254.1.1, which the host veth answers for.
 */

import { hostAddress, route } from '../../dataplane/assemble';
import { podNetnsId } from '../../dataplane/bridgePlugin';
import type { CniPodState, DeviceSpec, Route } from '../../dataplane/types';
import type { Pod } from '../../model/types';
import { sha1Hex } from '../../net/sha1';

/** The MAC Calico's CNI plugin gives every host-side veth. */
const CALICO_HOST_VETH_MAC = 'ee:ee:ee:ee:ee:ee';
/** The link-local next hop every Calico pod routes through; the host veth answers its ARP by proxy. */
export const CALICO_POD_GATEWAY = '169.254.1.1';

/** Calico's host veth name: `cali` and the first 11 hex digits of SHA-1 over `<namespace>.<pod>`. */
export function caliVethName(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `cali${sha1Hex(`${pod.namespace}.${pod.name}`).slice(0, 11)}`;
}

/** The node's side of its pods: one host veth and one scope-link route per pod. */
export function caliHostSide(pods: readonly Pod[], mtu: number): { readonly veths: DeviceSpec[]; readonly routes: Route[] } {
  // Named once: the name is a SHA-1 of the pod, and the veth and its route both need it.
  const names = pods.map(caliVethName);
  return {
    veths: pods.map((pod, i) => ({
      kind: 'veth',
      name: names[i]!,
      mtu,
      mac: CALICO_HOST_VETH_MAC,
      up: true,
      addresses: [],
      proxyArp: true,
      peerNetns: podNetnsId(pod),
      peerDevice: 'eth0',
    })),
    routes: pods.map((pod, i) => route({ dst: pod.ip, dev: names[i]! })),
  };
}

/** The pod's side: eth0 with its /32, and the default route through the link-local gateway. */
export function caliPod(pod: Pod, mtu: number): CniPodState {
  return {
    devices: [{ kind: 'veth', name: 'eth0', mtu, mac: pod.mac, up: true, addresses: [hostAddress(`${pod.ip}/32`)], peerNetns: `node/${pod.nodeName}`, peerDevice: caliVethName(pod) }],
    routes: [route({ dst: 'default', via: CALICO_POD_GATEWAY, dev: 'eth0' }), route({ dst: CALICO_POD_GATEWAY, dev: 'eth0' })],
    neighbours: [],
  };
}
