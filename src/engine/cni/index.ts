/**
 * The CNI registry: which builder derives a node's and a pod's state for each plugin. A plugin
 * without a builder yet leaves nodes with only their underlay NIC and pods unplugged.
 */

import type { CniBuilder } from '../dataplane/types';
import type { CniPlugin, Topology } from '../model/types';
import { calicoBuilder } from './calico/builder';
import { flannelBuilder } from './flannel/builder';
import { weaveBuilder } from './weave/builder';
import { canalBuilder } from './canal/builder';
import { kubenetBuilder } from './kubenet/builder';
import { awsVpcBuilder } from './awsvpc/builder';
import { withMultus } from './multus';

export const cniBuilders: Partial<Record<CniPlugin, CniBuilder>> = {
  flannel: flannelBuilder((t: Topology) => {
    if (t.cluster.cni.plugin !== 'flannel') throw new Error('flannel builder used for another plugin');
    return t.cluster.cni;
  }),
  calico: calicoBuilder,
  weave: weaveBuilder,
  canal: canalBuilder,
  kubenet: kubenetBuilder,
  'aws-vpc': awsVpcBuilder,
};

const withSecondaryNetworks = new WeakMap<CniBuilder, CniBuilder>();

/** The plugin's builder; with Multus networks defined, wrapped so pods also get their net1, net2… */
export function cniBuilderFor(topology: Topology): CniBuilder | undefined {
  const base = cniBuilders[topology.cluster.cni.plugin];
  if (!base || topology.cluster.networks.length === 0) return base;
  let wrapped = withSecondaryNetworks.get(base);
  if (!wrapped) {
    wrapped = withMultus(base);
    withSecondaryNetworks.set(base, wrapped);
  }
  return wrapped;
}
