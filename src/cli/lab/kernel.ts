/**
 * Running lab commands on this machine: each argv as a child process (never a shell), stopping at
 * the first failure with the command and what it printed, and probing which kernel features exist.
 */

import { spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import type { LabCommand, LabFeature } from '../../engine/index';

export interface CommandFailure {
  readonly argv: readonly string[];
  readonly status: number | null;
  readonly stderr: string;
}

export function run(argv: readonly string[], stdin?: string): { status: number | null; stdout: string; stderr: string } {
  const r = spawnSync(argv[0]!, argv.slice(1), { input: stdin, encoding: 'utf8', timeout: 30_000 });
  return { status: r.error ? null : r.status, stdout: r.stdout ?? '', stderr: r.stderr || (r.error ? r.error.message : '') };
}

/** Runs the commands in order; the first failure stops the run and is returned. */
export function runAll(commands: readonly LabCommand[]): CommandFailure | undefined {
  for (const c of commands) {
    const r = run(c.argv, c.stdin);
    if (r.status !== 0) return { argv: c.argv, status: r.status, stderr: r.stderr.trim() };
  }
  return undefined;
}

/** Why the lab cannot run here at all (not Linux, not root, a tool missing), or undefined. */
export function labRefusal(tools: readonly string[] = ['ip', 'bridge', 'sysctl']): string | undefined {
  if (process.platform !== 'linux') return `the lab builds network namespaces, which only Linux has (this is ${process.platform})`;
  if (process.getuid?.() !== 0) return 'the lab needs root: creating network namespaces requires CAP_SYS_ADMIN and CAP_NET_ADMIN';
  for (const t of tools) {
    if (run(['sh', '-c', `command -v ${t}`]).status !== 0) return `the lab needs '${t}' (scripts/setup.sh installs it)`;
  }
  return undefined;
}

/**
 * Tries each feature in a scratch namespace and says which are missing and how that showed.
 * ipip, gre and dummy answer `Unknown device type` where their module is absent; IPVS shows as
 * a missing /proc/net/ip_vs.
 */
export function missingFeatures(features: readonly LabFeature[], scratch: string): Map<LabFeature, string> {
  const missing = new Map<LabFeature, string>();
  const made = run(['ip', 'netns', 'add', scratch]);
  if (made.status !== 0) {
    missing.set('netns', `ip netns add failed: ${made.stderr.trim()}`);
    return missing;
  }
  try {
    const tryLink = (feature: LabFeature, args: readonly string[]): void => {
      const r = run(['ip', '-n', scratch, 'link', 'add', ...args]);
      if (r.status !== 0) missing.set(feature, `'ip link add … ${args.slice(1).join(' ')}' failed: ${r.stderr.trim()}`);
    };
    for (const f of features) {
      switch (f) {
        case 'netns':
          break;
        case 'veth':
          tryLink(f, ['pwcap0', 'type', 'veth', 'peer', 'name', 'pwcap1']);
          break;
        case 'bridge':
          tryLink(f, ['pwcapbr', 'type', 'bridge']);
          break;
        case 'vxlan':
          tryLink(f, ['pwcapvx', 'type', 'vxlan', 'id', '1', 'dstport', '4789']);
          break;
        case 'ipip':
          // Where the module is loaded the kernel already made tunl0 here; otherwise try to load it by use.
          if (run(['ip', '-n', scratch, 'link', 'show', 'tunl0']).status !== 0) tryLink(f, ['pwcapip', 'type', 'ipip']);
          break;
        case 'dummy':
          tryLink(f, ['pwcapdm', 'type', 'dummy']);
          break;
        case 'macvlan':
          tryLink('veth', ['pwcapm0', 'type', 'veth', 'peer', 'name', 'pwcapm1']);
          tryLink(f, ['pwcapmv', 'link', 'pwcapm0', 'type', 'macvlan', 'mode', 'bridge']);
          break;
        case 'tun':
          if (!existsSync('/dev/net/tun')) missing.set(f, '/dev/net/tun does not exist');
          break;
        case 'iptables':
          if (run(['ip', 'netns', 'exec', scratch, 'iptables-save']).status !== 0) missing.set(f, 'iptables-save does not run (install iptables)');
          break;
        case 'nfacct':
          if (run(['sh', '-c', 'command -v nfacct']).status !== 0) missing.set(f, "kube-proxy's rules count with nfacct, and the 'nfacct' tool is missing (scripts/setup.sh installs it)");
          break;
        case 'ipset':
          if (run(['sh', '-c', 'command -v ipset']).status !== 0) missing.set(f, "the CNI's rules match ipsets, and the 'ipset' tool is missing (scripts/setup.sh installs it)");
          break;
        case 'ipvs':
          if (run(['ip', 'netns', 'exec', scratch, 'test', '-e', '/proc/net/ip_vs']).status !== 0) missing.set(f, '/proc/net/ip_vs does not exist: the kernel has no IPVS (ip_vs module)');
          break;
      }
    }
  } finally {
    run(['ip', 'netns', 'del', scratch]);
  }
  return missing;
}

/** Network namespaces whose name starts with the prefix. */
export function namespacesWithPrefix(prefix: string): string[] {
  const r = run(['ip', 'netns', 'list']);
  return r.stdout
    .split('\n')
    .map((l) => l.split(' ')[0]!)
    .filter((n) => n.length > prefix.length && n.startsWith(prefix));
}
