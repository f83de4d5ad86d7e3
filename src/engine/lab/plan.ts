/**
 * The lab plan: the commands that build a derived dataplane in real network namespaces, so the
 * kernel can be held against the model. Pure: the dataplane (and the rule payloads) in, an ordered
 * list of argv arrays out; running them is the CLI's job. Every namespace carries the plan's prefix,
 * so tearing down never needs more than the prefix. Devices keep the engine's names and MACs
 * inside their namespaces, so captures compare field by field with the walk's headers.
 */

import type { Topology } from '../model/types';
import { sha1Hex } from '../net/sha1';
import type { Dataplane, Device, FdbEntry, NetNamespace, NetnsId, Neighbour, Route, RoutingRule } from '../dataplane/types';
import { assertNever } from '../trace/types';

/** A kernel feature some device or rule needs; the runner checks each before building. */
export type LabFeature = 'netns' | 'veth' | 'bridge' | 'vxlan' | 'ipip' | 'tun' | 'dummy' | 'macvlan' | 'iptables' | 'nfacct' | 'ipset' | 'ipvs';

export interface LabCommand {
  readonly argv: readonly string[];
  /** Text fed to the command's standard input (iptables-restore payloads). */
  readonly stdin?: string;
}

/** Something of the model the lab cannot reproduce, said plainly rather than faked. */
export interface LabGap {
  readonly netns: NetnsId;
  readonly what: string;
}

export interface LabPlan {
  readonly prefix: string;
  /** Model namespace id → kernel namespace name. */
  readonly netnsNames: ReadonlyMap<NetnsId, string>;
  /** Underlay segment (`192.168.205.0/24`) → the namespace holding its switch bridge. */
  readonly switches: ReadonlyMap<string, string>;
  /** Every namespace the plan creates, in creation order (the teardown list). */
  readonly namespaces: readonly string[];
  readonly commands: readonly LabCommand[];
  readonly requires: readonly LabFeature[];
  readonly gaps: readonly LabGap[];
}

/** Commands that load one node's rules, run inside its host namespace in order. */
export type RulePayloads = (nodeName: string) => readonly LabCommandInput[];

export interface LabCommandInput {
  /** `iptables-restore --noflush`, `nfacct add NAME`: run with `ip netns exec`. */
  readonly argv: readonly string[];
  /** Standard input (a restore payload). */
  readonly text?: string;
}

export interface PlanOptions {
  readonly prefix: string;
  readonly rules?: RulePayloads;
}

/** The default prefix for a topology: short, stable per cluster name, and distinct between clusters. */
export function defaultPrefix(topology: Topology): string {
  return `pw${sha1Hex(topology.cluster.name).slice(0, 4)}-`;
}

const unsafe = /[^A-Za-z0-9_.-]/g;

/** `node/master` → `<prefix>h-master`, `pod/default/web` → `<prefix>p-default.web`, `ext/client` → `<prefix>x-client`. */
export function netnsName(prefix: string, id: NetnsId): string {
  const [kind, ...rest] = id.split('/');
  const tag = kind === 'node' ? 'h' : kind === 'pod' ? 'p' : kind === 'ext' ? 'x' : 'n';
  return `${prefix}${tag}-${rest.join('.').replace(unsafe, '_')}`;
}

/** The Linux limit on interface names (IFNAMSIZ 16, with the terminating NUL). */
export const IFNAMSIZ_CHARS = 15;

function isMulticastMac(mac: string): boolean {
  return (parseInt(mac.slice(0, 2), 16) & 1) === 1;
}

class Builder {
  readonly gaps: LabGap[] = [];
  readonly requires = new Set<LabFeature>(['netns']);
  private readonly phases: LabCommand[][] = Array.from({ length: 10 }, () => []);

  add(phase: number, argv: readonly string[], stdin?: string): void {
    this.phases[phase]!.push(stdin === undefined ? { argv } : { argv, stdin });
  }

  gap(netns: NetnsId, what: string): void {
    this.gaps.push({ netns, what });
  }

  ordered(): LabCommand[] {
    return this.phases.flat();
  }
}

// Phases, in the order the kernel needs them.
const P_NETNS = 0;
const P_LINKS = 1; // devices that need nothing else in their namespace
const P_STACKED = 2; // devices on top of others (vxlan over the NIC, macvlan)
const P_MASTER = 3;
const P_UP = 4;
const P_ADDR = 5;
const P_ROUTE = 6;
const P_NEIGH = 7;
const P_SYSCTL = 8;
const P_RULES = 9;

function linkAttrs(d: Device): string[] {
  return [...(d.mac ? ['address', d.mac] : []), ...(d.mtu ? ['mtu', String(d.mtu)] : [])];
}

