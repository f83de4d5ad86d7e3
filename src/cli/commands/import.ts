import { readdirSync, readFileSync, statSync, writeFileSync } from 'node:fs';
import * as path from 'node:path';
import { clusterName, importJson, importTopology, type SourceFile } from '../../engine/index';
import type { Command, Io } from '../command';
import { KubectlError, readCluster } from '../kubectl';
import { EXIT_INPUT, EXIT_OK, UsageError } from '../usage';

/** The object files of a `cluster-info dump` folder (nodes.json, <ns>/pods.json, …): logs.txt and the rest are passed over. */
function dumpFiles(dir: string): string[] {
  const files: string[] = [];
  const walk = (d: string): void => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = path.join(d, e.name);
      if (e.isDirectory()) walk(p);
      else if (/\.(json|ya?ml)$/.test(e.name)) files.push(p);
    }
  };
  walk(dir);
  return files.sort();
}

/** The inputs named on the command line, each file read, each folder walked. */
function readInputs(paths: readonly string[], io: Io): SourceFile[] | undefined {
  const files: SourceFile[] = [];
  for (const p of paths) {
    try {
      const found = statSync(p).isDirectory() ? dumpFiles(p) : [p];
      for (const f of found) files.push({ path: f, text: readFileSync(f, 'utf8') });
    } catch (e) {
      io.err(`${p}:1:1: error: cannot read it: ${(e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such file or folder' : (e as Error).message}`);
      return undefined;
    }
  }
  return files;
}

export const importCommand: Command = {
  name: 'import',
  synopsis: 'import (DUMP… | DIR | --context C [--kubeconfig F]) [-o FILE] [--json]',
  summary: 'Write a topology from a cluster: kubectl get -o yaml|json output, a cluster-info dump folder, or a live cluster through kubectl.',
  optionHelp: [
    'DUMP…            kubectl get nodes,namespaces,pods,services,endpointslices,networkpolicies,daemonsets,configmaps -A -o yaml (or json) output, one file or several',
    'DIR              a kubectl cluster-info dump --output-directory folder',
    '--context C      read the cluster of kube context C by running kubectl',
    '--kubeconfig F   the kubeconfig kubectl reads (with --context)',
    '-o, --output F   write the topology to F rather than to stdout',
    '--json           the same topology as a JSON List (kubectl get -o json style) instead of commented YAML; where each inferred value came from is in the Cluster\'s packetwalk.io/sources annotation, a JSON object keyed by field path',
  ],
  options: { context: { type: 'string' }, kubeconfig: { type: 'string' }, output: { type: 'string', short: 'o' }, json: { type: 'boolean' } },
  positionals: [0, 10_000],
  run: async ({ positionals, values, io }) => {
    const context = values.context as string | undefined;
    const kubeconfig = values.kubeconfig as string | undefined;
    if ((positionals.length > 0) === (context !== undefined || kubeconfig !== undefined)) throw new UsageError('give dump files or a folder, or --context (and --kubeconfig), not both and not neither');
    let files: SourceFile[];
    let name: string;
    let sources: string[];
    if (positionals.length > 0) {
      const read = readInputs(positionals, io);
      if (!read) return EXIT_INPUT;
      files = read;
      name = path.basename(path.resolve(positionals[0]!)).replace(/\.(json|ya?ml)$/, '');
      sources = positionals.map((p) => path.basename(path.resolve(p)));
    } else {
      try {
        files = await readCluster({ ...(context ? { context } : {}), ...(kubeconfig ? { kubeconfig } : {}) }, (step) => io.err(`packetwalk import: ${step}…`));
      } catch (e) {
        if (!(e instanceof KubectlError)) throw e;
        io.err(`packetwalk import: kubectl failed: ${e.message}`);
        return EXIT_INPUT;
      }
      name = context ?? 'cluster';
      sources = [`kube context ${context ?? '(current)'} through kubectl`];
    }
    const result = importTopology(files, { name: clusterName(name), sources });
    for (const n of result.notes) io.err(`packetwalk import: note: ${n}`);
    if (result.text === undefined) return EXIT_INPUT;
    const text = values.json ? [...importJson(result.text, result.cluster)].join('') : result.text;
    const output = values.output as string | undefined;
    if (output) {
      writeFileSync(output, text);
      io.err(`packetwalk import: wrote ${output}: ${result.counts.nodes} nodes, ${result.counts.pods} pods, ${result.counts.services} services`);
    } else io.out(text.replace(/\n$/, ''));
    return EXIT_OK;
  },
};
