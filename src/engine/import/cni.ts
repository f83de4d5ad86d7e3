/**
 * Which CNI a cluster runs, and with which settings, from what its agents leave in the API: the
 * CNI's DaemonSet (or its pods, where a dump has no DaemonSets), the ConfigMap or environment the
 * agent reads, Calico's IPPools and the operator's Installation. A CNI the simulator does not
 * model is stood in for by the one whose wire it matches, and says so. Each setting means what the
 * loader takes it to mean in a stream: both read its parsing and default from model/cniSettings.ts.
 * The importer writes the values into the Cluster document, each with where it was found.
 */

import { calicoBackends } from '../model/clusterFields';
import {
  AWS_EXTERNAL_SNAT_DEFAULT,
  CALICO_BACKEND_KEY,
  CALICO_DEFAULT_BACKEND,
  CALICO_ENV_MODE_DEFAULT,
  CALICO_ENV_NAT_DEFAULT,
  calicoEnvBool,
  calicoEnvMode,
  CNI_AGENTS,
  FLANNEL_CONFIGMAPS,
  FLANNEL_MANIFEST_BACKEND,
  goBool,
  IPPOOL_DEFAULTS,
  OPERATOR_DEFAULT_ENCAPSULATION,
  OPERATOR_ENCAPSULATIONS,
  operatorNatOutgoing,
  parseNetConf,
  WEAVE_IPALLOC_RANGE,
  weaveNoFastdp,
} from '../model/cniSettings';
import type { KubeObject } from './objects';
import { containersOf, envOf, flagOf, get, nameOf, namespaceOf, refOf, str, type Container, type Found } from './evidence';

export interface InferredCni {
  /** plugin first, then the plugin's fields in the order the Cluster document lists them. */
  readonly fields: readonly (readonly [string, Found<unknown>])[];
  /** The pod network the CNI's own configuration declares. */
  readonly network?: Found<string>;
  /** What a reader must know: a CNI stood in for, a setting not in the dump. */
  readonly notes: readonly string[];
}

interface Agent {
  readonly plugin: string;
  readonly o: KubeObject;
  readonly c: Container;
}

const has = (o: KubeObject, test: (c: Container) => boolean): Container | undefined => containersOf(o).find(test);
const isCalicoNode = (c: Container): boolean => c.name === CNI_AGENTS.calico.container || /calico\/node[:@]/.test(c.image);
const isFlanneld = (c: Container): boolean => c.name === CNI_AGENTS.flannel.container || (/flannel/.test(c.image) && !/cni-plugin/.test(c.image) && c.argv.some((a) => a.includes('flanneld')));
const isWeave = (c: Container): boolean => c.name === CNI_AGENTS.weave.container || /weave-kube/.test(c.image);
const isAwsNode = (c: Container): boolean => c.name === CNI_AGENTS['aws-vpc'].container || /amazon-k8s-cni(?!-init)/.test(c.image);

/** CNIs the simulator does not model, and the one standing in for each: the same packets on the wire. */
const standIns: readonly { readonly test: (c: Container) => boolean; readonly name: string; readonly plugin: string; readonly backend: string; readonly why: string }[] = [
  { test: (c) => c.name === 'cilium-agent' || /cilium\/cilium[:@]/.test(c.image), name: 'Cilium', plugin: 'flannel', backend: 'vxlan', why: "Cilium's default routing mode tunnels pod traffic in VXLAN on UDP 8472, as flannel's vxlan backend does" },
  { test: (c) => c.name === 'kindnet-cni' || /kindnetd/.test(c.image), name: 'kindnet', plugin: 'flannel', backend: 'host-gw', why: "kindnet routes each node's podCIDR via that node's address, as flannel's host-gw backend does" },
  { test: (c) => c.name === 'kube-router' || /kube-router/.test(c.image), name: 'kube-router', plugin: 'flannel', backend: 'host-gw', why: "kube-router routes each node's podCIDR via that node's address on a shared subnet, as flannel's host-gw backend does" },
  { test: (c) => c.name === 'antrea-agent' || /antrea-agent/.test(c.image), name: 'Antrea', plugin: 'flannel', backend: 'vxlan', why: "Antrea tunnels pod traffic between nodes (Geneve by default); flannel's vxlan backend is the nearest tunnel simulated" },
];

