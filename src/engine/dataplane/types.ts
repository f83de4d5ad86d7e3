/**
 * The Linux networking state the walk moves packets through: one network namespace per node host,
 * per pod and per external host, each with the devices, addresses, routes, neighbours and FDB
 * entries the real CNI would have left there. Plain data, so renderers, the lab and the walk all
 * read the same facts; lookups go through the indexes in `Dataplane`.
 */

import type { DataplaneCodeKey } from '../model/codes';
import type { Cidr } from '../net/cidr';
import type { MacvlanMode, NodeInfo, Pod, SecondaryNetwork, Topology } from '../model/types';

/** `node/NAME` (the node's host namespace), `pod/NS/NAME`, `ext/NAME`. */
export type NetnsId = string;

/**
 * Which namespace, as data: the walk's hops and the faces read these fields instead of taking the
 * id or the label apart. `netnsId` and `netnsLabel` (dataplane/derive.ts) are derived from it.
 */
export type NetnsRef =
  | { readonly kind: 'host'; readonly node: string }
  | { readonly kind: 'pod'; readonly node: string; readonly namespace: string; readonly name: string }
  | { readonly kind: 'external'; readonly name: string }
  | { readonly kind: 'router'; readonly name: string };

/** `router`: a router of the underlay the cluster relies on (a cloud route table, the VPC router), not a cluster node. */
export type NetnsKind = 'host' | 'pod' | 'external' | 'router';

/** Address scope as `ip addr` and `ip route` print it. */
export type Scope = 'global' | 'link' | 'host';

export interface Address {
  readonly address: string;
  readonly prefixLength: number;
  readonly scope: Scope;
  /** `brd` as `ip addr` prints it; absent for /32 and loopback. */
  readonly broadcast?: string;
}

/** What every device has, whatever its kind. */
interface DeviceBase {
  readonly name: string;
  /** ifindex within its namespace, as `ip link` numbers devices (lo is 1). */
  readonly index: number;
  readonly mtu: number;
  /** Absent for devices without a link-layer address (lo prints 00:00:…, tun and ipip none). */
  readonly mac?: string;
  /** Administratively up (`ip link set up`). */
  readonly up: boolean;
  /** Up but without carrier (`NO-CARRIER`, state DOWN; its routes print `linkdown`), as docker0 with no containers. */
  readonly noCarrier?: boolean;
  readonly addresses: readonly Address[];
  /** Bridge the device is enslaved to (`master cni0`). */
  readonly master?: string;
  /** net.ipv4.conf.<dev>.proxy_arp: answers ARP for any address it has a route for (Calico's cali veths). */
  readonly proxyArp?: boolean;
}

export interface LoopbackDevice extends DeviceBase {
  readonly kind: 'loopback';
}

/** A NIC on the underlay: every physical device on one L2 segment reaches every other. */
export interface PhysicalDevice extends DeviceBase {
  readonly kind: 'physical';
  /** The L2 segment it is plugged into, named by its network (`192.168.205.0/24`); absent when unplugged. */
  readonly segment?: string;
}

export interface VethDevice extends DeviceBase {
  readonly kind: 'veth';
  readonly peerNetns: NetnsId;
  readonly peerDevice: string;
  /** As a bridge port, `hairpin on`: the bridge may send a frame back out the port it came in by (a pod reaching itself through its Service). */
  readonly hairpin?: boolean;
}

export interface BridgeDevice extends DeviceBase {
  readonly kind: 'bridge';
  /** Enslaved devices in ifindex order. */
  readonly ports: readonly string[];
  readonly stp: boolean;
  /** brctl's bridge id: priority 8000 and the bridge MAC without colons. */
  readonly bridgeId: string;
  /**
   * Promiscuous (`ip link set cbr0 promisc on`, the bridge plugin's `promiscMode`): the bridge also
   * passes every frame it forwards up to its own stack, which may route it (docs/kernel-facts.md).
   */
  readonly promisc?: boolean;
}

export interface VxlanDevice extends DeviceBase {
  readonly kind: 'vxlan';
  readonly vni: number;
  /** Source address of the outer IPv4 header (`local`). */
  readonly local: string;
  readonly dstport: number;
  /** Underlay device the outer packet leaves by (`dev`). */
  readonly dev: string;
  /** False for `nolearning`: the FDB is only what the control plane writes. */
  readonly learning: boolean;
}

