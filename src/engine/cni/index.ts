/**
 * The CNI registry: which builder derives a node's and a pod's state for each plugin. A plugin
 * without a builder yet leaves nodes with only their underlay NIC and pods unplugged.
 */

import type { CniBuilder } from '../dataplane/types';
import type { CniPlugin, Topology } from '../model/types';
import { flannelBuilder } from './flannel';
import { weaveBuilder } from './weave';
import { canalBuilder } from './canal';
import { kubenetBuilder } from './kubenet';
import { awsVpcBuilder } from './awsvpc';

export const cniBuilders: Partial<Record<CniPlugin, CniBuilder>> = {
  flannel: flannelBuilder((t: Topology) => {
    if (t.cluster.cni.plugin !== 'flannel') throw new Error('flannel builder used for another plugin');
    return t.cluster.cni;
  }),
  weave: weaveBuilder,
  canal: canalBuilder,
  kubenet: kubenetBuilder,
  'aws-vpc': awsVpcBuilder,
};

export function cniBuilderFor(topology: Topology): CniBuilder | undefined {
  return cniBuilders[topology.cluster.cni.plugin];
}