function routeArgv(ns: string, r: Route): string[] {
  // The kernel adds its own prefix routes with NLM_F_APPEND, so two devices on one subnet both get one.
  const argv = ['ip', '-n', ns, 'route', r.proto === 'kernel' ? 'append' : 'add'];
  if (r.type !== 'unicast') argv.push(r.type);
  argv.push(r.dst);
  if (r.via) argv.push('via', r.via);
  if (r.dev) argv.push('dev', r.dev);
  if (r.table !== 'main') argv.push('table', r.table);
  if (r.proto) argv.push('proto', r.proto);
  if (r.type === 'unicast' && r.scope !== 'global') argv.push('scope', r.scope);
  if (r.src) argv.push('src', r.src);
  if (r.metric !== undefined) argv.push('metric', String(r.metric));
  if (r.onlink) argv.push('onlink');
  return argv;
}

const kernelDefaultRules = new Set(['0 local', '32766 main', '32767 default']);

function ruleArgv(ns: string, r: RoutingRule): string[] | undefined {
  const plain = r.from === 'all' && !r.to && !r.fwmark && !r.iif;
  if (plain && kernelDefaultRules.has(`${r.priority} ${r.table}`)) return undefined;
  const argv = ['ip', '-n', ns, 'rule', 'add', 'priority', String(r.priority), 'from', r.from];
  if (r.to) argv.push('to', r.to);
  if (r.fwmark) argv.push('fwmark', `0x${r.fwmark.value.toString(16)}/0x${r.fwmark.mask.toString(16)}`);
  if (r.iif) argv.push('iif', r.iif);
  argv.push('table', r.table);
  return argv;
}

function neighArgv(ns: string, n: Neighbour): string[] | undefined {
  if (n.proxy) return ['ip', '-n', ns, 'neigh', 'add', 'proxy', n.ip, 'dev', n.dev];
  // Only what a control plane writes is installed; resolved entries come from real ARP on the wire.
  if ((n.state === 'PERMANENT' || n.state === 'NOARP') && n.lladdr) {
    return ['ip', '-n', ns, 'neigh', 'replace', n.ip, 'lladdr', n.lladdr, 'dev', n.dev, 'nud', n.state === 'PERMANENT' ? 'permanent' : 'noarp'];
  }
  return undefined;
}

function fdbArgv(ns: string, f: FdbEntry): string[] | undefined {
  if (f.local || isMulticastMac(f.mac) || !f.permanent) return undefined;
  if (f.self && f.dst) {
    return ['bridge', '-n', ns, 'fdb', 'append', f.mac, 'dev', f.dev, 'dst', f.dst, ...(f.vni !== undefined ? ['vni', String(f.vni)] : []), 'self', 'permanent'];
  }
  if (f.master) return ['bridge', '-n', ns, 'fdb', 'replace', f.mac, 'dev', f.dev, 'master', 'static'];
  return undefined;
}