/** The workloads that may be a CNI agent: DaemonSets, else pods (a dump of pods alone). */
function candidates(objects: readonly KubeObject[]): KubeObject[] {
  const sets = objects.filter((o) => o.kind === 'DaemonSet');
  return sets.length > 0 ? sets : objects.filter((o) => o.kind === 'Pod');
}

function findAgent(objects: readonly KubeObject[]): Agent | undefined {
  for (const o of candidates(objects)) {
    const calico = has(o, isCalicoNode);
    const flannel = has(o, isFlanneld);
    // Canal runs calico-node and flanneld in one pod (Calico's canal.yaml, DaemonSet "canal").
    if (calico && flannel) return { plugin: 'canal', o, c: flannel };
    if (calico) return { plugin: 'calico', o, c: calico };
    if (flannel) return { plugin: 'flannel', o, c: flannel };
    const weave = has(o, isWeave);
    if (weave) return { plugin: 'weave', o, c: weave };
    const aws = has(o, isAwsNode);
    if (aws) return { plugin: 'aws-vpc', o, c: aws };
  }
  return undefined;
}

function agentFrom(a: Agent): string {
  return `${refOf(a.o)}, container ${a.c.name}`;
}

/** flannel's net-conf.json, from the ConfigMap the agent mounts (kube-flannel-cfg, canal-config). */
function netConf(objects: readonly KubeObject[], a: Agent): { conf: Record<string, unknown>; from: string } | undefined {
  const cms = objects.filter((o) => o.kind === 'ConfigMap' && FLANNEL_CONFIGMAPS.includes(nameOf(o)));
  const cm = cms.find((o) => namespaceOf(o) === namespaceOf(a.o)) ?? cms[0];
  const text = str(get(cm, 'data', 'net-conf.json'));
  const conf = text === undefined ? undefined : parseNetConf(text).conf;
  return cm && conf ? { conf, from: `${refOf(cm)}, net-conf.json` } : undefined;
}

function flannelFields(objects: readonly KubeObject[], a: Agent, fields: [string, Found<unknown>][], notes: string[]): Found<string> | undefined {
  const net = netConf(objects, a);
  const type = str(get(net?.conf, 'Backend', 'Type'));
  if (type !== undefined) fields.push(['backend', { value: type, from: `${net!.from} Backend.Type` }]);
  else {
    fields.push(['backend', { value: FLANNEL_MANIFEST_BACKEND, from: net ? `${net.from} names no Backend.Type; vxlan as in flannel's install manifest` : "not in the dump (no net-conf.json); vxlan, the backend of flannel's install manifest" }]);
    if (!net) notes.push(`flannel's net-conf.json is not in the input, so its backend is taken to be vxlan; add the ConfigMap ${a.plugin === 'canal' ? CNI_AGENTS.canal.configMap : CNI_AGENTS.flannel.configMap} to the input or set spec.cni.backend`);
  }
  for (const [key, field] of [['VNI', 'vni'], ['Port', 'port'], ['DirectRouting', 'directRouting']] as const) {
    const v = get(net?.conf, 'Backend', key);
    if (v !== undefined) fields.push([field, { value: v, from: `${net!.from} Backend.${key}` }]);
  }
  // flanneld masquerades only when started with --ip-masq (flannel's main.go: ipMasq defaults to false).
  const masq = flagOf(a.c, 'ip-masq');
  fields.push(['ipMasq', { value: masq !== undefined && masq !== 'false', from: masq !== undefined ? `${agentFrom(a)} flag --ip-masq` : `${agentFrom(a)} has no --ip-masq flag (flanneld's default is off)` }]);
  const network = str(net?.conf.Network);
  return network ? { value: network, from: `${net!.from} Network` } : undefined;
}

