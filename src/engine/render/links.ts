/** `ip -br link` as iproute2 prints it. */

import type { Device, NetNamespace } from '../dataplane/types';
import type { Dataplane } from '../dataplane/types';

/** Interface flags in the order iproute2 prints them. */
export function linkFlags(d: Device): string {
  const flags: string[] = [];
  if (d.kind === 'loopback') flags.push('LOOPBACK');
  else if (d.kind === 'tun') flags.push('POINTOPOINT', 'MULTICAST', 'NOARP');
  else if (d.kind === 'ipip') flags.push('NOARP');
  // dummy_setup sets IFF_NOARP and clears IFF_MULTICAST.
  else if (d.kind === 'dummy') flags.push('BROADCAST', 'NOARP');
  else flags.push('BROADCAST', 'MULTICAST');
  // Only promiscuity asked for by hand shows (IFF_PROMISC in gflags); a bridge's ports, which the
  // bridge itself makes promiscuous, and a tcpdump capture never do (seen on the kernel).
  if (d.kind === 'bridge' && d.promisc) flags.push('PROMISC');
  if (d.noCarrier) flags.unshift('NO-CARRIER');
  if (d.up) flags.push('UP');
  if (d.up && !d.noCarrier) flags.push('LOWER_UP');
  return `<${flags.join(',')}>`;
}

/** operstate: devices without carrier detection (lo, vxlan, tun, ipip) report UNKNOWN. */
export function operState(d: Device): string {
  if (!d.up || d.noCarrier) return 'DOWN';
  return d.kind === 'loopback' || d.kind === 'vxlan' || d.kind === 'tun' || d.kind === 'ipip' || d.kind === 'dummy' ? 'UNKNOWN' : 'UP';
}

/** `eth0@if7`: a veth names its peer's ifindex, a macvlan its parent's. */
export function linkName(dp: Dataplane | undefined, d: Device): string {
  if (d.kind === 'veth') {
    const peer = dp?.namespace(d.peerNetns)?.devices.find((x) => x.name === d.peerDevice);
    return peer ? `${d.name}@if${peer.index}` : d.name;
  }
  if (d.kind === 'macvlan') {
    const parent = dp?.namespace(d.masterNetns)?.devices.find((x) => x.name === d.masterDevice);
    return parent ? `${d.name}@if${parent.index}` : d.name;
  }
  if (d.kind === 'vxlan' || d.kind === 'ipip') return d.name;
  return d.name;
}

export function renderLinks(ns: NetNamespace, dp?: Dataplane): string {
  return ns.devices
    .map((d) => `${linkName(dp, d).padEnd(16)} ${operState(d).padEnd(14)} ${d.mac !== undefined ? `${d.mac} ` : ''}${linkFlags(d)} \n`)
    .join('');
}
