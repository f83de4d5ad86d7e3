/** `ip addr` as iproute2 prints it, link-local IPv6 from each MAC's EUI-64 included. */

import type { Dataplane, Device, NetNamespace, NetnsId } from '../dataplane/types';
import { sha1Hex } from '../net/sha1';
import { linkFlags, linkName, operState } from './links';

/** fe80::… the kernel derives from a MAC (addrgenmode eui64). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const groups = [((b[0]! ^ 2) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${groups.map((g) => g.toString(16)).join(':')}`;
}

/**
 * The name `ip netns` knows a namespace by. Pods' are containerd's `cni-<uuid>` (a stable one per
 * pod here); a node's host namespace is the root one, which has no name.
 */
export function defaultNetnsName(id: NetnsId): string | undefined {
  if (!id.startsWith('pod/')) return undefined;
  const h = sha1Hex(id);
  return `cni-${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20, 32)}`;
}

/**
 * After a veth's MAC, iproute2 names the namespace its peer lives in when that is not this one:
 * `link-netns NAME` for a named namespace, `link-netnsid N` otherwise (a pod sees the root
 * namespace as id 0).
 */
function peerNetns(ns: NetNamespace, d: Device, netnsName: (id: NetnsId) => string | undefined): string {
  if (d.kind !== 'veth' || d.peerNetns === ns.id) return '';
  const name = netnsName(d.peerNetns);
  return name ? ` link-netns ${name}` : ' link-netnsid 0';
}

function linkLine(ns: NetNamespace, d: Device, netnsName: (id: NetnsId) => string | undefined): string {
  if (d.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  if (d.kind === 'tun') return '    link/none ';
  if (d.kind === 'ipip') return '    link/ipip 0.0.0.0 brd 0.0.0.0';
  return `    link/ether ${d.mac ?? '00:00:00:00:00:00'} brd ff:ff:ff:ff:ff:ff${peerNetns(ns, d, netnsName)}`;
}

/** `ip addr`; `netnsName` names peer namespaces as this host's `ip netns` would (containerd's by default). */
export function renderAddrs(ns: NetNamespace, dp?: Dataplane, netnsName: (id: NetnsId) => string | undefined = defaultNetnsName): string {
  const out: string[] = [];
  for (const d of ns.devices) {
    const master = d.master ? ` master ${d.master}` : '';
    // A device never brought up has no qdisc attached yet: `noop` (the model's down devices, kube-ipvs0, never were up).
    const qdisc = !d.up ? 'noop' : d.kind === 'tun' || d.kind === 'physical' ? 'fq_codel' : 'noqueue';
    const qlen = d.kind === 'veth' || d.kind === 'physical' || d.kind === 'loopback' || d.kind === 'vxlan' || d.kind === 'bridge' || d.kind === 'dummy' ? ' qlen 1000' : ' qlen 500';
    out.push(`${d.index}: ${linkName(dp, d)}: ${linkFlags(d)} mtu ${d.mtu} qdisc ${qdisc}${master} state ${operState(d)} group default${qlen}`);
    out.push(linkLine(ns, d, netnsName));
    for (const a of d.addresses) {
      const brd = a.broadcast ? ` brd ${a.broadcast}` : '';
      out.push(`    inet ${a.address}/${a.prefixLength}${brd} scope ${a.scope} ${d.kind === 'loopback' ? 'lo' : d.name}`);
      out.push('       valid_lft forever preferred_lft forever');
    }
    if (d.up && !d.noCarrier && d.kind !== 'tun' && d.kind !== 'ipip') {
      out.push(d.kind === 'loopback' ? '    inet6 ::1/128 scope host ' : `    inet6 ${eui64LinkLocal(d.mac ?? '00:00:00:00:00:00')}/64 scope link `);
      out.push('       valid_lft forever preferred_lft forever');
    }
  }
  return out.map((l) => `${l}\n`).join('');
}