function calicoFields(objects: readonly KubeObject[], a: Agent, fields: [string, Found<unknown>][]): Found<string> | undefined {
  const configMaps = objects.filter((o) => o.kind === 'ConfigMap');
  const env = (name: string): Found<string> | undefined => envOf(a.o, a.c, name, configMaps);
  // calico-node reads CALICO_NETWORKING_BACKEND, which Calico's manifest takes from calico-config's calico_backend.
  const calicoConfig = configMaps.find((o) => nameOf(o) === CNI_AGENTS.calico.configMap);
  const configured = calicoConfig ? str(get(calicoConfig, 'data', CALICO_BACKEND_KEY)) : undefined;
  const backend = env('CALICO_NETWORKING_BACKEND') ?? (configured !== undefined ? { value: configured, from: `${refOf(calicoConfig!)}, data.${CALICO_BACKEND_KEY}` } : undefined);
  fields.push(['backend', backend && (calicoBackends as readonly string[]).includes(backend.value) ? backend : { value: CALICO_DEFAULT_BACKEND, from: `${agentFrom(a)} sets no CALICO_NETWORKING_BACKEND (calico-node runs BIRD)` }]);
  const pool = objects.find((o) => o.kind === 'IPPool' && str(get(o, 'spec', 'cidr'))?.includes('.') && get(o, 'spec', 'disabled') !== true);
  const installation = objects.find((o) => o.kind === 'Installation');
  const opPool = (get(installation, 'spec', 'calicoNetwork', 'ipPools') as unknown[] | undefined)?.find((p) => str(get(p, 'cidr'))?.includes('.'));
  if (pool) {
    // Fields an IPPool leaves out take the API's defaults (projectcalico.org/v3 IPPoolSpec): no encapsulation, no NAT.
    const at = (k: string): string => `${refOf(pool)}, spec.${k}`;
    const mode = (v: unknown) => (typeof v === 'string' ? calicoEnvMode(v) : undefined);
    const nat = get(pool, 'spec', 'natOutgoing');
    fields.push(['ipipMode', { value: mode(get(pool, 'spec', 'ipipMode')) ?? IPPOOL_DEFAULTS.ipipMode, from: get(pool, 'spec', 'ipipMode') === undefined ? `${refOf(pool)} sets no ipipMode (the IPPool API's default is Never)` : at('ipipMode') }]);
    fields.push(['vxlanMode', { value: mode(get(pool, 'spec', 'vxlanMode')) ?? IPPOOL_DEFAULTS.vxlanMode, from: get(pool, 'spec', 'vxlanMode') === undefined ? `${refOf(pool)} sets no vxlanMode (the IPPool API's default is Never)` : at('vxlanMode') }]);
    fields.push(['natOutgoing', { value: typeof nat === 'boolean' ? nat : IPPOOL_DEFAULTS.natOutgoing, from: nat === undefined ? `${refOf(pool)} sets no natOutgoing (the IPPool API's default is false)` : at('natOutgoing') }]);
    const block = get(pool, 'spec', 'blockSize');
    if (typeof block === 'number') fields.push(['blockSize', { value: block, from: at('blockSize') }]);
    return { value: str(get(pool, 'spec', 'cidr'))!, from: at('cidr') };
  }
  if (opPool !== undefined) {
    const where = `${refOf(installation!)}, spec.calicoNetwork.ipPools`;
    const encap = str(get(opPool, 'encapsulation')) ?? OPERATOR_DEFAULT_ENCAPSULATION;
    const modes = OPERATOR_ENCAPSULATIONS[encap] ?? OPERATOR_ENCAPSULATIONS[OPERATOR_DEFAULT_ENCAPSULATION]!;
    fields.push(['ipipMode', { value: modes.ipip, from: `${where} encapsulation ${encap}` }]);
    fields.push(['vxlanMode', { value: modes.vxlan, from: `${where} encapsulation ${encap}` }]);
    fields.push(['natOutgoing', { value: operatorNatOutgoing(str(get(opPool, 'natOutgoing'))), from: `${where} natOutgoing ${str(get(opPool, 'natOutgoing')) ?? '(the operator enables it by default)'}` }]);
    const block = get(opPool, 'blockSize');
    if (typeof block === 'number') fields.push(['blockSize', { value: block, from: `${where} blockSize` }]);
    return { value: str(get(opPool, 'cidr'))!, from: `${where} cidr` };
  }
  // No pool in the dump: calico-node creates the default pool from its environment.
  for (const [key, name] of [['ipipMode', 'CALICO_IPV4POOL_IPIP'], ['vxlanMode', 'CALICO_IPV4POOL_VXLAN']] as const) {
    const e = env(name);
    fields.push([key, e ? { value: calicoEnvMode(e.value) ?? CALICO_ENV_MODE_DEFAULT, from: e.from } : { value: CALICO_ENV_MODE_DEFAULT, from: `${agentFrom(a)} sets no ${name} (calico-node then creates its pool with Never)` }]);
  }
  const nat = env('CALICO_IPV4POOL_NAT_OUTGOING');
  fields.push(['natOutgoing', nat ? { value: calicoEnvBool(nat.value), from: nat.from } : { value: CALICO_ENV_NAT_DEFAULT, from: `${agentFrom(a)} sets no CALICO_IPV4POOL_NAT_OUTGOING (calico-node's default pool masquerades)` }]);
  const block = env('CALICO_IPV4POOL_BLOCK_SIZE');
  if (block && /^\d+$/.test(block.value)) fields.push(['blockSize', { value: Number(block.value), from: block.from }]);
  return env('CALICO_IPV4POOL_CIDR');
}

