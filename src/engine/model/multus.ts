/**
 * Multus: NetworkAttachmentDefinitions (k8s.cni.cncf.io/v1) become secondary networks, and the
 * pods that ask for them with the `k8s.v1.cni.cncf.io/networks` annotation get net1, net2… with
 * addresses host-local style from the network's range, or, with static IPAM, the `ips` of the
 * pod's request (the plugin must declare `"capabilities": {"ips": true}`: libcni passes a
 * runtime value only to plugins that declare it) or else the IPAM's own `addresses`
 * (plugins/ipam/static/main.go, LoadIPAMConfig: runtimeConfig ips replace the configured ones).
 */

import { cidrContains, formatIPv4, lastAddress, parseCidr, parseIPv4 } from '../net/cidr';
import { derivedMac } from '../net/derivedNames';
import type { MacvlanMode, PodSecondaryInterface, SecondaryNetwork } from './types';
import { describeJsonError } from './jsonError';
import { readMeta } from './meta';
import { isRecord, type Reader } from './reader';
import type { PodDraft } from './pods';

export const NETWORKS_ANNOTATION = 'k8s.v1.cni.cncf.io/networks';
const types = ['macvlan', 'bridge', 'ipvlan'] as const;
const macvlanModes: readonly MacvlanMode[] = ['bridge', 'private', 'vepa', 'passthru'];

/** `a.b.c.d/len` as the static IPAM parses it (net.ParseCIDR, host bits kept), or undefined. */
function addressWithPrefix(text: unknown): { ip: number; prefix: number } | undefined {
  if (typeof text !== 'string') return undefined;
  const [ip, len] = text.split('/');
  const n = ip === undefined ? undefined : parseIPv4(ip);
  const prefix = Number(len);
  return n !== undefined && len !== undefined && /^\d+$/.test(len) && prefix <= 32 ? { ip: n, prefix } : undefined;
}

export function readNad(r: Reader): SecondaryNetwork | undefined {
  const meta = readMeta(r);
  if (!meta) return undefined;
  const path = ['spec', 'config'];
  const text = r.str(path, true);
  if (text === undefined) return undefined;
  let conf: unknown;
  try {
    conf = JSON.parse(text);
  } catch (e) {
    r.report('badNadConfig', path, `spec.config is not valid JSON (${describeJsonError(text, e)}); Multus would fail to attach the network, fix the JSON`);
    return undefined;
  }
  if (!isRecord(conf)) return undefined;
  const plugin = isRecord(conf.plugins) ? undefined : Array.isArray(conf.plugins) ? conf.plugins.find(isRecord) : conf;
  const type = plugin?.type;
  if (typeof type !== 'string' || !(types as readonly string[]).includes(type)) {
    r.report('badNadConfig', path, `the network's CNI type is ${JSON.stringify(type)}; the simulator models "macvlan", "bridge" and "ipvlan" secondary networks`);
    return undefined;
  }
  const modeText = plugin!.mode === undefined || plugin!.mode === '' ? 'bridge' : plugin!.mode;
  if (type === 'macvlan' && !(macvlanModes as readonly unknown[]).includes(modeText)) {
    r.report('badNadConfig', path, `macvlan mode ${JSON.stringify(modeText)} is unknown (the plugin fails with "unknown macvlan mode"); use "bridge", "private", "vepa" or "passthru"`);
    return undefined;
  }
  const mode = type === 'macvlan' ? { mode: modeText as MacvlanMode } : {};
  const ipsCapability = isRecord(plugin!.capabilities) && plugin!.capabilities.ips === true ? { ipsCapability: true } : {};
  const master = typeof plugin!.master === 'string' ? plugin!.master : typeof plugin!.bridge === 'string' ? plugin!.bridge : type === 'bridge' ? 'cni0' : 'eth0';
  const ipam = isRecord(plugin!.ipam) ? plugin!.ipam : {};
  if (ipam.type === 'static') {
    const listed = Array.isArray(ipam.addresses) ? ipam.addresses.map((a: unknown) => (isRecord(a) ? a.address : undefined)) : [];
    const staticAddresses = listed.filter((a): a is string => addressWithPrefix(a) !== undefined);
    return { source: r.doc.pos, name: meta.name, namespace: meta.namespace, type: type as SecondaryNetwork['type'], master, ...mode, ...ipsCapability, staticAddresses };
  }
  const range = Array.isArray(ipam.ranges) && Array.isArray(ipam.ranges[0]) && isRecord(ipam.ranges[0][0]) ? ipam.ranges[0][0] : ipam;
  const subnet = typeof range.subnet === 'string' ? range.subnet : typeof ipam.range === 'string' ? ipam.range : undefined;
  const parsed = subnet === undefined ? undefined : parseCidr(subnet);
  if (typeof parsed !== 'object') {
    r.report('badNadConfig', path, `the network's ipam has no usable IPv4 subnet (${JSON.stringify(subnet)}); add "ipam": {"type": "host-local", "subnet": "192.168.100.0/24"}`);
    return undefined;
  }
  const addr = (v: unknown): string | undefined => (typeof v === 'string' && parseIPv4(v) !== undefined ? v : undefined);
  const gateway = addr(range.gateway);
  const rangeStart = addr(range.rangeStart);
  return { source: r.doc.pos, name: meta.name, namespace: meta.namespace, type: type as SecondaryNetwork['type'], master, ...mode, ...ipsCapability, subnet: `${formatIPv4(parsed.base)}/${parsed.prefix}`, ...(gateway ? { gateway } : {}), ...(rangeStart ? { rangeStart } : {}) };
}