/** ipip (tunl0): IPv4 in IPv4, protocol 4, the outer destination taken from the route's gateway. */
export interface IpipDevice extends DeviceBase {
  readonly kind: 'ipip';
  /** Absent for the fallback device tunl0 (`any`). */
  readonly local?: string;
  readonly remote?: string;
}

/** Where a userspace daemon behind a TUN device sends a packet: the peer owning the destination. */
export interface TunLease {
  /** Subnet as a CIDR, e.g. `10.42.1.0/24`. */
  readonly subnet: string;
  /** The peer's underlay address the daemon sends to. */
  readonly publicIp: string;
}

/** A TUN device read by a userspace daemon that encapsulates in UDP (flanneld's flannel0). */
export interface TunDevice extends DeviceBase {
  readonly kind: 'tun';
  readonly daemon: string;
  /** UDP port the daemon sends from and listens on. */
  readonly port: number;
  /** The daemon's lease table; one array shared by every node. */
  readonly leases: readonly TunLease[];
}

export interface DummyDevice extends DeviceBase {
  readonly kind: 'dummy';
}

export interface MacvlanDevice extends DeviceBase {
  readonly kind: 'macvlan';
  /** Parent device on the host (`link eth0`), in the host namespace of `masterNetns`. */
  readonly masterNetns: NetnsId;
  readonly masterDevice: string;
  readonly mode: MacvlanMode;
}

export type Device =
  | LoopbackDevice
  | PhysicalDevice
  | VethDevice
  | BridgeDevice
  | VxlanDevice
  | IpipDevice
  | TunDevice
  | DummyDevice
  | MacvlanDevice;

export type RouteType = 'unicast' | 'local' | 'broadcast' | 'blackhole' | 'unreachable' | 'prohibit';

/**
 * Routing protocol as `ip route` prints it (`proto kernel`, `proto bird`, `proto dhcp`); a number
 * iproute2 has no name for prints as the number (`proto 80`, what Felix stamps on its routes).
 */
export type RouteProto = 'kernel' | 'boot' | 'static' | 'dhcp' | 'bird' | 'ra' | 'redirect' | '80';

export interface Route {
  /** `main` (254), `local` (255), or another table's name. */
  readonly table: string;
  readonly type: RouteType;
  /** Destination as text (`default`, `10.42.1.0/24`, `10.42.0.65`), as `ip route` prints it. */
  readonly dst: string;
  readonly prefix: Cidr;
  readonly via?: string;
  readonly dev?: string;
  /** Absent: `boot`, which `ip route` does not print. */
  readonly proto?: RouteProto;
  readonly scope: Scope;
  readonly src?: string;
  readonly metric?: number;
  readonly onlink: boolean;
}

export type NeighbourState = 'PERMANENT' | 'REACHABLE' | 'STALE' | 'DELAY' | 'PROBE' | 'NOARP' | 'INCOMPLETE' | 'FAILED';

export interface Neighbour {
  readonly ip: string;
  readonly dev: string;
  readonly lladdr?: string;
  readonly state: NeighbourState;
  /** A proxy entry (`ip neigh add proxy`), answered on behalf of another host. */
  readonly proxy: boolean;
  readonly router?: boolean;
}

/** One line of `bridge fdb show`. */
export interface FdbEntry {
  readonly mac: string;
  readonly dev: string;
  /** `master cni0`: the entry lives in the bridge's table. */
  readonly master?: string;
  /** VXLAN remote (`dst 192.168.205.3`). */
  readonly dst?: string;
  /** `self`: the entry lives in the device's own table (vxlan, physical multicast entries). */
  readonly self: boolean;
  /** `permanent` for static entries; absent for learned ones. */
  readonly permanent: boolean;
  /** A bridge's own addresses (`master cni0 permanent` on its ports). */
  readonly local?: boolean;
  readonly vlan?: number;
  /** VXLAN `vni` of the entry, on a device whose VNI is chosen per destination (weave's vxlan vport); the device's own VNI otherwise. */
  readonly vni?: number;
}

/**
 * One line of `ip rule`: which routing table a lookup consults, tried in priority order until a
 * table yields a route. Absent rules mean the kernel's three defaults (0 local, 32766 main,
 * 32767 default). The AWS VPC CNI steers pods on secondary ENIs with these.
 */
