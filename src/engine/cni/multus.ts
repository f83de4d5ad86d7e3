/**
 * Multus: the cluster's own CNI still wires eth0; for each network a pod names in its
 * `k8s.v1.cni.cncf.io/networks` annotation Multus then calls the plugin of that
 * NetworkAttachmentDefinition, which adds `net1`, `net2`… (the loader has resolved them into
 * `pod.secondaryInterfaces` and `cluster.networks`). What each delegate plugin leaves:
 * - macvlan: `netN` is a macvlan of the node's `master` device in the network's mode (bridge,
 *   the plugin's default, lets sibling macvlans of one master talk inside it; private, vepa and
 *   passthru do not: docs/kernel-facts.md), on the master's L2 segment, MTU of the master,
 *   nothing new on the host;
 * - bridge: the host gets the named bridge (no address unless `isGateway`) and one veth per
 *   attachment, enslaved to it; the pod's `netN` is the veth's other end;
 * - ipvlan shares the master's MAC and has no device kind in the simulator yet: it is reported,
 *   not built.
 * In every case the pod gets the address on the subnet's prefix and only the kernel's prefix
 * route: the host-local IPAM adds no route unless the configuration lists some. A request with a
 * `gateway` moves the pod's default route: Multus deletes the other interfaces' default routes
 * and sets one via that gateway on the interface (pkg/types/conf.go CheckGatewayConfig,
 * pkg/multus/multus.go DeleteDefaultGW and SetDefaultGW).
 */

import { hostAddress, route } from '../dataplane/assemble';
import { podNetnsId } from '../dataplane/bridgePlugin';
import type { CniBuilder, CniContext, CniHostState, CniNote, CniPodState, DeviceSpec, FdbEntry } from '../dataplane/types';
import type { NodeInfo, Pod, PodSecondaryInterface, SecondaryNetwork, Topology } from '../model/types';
import { derivedMac } from '../net/derivedNames';
import { parsePrefix } from '../net/ipv4';
import { sha1Hex } from '../net/sha1';

/** The bridge plugin's host veth for one attachment (random there, hashed from pod and interface here). */
export function multusVethName(pod: Pick<Pod, 'namespace' | 'name'>, iface: string): string {
  return `veth${sha1Hex(`${pod.namespace}/${pod.name}/${iface}`).slice(0, 8)}`;
}

/** `namespace/name` of a NetworkAttachmentDefinition, as the loader keys `PodSecondaryInterface.network`. */
function networkKey(n: SecondaryNetwork): string {
  return `${n.namespace}/${n.name}`;
}

export function findNetwork(topology: Topology, pod: Pod, iface: PodSecondaryInterface): SecondaryNetwork | undefined {
  const networks = topology.cluster.networks;
  return (
    networks.find((n) => networkKey(n) === iface.network) ??
    networks.find((n) => n.name === iface.network && n.namespace === pod.namespace) ??
    networks.find((n) => n.name === iface.network)
  );
}

function prefixLength(iface: PodSecondaryInterface, network: SecondaryNetwork): number {
  return iface.prefixLength ?? (network.subnet ? parsePrefix(network.subnet)?.prefix : undefined) ?? 24;
}

/** The devices an interface's delegate plugin adds to the pod, or nothing for kinds not modelled. */
function podDevice(ctx: CniContext, pod: Pod, node: NodeInfo, iface: PodSecondaryInterface, network: SecondaryNetwork): DeviceSpec | undefined {
  const addresses = [hostAddress(`${iface.address}/${prefixLength(iface, network)}`)];
  switch (network.type) {
    case 'macvlan':
      return { kind: 'macvlan', name: iface.name, mtu: 1500, mac: iface.mac, up: true, addresses, masterNetns: `node/${node.name}`, masterDevice: network.master, mode: network.mode ?? 'bridge' };
    case 'bridge':
      return { kind: 'veth', name: iface.name, mtu: 1500, mac: iface.mac, up: true, addresses, peerNetns: `node/${node.name}`, peerDevice: multusVethName(pod, iface.name) };
    case 'ipvlan':
      return undefined;
    default:
      return assertNever(network.type, ctx);
  }
}

function assertNever(value: never, _ctx: CniContext): never {
  throw new Error(`unexpected network type ${String(value)}`);
}

/** Host-side devices for bridge attachments: each named bridge once, then the veths in pod order. */
export function multusHost(ctx: CniContext, node: NodeInfo): Pick<CniHostState, 'devices' | 'fdb'> {
  const bridges = new Map<string, string[]>();
  const veths: DeviceSpec[] = [];
  const fdb: FdbEntry[] = [];
  for (const pod of ctx.podsByNode.get(node.name) ?? []) {
    if (pod.hostNetwork) continue;
    for (const iface of pod.secondaryInterfaces) {
      const network = findNetwork(ctx.topology, pod, iface);
      if (network?.type !== 'bridge') continue;
      const name = multusVethName(pod, iface.name);
      const ports = bridges.get(network.master) ?? [];
      ports.push(name);
      bridges.set(network.master, ports);
      veths.push({ kind: 'veth', name, mtu: 1500, mac: derivedMac(`${node.name}/${name}`), up: true, addresses: [], master: network.master, peerNetns: podNetnsId(pod), peerDevice: iface.name });
      fdb.push({ mac: iface.mac, dev: name, master: network.master, self: false, permanent: false });
    }
  }
  const devices: DeviceSpec[] = [...bridges].map(([name, ports]) => {
    const mac = derivedMac(`${node.name}/${name}`);
    return { kind: 'bridge', name, mtu: 1500, mac, up: true, addresses: [], ports, stp: false, bridgeId: `8000.${mac.replace(/:/g, '')}` };
  });
  return { devices: [...devices, ...veths], fdb };
}