/** The CNI of the cluster the objects describe; `routedByCloud` says a cloud route controller programs pod routes. */
export function inferCni(objects: readonly KubeObject[], routedByCloud: Found<boolean> | undefined): InferredCni {
  const fields: [string, Found<unknown>][] = [];
  const notes: string[] = [];
  const agent = findAgent(objects);
  if (agent) {
    fields.push(['plugin', { value: agent.plugin, from: agentFrom(agent) }]);
    const configMaps = objects.filter((o) => o.kind === 'ConfigMap');
    let network: Found<string> | undefined;
    switch (agent.plugin) {
      case 'flannel':
      case 'canal':
        network = flannelFields(objects, agent, fields, notes);
        break;
      case 'calico':
        network = calicoFields(objects, agent, fields);
        break;
      case 'weave': {
        const noFastdp = envOf(agent.o, agent.c, 'WEAVE_NO_FASTDP', configMaps);
        fields.push(['mode', noFastdp && weaveNoFastdp(noFastdp.value) ? { value: 'sleeve', from: noFastdp.from } : { value: 'fastdp', from: `${agentFrom(agent)} sets no WEAVE_NO_FASTDP (weave uses fast datapath)` }]);
        network = envOf(agent.o, agent.c, 'IPALLOC_RANGE', configMaps) ?? { value: WEAVE_IPALLOC_RANGE, from: `${agentFrom(agent)} sets no IPALLOC_RANGE; weave's default range` };
        break;
      }
      case 'aws-vpc': {
        const snat = envOf(agent.o, agent.c, 'AWS_VPC_K8S_CNI_EXTERNALSNAT', configMaps);
        const parsed = snat ? goBool(snat.value) : undefined;
        fields.push(['externalSnat', snat && parsed !== undefined ? { value: parsed, from: snat.from } : { value: AWS_EXTERNAL_SNAT_DEFAULT, from: `${agentFrom(agent)} sets no AWS_VPC_K8S_CNI_EXTERNALSNAT that parses (the plugin's default is false)` }]);
        break;
      }
    }
    return { fields, ...(network ? { network } : {}), notes };
  }
  for (const o of candidates(objects)) {
    for (const s of standIns) {
      const c = has(o, s.test);
      if (!c) continue;
      fields.push(['plugin', { value: s.plugin, from: `${s.name} (${refOf(o)}, container ${c.name}) is not simulated; ${s.why}` }]);
      fields.push(['backend', { value: s.backend, from: `stands in for ${s.name}` }]);
      notes.push(`${s.name} runs this cluster's pod network and is not simulated; flannel ${s.backend} stands in for it (${s.why})`);
      return { fields, notes };
    }
  }
  if (routedByCloud) {
    fields.push(['plugin', { value: 'kubenet', from: `no CNI agent in the input; ${routedByCloud.from}: the cloud routes each node's podCIDR, as with kubenet` }]);
    return { fields, notes };
  }
  fields.push(['plugin', { value: 'kubenet', from: 'no CNI agent in the input; kubenet (a bridge on each node\'s podCIDR) stands in, set the real CNI here' }]);
  notes.push('no CNI agent (DaemonSet) is in the input, so kubenet stands in for the pod network; set spec.cni to the cluster\'s CNI');
  return { fields, notes };
}