export interface RoutingRule {
  readonly priority: number;
  /** Source selector: `all` or a prefix as `ip rule` prints it (`10.0.1.5`, `10.0.0.0/16`). */
  readonly from: string;
  readonly fromPrefix: Cidr;
  /** Destination selector, when the rule has one (`to 10.0.1.5`). */
  readonly to?: string;
  readonly toPrefix?: Cidr;
  /** `fwmark 0x80/0x80`: the packet's mark under the mask must equal the value. */
  readonly fwmark?: { readonly value: number; readonly mask: number };
  /** `iif eth0`: only packets that arrived on this device. */
  readonly iif?: string;
  /** `main`, `local`, `default` or a table number as text. */
  readonly table: string;
}

/** One network namespace: a node's host, a pod, an external host. */
export interface NetNamespace {
  readonly id: NetnsId;
  readonly ref: NetnsRef;
  readonly kind: NetnsKind;
  /** The cluster node it lives on, or the external host's name. */
  readonly node: string;
  /** How a trace names it: `host`, `pod/NS/NAME`, `ext/NAME`. */
  readonly label: string;
  /** In ifindex order. */
  readonly devices: readonly Device[];
  /** Every table, `local` included, in the order `ip route show table all` prints them. */
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
  /** `ip rule` in priority order; absent: the kernel's defaults only. */
  readonly rules?: readonly RoutingRule[];
  /** net.ipv4.ip_forward. */
  readonly ipForward: boolean;
  /**
   * Present when the entries for the cluster's other nodes are answered on demand: `routes`,
   * `neighbours` and `fdb` still list them (built on first read), and lookups go through here.
   */
  readonly peers?: ImplicitPeers;
}

/**
 * A CNI's per-peer state on one node (a route to each other node's pod subnet and, for an overlay,
 * the VTEP's neighbour and FDB entry), answered for the peers a lookup names instead of listed for
 * all 5,000 of them. Each peer's route goes to that peer's podCIDR.
 */
export interface PeerState {
  /** The peer routes whose destination covers `address`, longest prefix first, in node order. */
  routesCovering(address: number): readonly Route[];
  /** The first peer neighbour entry for `ip` on `dev` with a link-layer address. */
  neighbour(dev: string, ip: string): Neighbour | undefined;
  /** The first peer FDB entry for `mac` on `dev` with a remote (`dst`); with `self`, only `self` entries. Peer FDB entries are never a bridge's (`master`). */
  remote(dev: string, mac: string, self: boolean): FdbEntry | undefined;
  /** Whether a peer's route would have exactly this destination (another route to it makes the order matter). */
  claims(prefix: Cidr): boolean;
  /** Every peer's entries in node order, as the CNI would have listed them. */
  list(): { readonly routes: readonly Route[]; readonly neighbours: readonly Neighbour[]; readonly fdb: readonly FdbEntry[] };
}

/** A namespace's own tables without its peers' entries, and the peers answered on demand. */
export interface ImplicitPeers {
  /** Ordered as the full tables are, so a lookup that finds an entry here finds the one a scan would. */
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
  readonly state: PeerState;
}

/** Who holds an address: the namespace and device it is configured on. */
export interface AddressOwner {
  readonly netns: NetnsId;
  readonly device: string;
}

/** The whole cluster's Linux state. Namespaces are derived on first use, so a 5,000-node cluster costs only what a walk touches. */
export interface Dataplane {
  readonly topology: Topology;
  /** Every namespace id, in a stable order: each node's host, its pods, then the externals. */
  readonly ids: readonly NetnsId[];
  /** Pods that have a network namespace of their own, by IP (the last of a duplicate wins). */
  readonly podByIp: ReadonlyMap<string, Pod>;
  namespace(id: NetnsId): NetNamespace | undefined;
  /** Where an IPv4 address is configured (pod eth0, node NIC, external host, tunnel address). */
  ownerOf(address: string): AddressOwner | undefined;
  /** The device with this MAC on an underlay segment, i.e. who receives a frame sent to it. */
  onSegment(segment: string, mac: string): AddressOwner | undefined;
  /**
   * The device the underlay fabric delivers an address to when no device of the segment has it
   * configured: the VPC answers ARP for an ENI's secondary IP with that ENI's MAC.
   */
  fabricOwnerOf?(address: string): AddressOwner | undefined;
  /** Notes the CNI reports while building (a host-gw peer off the L2 segment, …). */
  readonly notes: readonly string[];
}

