/**
 * The CNI registry: one descriptor per plugin, each from the plugin's folder. Adding a CNI is adding
 * its folder and one line here; the compiler refuses a plugin of the topology format without one.
 */

import type { CniBuilder } from '../dataplane/types';
import type { CniConfig, CniPlugin, NodeInfo, Topology } from '../model/types';
import type { CniDescriptor, CniDevices, CniNat } from './descriptor';
import { awsVpcCni } from './awsvpc/index';
import { calicoCni } from './calico/index';
import { canalCni } from './canal/index';
import { flannelCni } from './flannel/index';
import { kubenetCni } from './kubenet/index';
import { weaveCni } from './weave/index';
import { withMultus } from './multus';

export const cniRegistry: Record<CniPlugin, CniDescriptor> = {
  flannel: flannelCni,
  calico: calicoCni,
  weave: weaveCni,
  canal: canalCni,
  kubenet: kubenetCni,
  'aws-vpc': awsVpcCni,
};

// Keyed by the registry's builders (one per plugin, for the process's life): the wrapper holds no topology.
const withSecondaryNetworks = new WeakMap<CniBuilder, CniBuilder>();

/** The plugin's builder; with Multus networks defined, wrapped so pods also get their net1, net2… */
export function cniBuilderFor(topology: Topology): CniBuilder {
  const base = cniRegistry[topology.cluster.cni.plugin].builder;
  if (topology.cluster.networks.length === 0) return base;
  let wrapped = withSecondaryNetworks.get(base);
  if (!wrapped) {
    wrapped = withMultus(base);
    withSecondaryNetworks.set(base, wrapped);
  }
  return wrapped;
}

/** The CNI's own rules on `node`, for the plugin the topology uses (with Felix's NetworkPolicy rules where Felix runs). */
export function cniNat(topology: Topology, node: NodeInfo): CniNat {
  return cniRegistry[topology.cluster.cni.plugin].rules(topology, node);
}

/** Whether the plugin enforces NetworkPolicy; where it does not, a policy's verdict is only reported. */
export function cniEnforcesPolicy(plugin: CniPlugin): boolean {
  return cniRegistry[plugin].policy.networkPolicy;
}

/** The bridge and tunnel devices the topology's CNI creates on each node. */
export function cniDevices(cni: CniConfig): CniDevices {
  return cniRegistry[cni.plugin].devices(cni);
}