export function multusPod(ctx: CniContext, pod: Pod, node: NodeInfo): DeviceSpec[] {
  const devices: DeviceSpec[] = [];
  for (const iface of pod.secondaryInterfaces) {
    const network = findNetwork(ctx.topology, pod, iface);
    if (!network) continue;
    const device = podDevice(ctx, pod, node, iface, network);
    if (device) devices.push(device);
  }
  return devices;
}

/** The pods' interfaces on one network, on the nodes they run on. */
interface Attached {
  readonly network: SecondaryNetwork;
  readonly interfaces: string[];
  readonly nodes: Set<string>;
}

function attach(groups: Map<string, Attached>, key: string, network: SecondaryNetwork, pod: Pod, iface: PodSecondaryInterface): void {
  let group = groups.get(key);
  if (!group) {
    group = { network, interfaces: [], nodes: new Set() };
    groups.set(key, group);
  }
  group.interfaces.push(`${pod.namespace}/${pod.name} ${iface.name}`);
  group.nodes.add(pod.nodeName);
}

/**
 * Attachments a node could not make, one note per network (and node, for a missing master). An
 * unknown network never gets here: the loader reports it (PW4014) and attaches nothing.
 */
function notes(ctx: CniContext): CniNote[] {
  const ipvlan = new Map<string, Attached>();
  const masterless = new Map<string, Attached>();
  const nodes = new Map(ctx.topology.nodes.map((n) => [n.name, n]));
  for (const pod of ctx.topology.pods) {
    for (const iface of pod.secondaryInterfaces) {
      const network = findNetwork(ctx.topology, pod, iface);
      if (network?.type === 'ipvlan') attach(ipvlan, networkKey(network), network, pod, iface);
      if (network?.type !== 'macvlan') continue;
      const node = nodes.get(pod.nodeName);
      if (node && node.interface !== network.master && !node.extraInterfaces.some((x) => x.name === network.master)) {
        attach(masterless, `${networkKey(network)} ${node.name}`, network, pod, iface);
      }
    }
  }
  const out: CniNote[] = [];
  for (const { network, interfaces, nodes: on } of ipvlan.values()) {
    out.push({
      code: 'ipvlanNotSimulated',
      subject: { kind: 'network', network, nodes: [...on] },
      message: `network ${networkKey(network)} is ipvlan, which the simulator does not build yet: ${interfaces.join(', ')} ${interfaces.length === 1 ? 'is left out, so traces to its address find' : 'are left out, so traces to their addresses find'} no one; a macvlan network shows the same path`,
    });
  }
  for (const { network, interfaces, nodes: on } of masterless.values()) {
    const node = nodes.get([...on][0]!)!;
    out.push({
      code: 'macvlanMasterMissing',
      subject: { kind: 'network', network, nodes: [node.name] },
      message: `macvlan master ${network.master} of network ${networkKey(network)} does not exist on node ${node.name}, so the macvlan plugin would fail the sandbox of ${interfaces.join(', ')}; add \`{name: ${network.master}, kind: physical}\` to the node's \`interfaces\`, or set the network's master to ${node.interface}`,
    });
  }
  return out;
}

/** The cluster's builder with each pod's Multus attachments added. */
export function withMultus(base: CniBuilder): CniBuilder {
  return {
    host: (ctx, node) => {
      const { peers, ...own } = base.host(ctx, node);
      const extra = multusHost(ctx, node);
      // The plugin's entries for its peers come before the attachments' in the FDB, so they are listed here.
      const listed = peers?.list();
      return {
        ...own,
        devices: [...own.devices, ...extra.devices],
        routes: [...own.routes, ...(listed?.routes ?? [])],
        neighbours: [...own.neighbours, ...(listed?.neighbours ?? [])],
        fdb: [...own.fdb, ...(listed?.fdb ?? []), ...extra.fdb],
      };
    },
    pod: (ctx, pod, node): CniPodState => {
      const own = base.pod(ctx, pod, node);
      const devices = [...own.devices, ...multusPod(ctx, pod, node)];
      const gw = pod.secondaryInterfaces.find((i) => i.defaultGateway && devices.some((d) => d.name === i.name));
      if (!gw) return { ...own, devices };
      const routes = [...own.routes.filter((r) => r.dst !== 'default' || r.table !== 'main'), route({ dst: 'default', via: gw.defaultGateway!, dev: gw.name })];
      return { ...own, devices, routes };
    },
    hostVethName: base.hostVethName,
    notes: (ctx) => [...(base.notes?.(ctx) ?? []), ...notes(ctx)],
  };
}
