/**
 * The CNI `bridge` plugin with `host-local` IPAM, as flannel, kubenet and Canal delegate to it:
 * a bridge at the subnet's `.1`, one veth pair per pod with the host end enslaved to the bridge,
 * and in the pod eth0 with a default route via the bridge.
 */

import type { NodeInfo, Pod } from '../model/types';
import { derivedMac } from '../net/derivedNames';
import { nthAddress, parsePrefix } from '../net/ipv4';
import { hostAddress, route } from './assemble';
import type { CniPodState, DeviceSpec, FdbEntry, Route } from './types';

export interface BridgeOptions {
  readonly bridge: string;
  readonly mtu: number;
  /** Extra routes the plugin's IPAM writes in the pod, each via the gateway (flannel adds the cluster CIDR). */
  readonly podRoutes: readonly string[];
  /** The plugin's `hairpinMode`: `bridge_slave hairpin on` for every host-side veth. */
  readonly hairpinMode?: boolean;
  /** The plugin's `promiscMode`: the bridge itself is put in promiscuous mode (`netlink.SetPromiscOn`). */
  readonly promiscMode?: boolean;
}

/** The bridge's address: the first host of the node's pod subnet, as host-local's gateway default. */
export function bridgeGateway(node: NodeInfo): string {
  const prefix = parsePrefix(node.podCIDR);
  return prefix ? nthAddress(prefix, 1) : node.podCIDR;
}

export function podNetnsId(pod: Pick<Pod, 'namespace' | 'name'>): string {
  return `pod/${pod.namespace}/${pod.name}`;
}

/** The bridge and each pod's host-side veth, enslaved in pod order. */
export function bridgeHostDevices(node: NodeInfo, pods: readonly Pod[], options: BridgeOptions, vethName: (pod: Pod) => string): { devices: DeviceSpec[]; fdb: FdbEntry[] } {
  const attached = pods.filter((p) => !p.hostNetwork);
  const prefix = parsePrefix(node.podCIDR);
  const bridgeMac = derivedMac(`${node.name}/${options.bridge}`);
  const devices: DeviceSpec[] = [];
  const fdb: FdbEntry[] = [];
  if (attached.length === 0 || !prefix) return { devices, fdb };
  const ports = attached.map(vethName);
  devices.push({
    kind: 'bridge',
    name: options.bridge,
    mtu: options.mtu,
    mac: bridgeMac,
    up: true,
    addresses: [hostAddress(`${bridgeGateway(node)}/${prefix.prefix}`)],
    ports,
    stp: false,
    bridgeId: `8000.${bridgeMac.replace(/:/g, '')}`,
    ...(options.promiscMode ? { promisc: true } : {}),
  });
  attached.forEach((pod, i) => {
    // Named once above: a bridge plugin's veth name is a hash of the pod.
    const name = ports[i]!;
    const mac = derivedMac(`${node.name}/${name}`);
    devices.push({ kind: 'veth', name, mtu: options.mtu, mac, up: true, addresses: [], master: options.bridge, peerNetns: podNetnsId(pod), peerDevice: 'eth0', ...(options.hairpinMode ? { hairpin: true } : {}) });
    // What the bridge has learned once the pod has sent a frame, and the port's own address.
    fdb.push({ mac: pod.mac, dev: name, master: options.bridge, self: false, permanent: false });
    fdb.push({ mac, dev: name, master: options.bridge, self: false, permanent: true, local: true });
    fdb.push(...multicastFdb(name, mac));
  });
  return { devices, fdb: [...bridgeOwnFdb(options.bridge, bridgeMac, true), ...fdb] };
}

/**
 * A bridge's own entries as `bridge fdb show` lists them (seen on the kernel): the groups it joins,
 * all-nodes, the multicast-router groups (224.0.0.106, ff02::6a), all-hosts and, once it has an
 * IPv6 link-local address (not while it has no carrier), its solicited-node group; then its MAC.
 */
export function bridgeOwnFdb(bridge: string, mac: string, carrier: boolean): FdbEntry[] {
  const group = (m: string): FdbEntry => ({ mac: m, dev: bridge, self: true, permanent: true });
  return [
    group('33:33:00:00:00:01'),
    group('01:00:5e:00:00:6a'),
    group('33:33:00:00:00:6a'),
    group('01:00:5e:00:00:01'),
    ...(carrier ? [group(`33:33:ff:${mac.slice(9)}`)] : []),
    { mac, dev: bridge, master: bridge, self: false, permanent: true, local: true },
  ];
}

/**
 * The multicast groups every IPv4/IPv6 device joins (all-nodes, all-hosts, and the solicited-node
 * group of its EUI-64 link-local address), which `bridge fdb show` lists as `self permanent`.
 */
export function multicastFdb(dev: string, mac: string): FdbEntry[] {
  return [
    { mac: '33:33:00:00:00:01', dev, self: true, permanent: true },
    { mac: '01:00:5e:00:00:01', dev, self: true, permanent: true },
    { mac: `33:33:ff:${mac.slice(9)}`, dev, self: true, permanent: true },
  ];
}

/** Inside the pod: eth0 (the veth's other end) with the pod IP, default route via the bridge. */
export function bridgePodState(pod: Pod, node: NodeInfo, options: BridgeOptions, hostVeth: string): CniPodState {
  const prefix = parsePrefix(node.podCIDR);
  const gateway = bridgeGateway(node);
  const length = prefix?.prefix ?? 24;
  const routes: Route[] = [route({ dst: 'default', via: gateway, dev: 'eth0' }), ...options.podRoutes.map((dst) => route({ dst, via: gateway, dev: 'eth0' }))];
  return {
    devices: [
      {
        kind: 'veth',
        name: 'eth0',
        mtu: options.mtu,
        mac: pod.mac,
        up: true,
        addresses: [hostAddress(`${pod.ip}/${length}`)],
        peerNetns: `node/${node.name}`,
        peerDevice: hostVeth,
      },
    ],
    routes,
    neighbours: [],
  };
}
