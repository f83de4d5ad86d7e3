/**
 * Real cluster dumps from public repositories (verbatim under test/fixtures/upstream/, each with
 * its provenance), put back in the folder layout `kubectl cluster-info dump --output-directory`
 * wrote them in, and what an import of each must let a user walk.
 */

import { cpSync, mkdirSync, mkdtempSync, readdirSync } from 'node:fs';
import { tmpdir } from 'node:os';
import * as path from 'node:path';

export const UPSTREAM = path.join(__dirname, '..', '..', '..', 'test', 'fixtures', 'upstream');

export interface Dump {
  /** The folder under test/fixtures/upstream. */
  readonly dir: string;
  /** The prefix of the dump folder inside its repository (cluster-state/, cluster-dump/), stripped when rebuilt. */
  readonly root: string;
  readonly what: string;
  readonly nodes: number;
  readonly plugin: string;
  readonly clusterCIDR: string;
  readonly serviceCIDR: string;
  readonly podToPod: { readonly from: string; readonly to: string; readonly proto: string; readonly port: number };
  readonly podToService: { readonly from: string; readonly to: string; readonly proto: string };
}

export const dumps: readonly Dump[] = [
  {
    dir: 'EpicApex+k8s-arena', root: '', what: 'an AKS cluster (kubenet, cloud routes), cluster-info dump to a folder, JSON',
    nodes: 1, plugin: 'kubenet', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.0.0.0/16',
    podToPod: { from: 'pod/kube-system/metrics-server-6df44d5569-hx8dv', to: 'pod/kube-system/coredns-698c77c5d7-7nnxw', proto: 'tcp', port: 53 },
    podToService: { from: 'pod/kube-system/metrics-server-6df44d5569-hx8dv', to: 'svc/kube-system/kube-dns:53', proto: 'udp' },
  },
  {
    dir: 'eugsim1+wls-oke-amsterdam20v', root: 'cluster-state', what: 'an Oracle OKE cluster of four nodes on flannel, cluster-info dump --all-namespaces, JSON',
    nodes: 4, plugin: 'flannel', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/16',
    podToPod: { from: 'pod/jenkins-ns/jenkins-deployment-6db7c96795-jvl4w', to: 'pod/wls-domain-ns/okewls-wls-managed-server1', proto: 'tcp', port: 8001 },
    podToService: { from: 'pod/jenkins-ns/jenkins-deployment-6db7c96795-jvl4w', to: 'svc/wls-domain-ns/okewls-cluster-wls-cluster:8001', proto: 'tcp' },
  },
  {
    dir: 'dan1dan12345678+Kube-backups', root: '', what: 'Docker Desktop, cluster-info dump --all-namespaces -o yaml, without nodes.yaml',
    nodes: 1, plugin: 'kubenet', clusterCIDR: '10.1.0.0/16', serviceCIDR: '10.96.0.0/12',
    podToPod: { from: 'pod/argocd/argocd-server-58f5668765-46mfb', to: 'pod/argocd/argocd-redis-6976fc7dfc-nhtz5', proto: 'tcp', port: 6379 },
    podToService: { from: 'pod/argocd/argocd-server-58f5668765-46mfb', to: 'svc/argocd/argocd-redis:6379', proto: 'tcp' },
  },
  {
    dir: 'global-cloudwork+kubernetes', root: 'cluster-dump', what: 'an RKE2 node on Cilium (stood in for by flannel vxlan), cluster-info dump, JSON',
    nodes: 1, plugin: 'flannel', clusterCIDR: '10.42.0.0/16', serviceCIDR: '10.43.0.0/16',
    podToPod: { from: 'pod/kube-system/hubble-ui-7677cbb7c-95x69', to: 'pod/kube-system/hubble-relay-ff8d445c-nxfsn', proto: 'tcp', port: 4245 },
    podToService: { from: 'pod/kube-system/hubble-ui-7677cbb7c-95x69', to: 'svc/kube-system/rke2-coredns-rke2-coredns:53', proto: 'udp' },
  },
  {
    dir: 'TonyChengTW+k8s-ha', root: 'cluster-info', what: 'a kubeadm HA cluster of five nodes on flannel, written by an old kubectl in its internal form (Go field names)',
    nodes: 5, plugin: 'flannel', clusterCIDR: '10.244.0.0/16', serviceCIDR: '10.96.0.0/12',
    podToPod: { from: 'pod/kube-system/kube-dns-545bc4bfd4-7jv88', to: 'pod/kube-system/kube-dns-545bc4bfd4-qdscf', proto: 'tcp', port: 53 },
    podToService: { from: 'pod/kube-system/kube-dns-545bc4bfd4-7jv88', to: 'svc/kube-system/kube-dns:53', proto: 'udp' },
  },
  {
    dir: 'erwee402+multi-k8s', root: '', what: 'minikube, written by an old kubectl in its internal form, without podCIDRs',
    nodes: 1, plugin: 'kubenet', clusterCIDR: '172.17.0.0/16', serviceCIDR: '10.96.0.0/12',
    podToPod: { from: 'pod/kube-system/default-http-backend-5ff9d456ff-8nhdg', to: 'pod/kube-system/coredns-86c58d9df4-mnjkg', proto: 'tcp', port: 53 },
    podToService: { from: 'pod/kube-system/default-http-backend-5ff9d456ff-8nhdg', to: 'svc/kube-system/kube-dns:53', proto: 'udp' },
  },
];

/** The dump's verbatim files, back in their folder layout (`a__b.json` → `a/b.json`), in a fresh temporary folder. */
export function dumpFolder(dump: Dump): string {
  const out = mkdtempSync(path.join(tmpdir(), 'pw-dump-'));
  const src = path.join(UPSTREAM, dump.dir);
  for (const name of readdirSync(src)) {
    if (name.endsWith('.provenance')) continue;
    const rel = name.split('__').join('/');
    const inDump = dump.root && rel.startsWith(`${dump.root}/`) ? rel.slice(dump.root.length + 1) : rel;
    mkdirSync(path.dirname(path.join(out, inDump)), { recursive: true });
    cpSync(path.join(src, name), path.join(out, inDump));
  }
  return out;
}
