/**
 * A live cluster read through the user's own `kubectl`, so that every kubeconfig and auth plugin
 * it supports works here too. One `get` of the kinds the importer reads, then Calico's resources,
 * which exist only where Calico's CRDs or its operator are installed.
 */

import { spawn } from 'node:child_process';

export const IMPORTED_KINDS = 'nodes,namespaces,pods,services,endpointslices,networkpolicies,daemonsets,configmaps';
/** Resources that only some clusters have; a server without them answers "doesn't have a resource type". */
export const OPTIONAL_KINDS = ['ippools.crd.projectcalico.org', 'installations.operator.tigera.io', 'network-attachment-definitions.k8s.cni.cncf.io'];

export interface KubectlTarget {
  readonly context?: string;
  readonly kubeconfig?: string;
  /** The kubectl to run; `kubectl` on the PATH unless given. */
  readonly kubectl?: string;
}

export class KubectlError extends Error {}

function run(target: KubectlTarget, args: readonly string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const full = [...(target.kubeconfig ? ['--kubeconfig', target.kubeconfig] : []), ...(target.context ? ['--context', target.context] : []), ...args];
  return new Promise((resolve, reject) => {
    const child = spawn(target.kubectl ?? 'kubectl', full, { stdio: ['ignore', 'pipe', 'pipe'] });
    const out: Buffer[] = [];
    const err: Buffer[] = [];
    child.stdout.on('data', (b: Buffer) => out.push(b));
    child.stderr.on('data', (b: Buffer) => err.push(b));
    child.on('error', (e: NodeJS.ErrnoException) => reject(new KubectlError(e.code === 'ENOENT' ? `${target.kubectl ?? 'kubectl'} is not installed or not on the PATH; install kubectl or import a dump instead` : e.message)));
    child.on('close', (code) => resolve({ code: code ?? 1, stdout: Buffer.concat(out).toString('utf8'), stderr: Buffer.concat(err).toString('utf8') }));
  });
}

/** The contexts of the kubeconfig, as `kubectl config get-contexts -o name` lists them. */
export async function kubeContexts(target: Omit<KubectlTarget, 'context'> = {}): Promise<string[]> {
  const r = await run(target, ['config', 'get-contexts', '-o', 'name']);
  if (r.code !== 0) throw new KubectlError(r.stderr.trim() || `kubectl config get-contexts exited with ${r.code}`);
  return r.stdout.split('\n').map((l) => l.trim()).filter((l) => l !== '');
}

/** The JSON lists kubectl prints for the cluster, each an input of the importer; `progress` hears each step. */
export async function readCluster(target: KubectlTarget, progress: (step: string) => void): Promise<{ path: string; text: string }[]> {
  const where = target.context ? `context ${target.context}` : 'the current context';
  progress(`reading ${IMPORTED_KINDS} from ${where}`);
  const main = await run(target, ['get', IMPORTED_KINDS, '-A', '-o', 'json']);
  if (main.code !== 0) throw new KubectlError(main.stderr.trim() || `kubectl get exited with ${main.code}`);
  const inputs = [{ path: `kubectl get ${IMPORTED_KINDS}`, text: main.stdout }];
  for (const kind of OPTIONAL_KINDS) {
    progress(`reading ${kind}`);
    const r = await run(target, ['get', kind, '-A', '-o', 'json']);
    if (r.code === 0) inputs.push({ path: `kubectl get ${kind}`, text: r.stdout });
    else if (!/doesn't have a resource type|the server could not find the requested resource/.test(r.stderr)) throw new KubectlError(r.stderr.trim() || `kubectl get ${kind} exited with ${r.code}`);
  }
  return inputs;
}