/** Build the whole dataplane: namespaces, underlay switches, devices, addresses, routes, neighbours, FDB, sysctls, rules. */
export function planLab(dp: Dataplane, options: PlanOptions): LabPlan {
  const { prefix } = options;
  const b = new Builder();
  const names = new Map<NetnsId, string>();
  const namespaces: string[] = [];
  const switches = new Map<string, string>();
  const spaces: NetNamespace[] = [];
  for (const id of dp.ids) {
    const ns = dp.namespace(id);
    if (!ns) continue;
    spaces.push(ns);
    names.set(id, netnsName(prefix, id));
  }
  const nsArgs = (name: string): string[] => ['ip', 'netns', 'add', name];
  const quiet = (name: string): string[] => ['ip', 'netns', 'exec', name, 'sysctl', '-qw', 'net.ipv6.conf.all.disable_ipv6=1', 'net.ipv6.conf.default.disable_ipv6=1'];

  // One switch namespace per underlay segment: a bridge every NIC on the segment is plugged into.
  let switchIndex = 0;
  const switchOf = (segment: string): string => {
    let sw = switches.get(segment);
    if (!sw) {
      sw = `${prefix}sw${switchIndex++}`;
      switches.set(segment, sw);
      namespaces.push(sw);
      b.add(P_NETNS, nsArgs(sw));
      b.add(P_NETNS, quiet(sw));
      b.add(P_NETNS, ['ip', '-n', sw, 'link', 'add', 'sw', 'type', 'bridge']);
      b.add(P_NETNS, ['ip', '-n', sw, 'link', 'set', 'sw', 'up']);
    }
    return sw;
  };
  let portIndex = 0;
  let tmpIndex = 0;
  const vethDone = new Set<string>();

  for (const ns of spaces) {
    const name = names.get(ns.id)!;
    namespaces.push(name);
    b.add(P_NETNS, nsArgs(name));
    b.add(P_NETNS, quiet(name));
    const devs = new Map(ns.devices.map((d) => [d.name, d]));
    for (const d of ns.devices) {
      if (d.name.length > IFNAMSIZ_CHARS) {
        b.gap(ns.id, `device name ${d.name} is longer than ${IFNAMSIZ_CHARS} characters; Linux refuses it`);
        continue;
      }
      switch (d.kind) {
        case 'loopback':
          break;
        case 'physical': {
          b.requires.add('veth');
          if (!d.segment) {
            b.gap(ns.id, `${d.name} is on no segment; created unplugged`);
          }
          const sw = switchOf(d.segment ?? `unplugged`);
          const port = `u${portIndex++}`;
          b.add(P_LINKS, ['ip', 'link', 'add', d.name, 'netns', name, ...linkAttrs(d), 'type', 'veth', 'peer', 'name', port, 'netns', sw]);
          if (d.segment) {
            b.add(P_MASTER, ['ip', '-n', sw, 'link', 'set', port, 'master', 'sw']);
            b.add(P_UP, ['ip', '-n', sw, 'link', 'set', port, 'up']);
          }
          break;
        }
        case 'veth': {
          b.requires.add('veth');
          const key = [`${ns.id}:${d.name}`, `${d.peerNetns}:${d.peerDevice}`].sort().join(' ');
          if (vethDone.has(key)) break;
          vethDone.add(key);
          const peerNs = dp.namespace(d.peerNetns);
          const peer = peerNs?.devices.find((x) => x.name === d.peerDevice);
          const peerName = names.get(d.peerNetns);
          if (!peer || !peerName) {
            b.gap(ns.id, `${d.name}'s peer ${d.peerNetns}:${d.peerDevice} is not in the model`);
            break;
          }
          b.add(P_LINKS, ['ip', 'link', 'add', d.name, 'netns', name, ...linkAttrs(d), 'type', 'veth', 'peer', 'name', peer.name, 'netns', peerName, ...linkAttrs(peer)]);
          break;
        }
        case 'bridge':
          b.requires.add('bridge');
          b.add(P_LINKS, ['ip', '-n', name, 'link', 'add', d.name, ...linkAttrs(d), 'type', 'bridge']);
          // Set explicitly, as the CNI bridge plugin does, so the bridge keeps this MAC instead of its lowest port's.
          if (d.mac) b.add(P_MASTER, ['ip', '-n', name, 'link', 'set', d.name, 'address', d.mac]);
          break;
        case 'vxlan': {
          b.requires.add('vxlan');
          const under = devs.get(d.dev);
          if (!under) b.gap(ns.id, `${d.name} sits on ${d.dev}, which the namespace does not have`);
          b.add(P_STACKED, ['ip', '-n', name, 'link', 'add', d.name, ...linkAttrs(d), 'type', 'vxlan', 'id', String(d.vni), 'local', d.local, 'dev', d.dev, 'dstport', String(d.dstport), ...(d.learning ? [] : ['nolearning'])]);
          break;
        }
        case 'ipip':
          b.requires.add('ipip');
          if (d.name === 'tunl0') {
            // The module creates the fallback tunl0 in every namespace; only its settings are ours.
            b.add(P_STACKED, ['ip', '-n', name, 'link', 'set', 'tunl0', ...(d.mtu ? ['mtu', String(d.mtu)] : [])]);
          } else {
            b.add(P_STACKED, ['ip', '-n', name, 'link', 'add', d.name, 'type', 'ipip', ...(d.local ? ['local', d.local] : []), ...(d.remote ? ['remote', d.remote] : [])]);
          }
          break;
        case 'tun':
          b.requires.add('tun');
          b.add(P_LINKS, ['ip', '-n', name, 'tuntap', 'add', 'dev', d.name, 'mode', 'tun']);
          if (d.mtu) b.add(P_MASTER, ['ip', '-n', name, 'link', 'set', d.name, 'mtu', String(d.mtu)]);
          b.gap(ns.id, `${d.name} is read by ${d.daemon}, a userspace daemon the lab does not run: packets into it go nowhere`);
          break;
        case 'dummy':
          b.requires.add('dummy');
          b.add(P_LINKS, ['ip', '-n', name, 'link', 'add', d.name, ...linkAttrs(d), 'type', 'dummy']);
          break;
        case 'macvlan': {
          b.requires.add('macvlan');
          const parentNs = names.get(d.masterNetns);
          if (!parentNs) {
            b.gap(ns.id, `${d.name}'s parent ${d.masterNetns}:${d.masterDevice} is not in the model`);
            break;
          }
          // Made beside its parent, then moved: a macvlan must be created where its parent lives.
          const tmp = `pwmv${tmpIndex++}`;
          b.add(P_STACKED, ['ip', '-n', parentNs, 'link', 'add', tmp, 'link', d.masterDevice, ...linkAttrs(d), 'type', 'macvlan', 'mode', d.mode]);
          b.add(P_STACKED, ['ip', '-n', parentNs, 'link', 'set', tmp, 'netns', name]);
          b.add(P_STACKED, ['ip', '-n', name, 'link', 'set', tmp, 'name', d.name]);
          break;
        }
        default:
          assertNever(d);
      }
      if (d.master) b.add(P_MASTER, ['ip', '-n', name, 'link', 'set', d.name, 'master', d.master]);
      if (d.kind === 'veth' && d.master && d.hairpin) b.add(P_UP, ['ip', '-n', name, 'link', 'set', d.name, 'type', 'bridge_slave', 'hairpin', 'on']);
      if (d.kind === 'bridge' && d.promisc) b.add(P_UP, ['ip', '-n', name, 'link', 'set', d.name, 'promisc', 'on']);
      // Bridges take the smallest MTU of their ports unless told; telling them again after enslaving keeps the model's.
      if (d.kind === 'bridge' && d.mtu) b.add(P_UP, ['ip', '-n', name, 'link', 'set', d.name, 'mtu', String(d.mtu)]);
      if (d.up) b.add(P_UP, ['ip', '-n', name, 'link', 'set', d.name, 'up']);
      for (const a of d.addresses) {
        if (d.kind === 'loopback' && a.address.startsWith('127.')) continue;
        // noprefixroute: the model lists its kernel routes itself, and only those should exist.
        b.add(P_ADDR, ['ip', '-n', name, 'addr', 'add', `${a.address}/${a.prefixLength}`, ...(a.broadcast ? ['brd', a.broadcast] : []), 'scope', a.scope, 'dev', d.name, 'noprefixroute']);
      }
      if (d.proxyArp) b.add(P_SYSCTL, ['ip', 'netns', 'exec', name, 'sysctl', '-qw', `net/ipv4/conf/${d.name}/proxy_arp=1`]);
    }
    // Link routes before gateway routes: a gateway must be reachable when its route is added.
    const routes = ns.routes.filter((r) => r.table !== 'local');
    const ordered = [...routes.filter((r) => !r.via), ...routes.filter((r) => r.via)];
    for (const r of ordered) {
      const dev = r.dev ? devs.get(r.dev) : undefined;
      if (r.dev && (!dev || !dev.up)) {
        b.gap(ns.id, `route ${r.dst} uses ${r.dev}, which is ${dev ? 'down' : 'missing'}; the kernel would not hold it`);
        continue;
      }
      b.add(P_ROUTE, routeArgv(name, r));
    }
    for (const r of ns.rules ?? []) {
      const argv = ruleArgv(name, r);
      if (argv) b.add(P_ROUTE, argv);
    }
    for (const n of ns.neighbours) {
      const argv = neighArgv(name, n);
      if (argv) b.add(P_NEIGH, argv);
    }
    for (const f of ns.fdb) {
      const argv = fdbArgv(name, f);
      if (argv) b.add(P_NEIGH, argv);
    }
    b.add(P_SYSCTL, ['ip', 'netns', 'exec', name, 'sysctl', '-qw', `net.ipv4.ip_forward=${ns.ipForward ? 1 : 0}`]);
    if (ns.kind === 'host' && options.rules) {
      for (const payload of options.rules(ns.node)) {
        b.requires.add(payload.argv[0] === 'nfacct' || payload.argv[0] === 'ipset' ? payload.argv[0] : 'iptables');
        b.add(P_RULES, ['ip', 'netns', 'exec', name, ...payload.argv], payload.text);
      }
    }
  }
  // The underlay fabric (the VPC) answers ARP for an address it delivers to a device that does not
  // configure it, an ENI's secondary IP held by a pod. A switch bridge answers nothing, so the
  // node holding the ENI answers in its place: a proxy neighbour entry for exactly that address
  // on exactly that device, answered with the device's MAC as the fabric would.
  if (dp.fabricOwnerOf) {
    for (const ns of spaces) {
      if (ns.kind !== 'pod') continue;
      for (const d of ns.devices) {
        for (const a of d.addresses) {
          const owner = a.scope === 'global' ? dp.fabricOwnerOf(a.address) : undefined;
          const ownerNs = owner && names.get(owner.netns);
          if (owner && ownerNs) b.add(P_NEIGH, ['ip', '-n', ownerNs, 'neigh', 'add', 'proxy', a.address, 'dev', owner.device]);
        }
      }
    }
  }
  if (dp.topology.cluster.kubeProxy.mode === 'ipvs') b.requires.add('ipvs');
  return { prefix, netnsNames: names, switches, namespaces, commands: b.ordered(), requires: [...b.requires], gaps: b.gaps };
}
