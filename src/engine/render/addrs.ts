/** `ip addr` as iproute2 prints it, link-local IPv6 from each MAC's EUI-64 included. */

import type { Dataplane, Device, NetNamespace } from '../dataplane/types';
import { linkFlags, linkName, operState } from './links';

/** fe80::… the kernel derives from a MAC (addrgenmode eui64). */
export function eui64LinkLocal(mac: string): string {
  const b = mac.split(':').map((x) => parseInt(x, 16));
  const groups = [((b[0]! ^ 2) << 8) | b[1]!, (b[2]! << 8) | 0xff, 0xfe00 | b[3]!, (b[4]! << 8) | b[5]!];
  return `fe80::${groups.map((g) => g.toString(16)).join(':')}`;
}

function linkLine(d: Device): string {
  if (d.kind === 'loopback') return '    link/loopback 00:00:00:00:00:00 brd 00:00:00:00:00:00';
  if (d.kind === 'tun') return '    link/none ';
  if (d.kind === 'ipip') return '    link/ipip 0.0.0.0 brd 0.0.0.0';
  return `    link/ether ${d.mac ?? '00:00:00:00:00:00'} brd ff:ff:ff:ff:ff:ff`;
}

export function renderAddrs(ns: NetNamespace, dp?: Dataplane): string {
  const out: string[] = [];
  for (const d of ns.devices) {
    const master = d.master ? ` master ${d.master}` : '';
    const qdisc = d.kind === 'tun' || d.kind === 'physical' ? 'fq_codel' : 'noqueue';
    const qlen = d.kind === 'veth' || d.kind === 'physical' || d.kind === 'loopback' || d.kind === 'vxlan' || d.kind === 'bridge' || d.kind === 'dummy' ? ' qlen 1000' : ' qlen 500';
    out.push(`${d.index}: ${linkName(dp, d)}: ${linkFlags(d)} mtu ${d.mtu} qdisc ${qdisc}${master} state ${operState(d)} group default${qlen}`);
    out.push(linkLine(d));
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
