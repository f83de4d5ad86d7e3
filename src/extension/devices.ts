import type { CniConfig } from '../engine/model/types';
import { assertNever } from '../engine/trace/types';

/**
 * The host devices each CNI creates on a node, as the plugins name them: the graph draws them and
 * trace hops are placed on them by name.
 */
export interface NodeDevices {
  /** The bridge pods' veths are enslaved to, when the CNI uses one. */
  readonly bridge?: string;
  /** The tunnel device that encapsulates cross-node traffic, when the CNI uses one. */
  readonly tunnel?: string;
}

export function cniDevices(cni: CniConfig): NodeDevices {
  switch (cni.plugin) {
    case 'flannel':
      return flannelDevices(cni.backend);
    case 'canal':
      return flannelDevices(cni.flannel.backend);
    case 'calico':
      // Calico routes each pod's cali* veth; tunl0 carries IPIP, vxlan.calico VXLAN.
      if (cni.vxlanMode !== 'Never') return { tunnel: 'vxlan.calico' };
      if (cni.ipipMode !== 'Never') return { tunnel: 'tunl0' };
      return {};
    case 'weave':
      return cni.mode === 'fastdp' ? { bridge: 'weave', tunnel: 'vxlan-6784' } : { bridge: 'weave' };
    case 'kubenet':
      return { bridge: 'cbr0' };
    case 'aws-vpc':
      return {};
    default:
      return assertNever(cni);
  }
}

function flannelDevices(backend: 'vxlan' | 'host-gw' | 'udp'): NodeDevices {
  switch (backend) {
    case 'vxlan':
      return { bridge: 'cni0', tunnel: 'flannel.1' };
    case 'udp':
      return { bridge: 'cni0', tunnel: 'flannel0' };
    case 'host-gw':
      return { bridge: 'cni0' };
    default:
      return assertNever(backend);
  }
}

/** The underlay segment a node or external sits on, as a network address: nodes in one prefix share L2. */
export function segmentOf(address: string, prefixLength: number): string {
  const octets = address.split('.').map(Number);
  if (octets.length !== 4 || octets.some((o) => !Number.isInteger(o))) return address;
  const value = ((octets[0] << 24) | (octets[1] << 16) | (octets[2] << 8) | octets[3]) >>> 0;
  const mask = prefixLength === 0 ? 0 : (0xffffffff << (32 - prefixLength)) >>> 0;
  const net = (value & mask) >>> 0;
  return `${net >>> 24}.${(net >>> 16) & 255}.${(net >>> 8) & 255}.${net & 255}/${prefixLength}`;
}

