/** Readers for the value types topologies are made of: addresses, CIDRs, ports, protocols. */

import { formatCidr, isIPv6, networkOf, parseCidr, parseIPv4, type Cidr } from '../net/cidr';
import type { Protocol } from './types';
import type { Path } from './path';
import type { Reader } from './reader';

/** A canonical dotted quad, or undefined after reporting why the value is not one. */
export function readAddress(r: Reader, path: Path, required = false): string | undefined {
  const text = r.scalarText(path, required);
  if (text === undefined) return undefined;
  if (parseIPv4(text) !== undefined) return text;
  r.report('badAddress', path, isIPv6(text)
    ? `${r.name(path)} is the IPv6 address "${text}"; the simulator models IPv4 only, use an IPv4 address`
    : `${r.name(path)} is "${text}", not an IPv4 address; write four numbers from 0 to 255 such as 10.42.1.5`);
  return undefined;
}

/**
 * A CIDR. Host bits set are an error for the CIDRs Kubernetes itself checks strictly (cluster,
 * service and pod CIDRs); `hostBits: 'keep'` accepts an interface address such as 172.17.0.1/16
 * as written, and `hostBits: 'network'` reads it as its network, as the API server does for
 * NetworkPolicy ipBlocks and loadBalancerSourceRanges. `trim` drops surrounding spaces first, as
 * kube-proxy does for loadBalancerSourceRanges.
 */
export function readCidr(r: Reader, path: Path, opts: { hostBits?: 'keep' | 'network'; trim?: boolean } = {}): { cidr: Cidr; text: string } | undefined {
  const raw = r.str(path, true);
  if (raw === undefined) return undefined;
  const text = opts.trim ? raw.trim() : raw;
  const c = parseCidr(text);
  if (typeof c === 'object') return { cidr: c, text: formatCidr(c) };
  if (c === 'host-bits') {
    const network = parseCidr(networkOf(text)!) as Cidr;
    if (opts.hostBits === 'keep') {
      const [ip, len] = text.split('/');
      return { cidr: network, text: `${ip}/${Number(len)}` };
    }
    if (opts.hostBits === 'network') return { cidr: network, text: formatCidr(network) };
    r.report('badCidr', path, `${r.name(path)} is "${text}", which has host bits set; write the network, ${networkOf(text)}`);
    return undefined;
  }
  const why = c === 'ipv6' ? 'an IPv6 CIDR; the simulator models IPv4 only' : c === 'prefix' ? 'a CIDR with a bad prefix length (0 to 32)' : 'not a CIDR';
  r.report('badCidr', path, `${r.name(path)} is "${text}", ${why}; write an IPv4 network such as 10.42.0.0/16`);
  return undefined;
}

export function readPort(r: Reader, path: Path, required = false): number | undefined {
  return r.int(path, 1, 65535, required, 'badPort');
}

export const protocols: readonly Protocol[] = ['TCP', 'UDP', 'SCTP'];

export function readProtocol(r: Reader, path: Path): Protocol {
  const v = r.get(path);
  if (v === undefined || v === null) return 'TCP';
  if (typeof v === 'string' && (protocols as readonly string[]).includes(v)) return v as Protocol;
  const upper = typeof v === 'string' ? v.toUpperCase() : '';
  r.report('badProtocol', path, `${r.name(path)} is ${JSON.stringify(v)}; Kubernetes protocols are "TCP", "UDP" or "SCTP" (upper case)${(protocols as readonly string[]).includes(upper) ? `: write "${upper}"` : ''}`);
  return 'TCP';
}