/** A device before the namespace numbers it; distributes over the union so each kind keeps its fields. */
export type DeviceSpec = Device extends infer D ? (D extends Device ? Omit<D, 'index'> : never) : never;

/** What a CNI adds to one node's host namespace besides lo and the underlay NIC. */
export interface CniHostState {
  /** Devices after the underlay NIC, in creation order (cni0, flannel.1, veths…); ifindex is assigned by the caller. */
  readonly devices: readonly DeviceSpec[];
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
  readonly fdb: readonly FdbEntry[];
  /** Policy routing rules the CNI adds, with the kernel's defaults; absent when it adds none. */
  readonly rules?: readonly RoutingRule[];
  /** Entries for the other nodes, after `routes`, `neighbours` and `fdb` in table order, answered on demand. */
  readonly peers?: PeerState;
}

/** What a CNI puts inside one pod's namespace besides lo. */
export interface CniPodState {
  readonly devices: readonly DeviceSpec[];
  readonly routes: readonly Route[];
  readonly neighbours: readonly Neighbour[];
}

/** One interface of an underlay router, on a node segment. */
export interface RouterInterface {
  readonly name: string;
  readonly address: string;
  readonly prefixLength: number;
  readonly mac: string;
  /** The segment it is plugged into, named like the nodes' (`10.240.0.0/16`). */
  readonly segment: string;
}

/**
 * A router of the underlay a CNI relies on without running on it: the cloud route table kubenet
 * needs, the VPC router. It forwards (TTL decremented) by its routes and has no netfilter.
 */
export interface RouterSpec {
  /** Names its namespace `router/NAME`. */
  readonly name: string;
  readonly interfaces: readonly RouterInterface[];
  /** Routes besides the interfaces' own prefix routes. */
  readonly routes: readonly Route[];
}

/**
 * What a CNI note is about: the diagnostic points at that object's source, and a trace shows the
 * note when it crosses one of the nodes concerned (every node, for the cluster).
 */
export type NoteSubject =
  | { readonly kind: 'cluster' }
  | { readonly kind: 'node'; readonly node: NodeInfo }
  | { readonly kind: 'pod'; readonly pod: Pod }
  | { readonly kind: 'network'; readonly network: SecondaryNetwork; readonly nodes: readonly string[] };

/** Something the plugin would refuse or fail at, or that the simulator shows differently from it. */
export interface CniNote {
  /** Its code in `model/codes.ts`, which also fixes its severity. */
  readonly code: DataplaneCodeKey;
  readonly subject: NoteSubject;
  /** What goes wrong, then what to do about it. */
  readonly message: string;
}

/** Facts every CNI builder reads, computed once per topology. */
export interface CniContext {
  readonly topology: Topology;
  /** Pods scheduled on each node, in file order (hostNetwork pods included). */
  readonly podsByNode: ReadonlyMap<string, readonly Pod[]>;
  /** `segment` of each node's underlay NIC, by node name. */
  readonly segmentOf: ReadonlyMap<string, string>;
}

/**
 * One CNI: the state it leaves in a node's host namespace and in each pod's namespace.
 * Registered by plugin name in `src/engine/cni/index.ts`.
 */
export interface CniBuilder {
  host(ctx: CniContext, node: NodeInfo): CniHostState;
  /** Only called for pods that are not on the host network. */
  pod(ctx: CniContext, pod: Pod, node: NodeInfo): CniPodState;
  /** Name of the pod's veth in the host namespace, as the plugin names it. */
  hostVethName(pod: Pod): string;
  /** What the plugin would refuse or warn about for this topology (a host-gw peer off the L2 segment, …). */
  notes?(ctx: CniContext): readonly CniNote[];
  /** Underlay routers the plugin's traffic crosses (kubenet's cloud route table, the AWS VPC router). */
  routers?(ctx: CniContext): readonly RouterSpec[];
  /** Addresses the underlay fabric delivers to a device that does not configure them (an ENI's secondary IPs). */
  fabricAddresses?(ctx: CniContext, node: NodeInfo): readonly { readonly address: string; readonly device: string }[];
}