interface Request {
  readonly namespace: string;
  readonly name: string;
  /** The first of the request's `ips`, as written (`10.1.1.101/24`). */
  readonly ip?: string;
  /** The first IPv4 address of the request's `gateway`. */
  readonly gateway?: string;
  readonly iface?: string;
}

/** The networks a pod asks for: `a, ns/b@net5`, or the JSON list form. */
export function parseNetworksAnnotation(value: string, podNamespace: string): Request[] | undefined {
  const text = value.trim();
  if (text.startsWith('[')) {
    try {
      const list: unknown = JSON.parse(text);
      if (!Array.isArray(list)) return undefined;
      return list.filter(isRecord).map((e) => ({
        namespace: typeof e.namespace === 'string' ? e.namespace : podNamespace,
        name: String(e.name),
        ...(Array.isArray(e.ips) && typeof e.ips[0] === 'string' ? { ip: e.ips[0] } : {}),
        ...(Array.isArray(e.gateway) && e.gateway.some((g) => typeof g === 'string' && parseIPv4(g) !== undefined) ? { gateway: e.gateway.find((g) => typeof g === 'string' && parseIPv4(g) !== undefined) as string } : {}),
        ...(typeof e.interface === 'string' ? { iface: e.interface } : {}),
      }));
    } catch {
      return undefined;
    }
  }
  return text.split(',').map((s) => s.trim()).filter(Boolean).map((s) => {
    const [ref, iface] = s.split('@');
    const [ns, name] = ref!.includes('/') ? ref!.split('/') : [podNamespace, ref!];
    return { namespace: ns!, name: name!, ...(iface ? { iface } : {}) };
  });
}

/** Attaches each pod to the networks it names; pods in file order take addresses from rangeStart (or .2 after the gateway). */
export function attachNetworks(pods: readonly PodDraft[], networks: readonly SecondaryNetwork[]): Map<PodDraft, PodSecondaryInterface[]> {
  const next = new Map<SecondaryNetwork, number>();
  const out = new Map<PodDraft, PodSecondaryInterface[]>();
  for (const pod of pods) {
    const value = pod.annotations[NETWORKS_ANNOTATION];
    if (value === undefined) continue;
    const requests = parseNetworksAnnotation(value, pod.namespace);
    const path = [...pod.path, 'metadata', 'annotations', NETWORKS_ANNOTATION];
    if (!requests) {
      pod.reader.report('unknownNetwork', path, `the ${NETWORKS_ANNOTATION} annotation is neither a comma-separated list of network names nor a JSON list; write e.g. "macvlan-conf"`);
      continue;
    }
    const ifaces: PodSecondaryInterface[] = [];
    for (const req of requests) {
      const net = networks.find((n) => n.name === req.name && n.namespace === req.namespace);
      if (!net) {
        pod.reader.report('unknownNetwork', path, `pod ${pod.namespace}/${pod.name} asks for network ${req.namespace}/${req.name}, but no NetworkAttachmentDefinition has that name; add one or fix the name`);
        continue;
      }
      const name = req.iface ?? `net${ifaces.length + 1}`;
      const mac = derivedMac(`${pod.namespace}/${pod.name}/${name}`);
      const gateway = req.gateway ? { defaultGateway: req.gateway } : {};
      if (net.subnet === undefined) {
        const chosen = addressWithPrefix(net.ipsCapability ? req.ip : undefined) ?? addressWithPrefix(net.staticAddresses?.[0]);
        if (!chosen) {
          const hint = net.ipsCapability ? `add "ips": ["10.1.1.101/24"] to the pod's request` : `add "addresses" to the ipam, or declare "capabilities": {"ips": true} and give the request "ips"`;
          pod.reader.report('badNadConfig', path, `network ${net.namespace}/${net.name} uses static IPAM, which has no address for pod ${pod.namespace}/${pod.name}; ${hint}`);
          continue;
        }
        ifaces.push({ name, network: `${net.namespace}/${net.name}`, address: formatIPv4(chosen.ip), prefixLength: chosen.prefix, mac, ...gateway });
        continue;
      }
      const subnet = parseCidr(net.subnet) as { base: number; prefix: number };
      let ip = req.ip === undefined ? undefined : parseIPv4(req.ip.split('/')[0]!);
      if (ip === undefined) {
        const first = net.rangeStart ? parseIPv4(net.rangeStart)! : subnet.base + 2;
        const n = next.get(net) ?? first;
        ip = n;
        next.set(net, n + 1);
      }
      if (!cidrContains(subnet, ip) || ip >= lastAddress(subnet)) continue;
      ifaces.push({ name, network: `${net.namespace}/${net.name}`, address: formatIPv4(ip), mac, ...gateway });
    }
    out.set(pod, ifaces);
  }
  return out;
}
