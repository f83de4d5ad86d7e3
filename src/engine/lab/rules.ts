/**
 * kube-proxy's rules for a lab node, loaded the way kube-proxy loads them: first its own chains
 * and the jumps from the kernel's base chains (which it installs outside the payload), then the
 * payload itself with `iptables-restore --noflush --counters`. The text is the rule view's text,
 * so what the kernel holds is exactly what `packetwalk rules` prints.
 */

import { cniNat } from '../cni/index';
import type { CniRule } from '../cni/descriptor';
import type { Topology } from '../model/types';
import { renderRestore } from '../proxy';
import { jumpRules } from '../proxy/jumps';
import type { LabCommandInput } from './plan';

/** Chains the payload defines, by table, read from its `:CHAIN` lines. */
function payloadChains(payload: string): Map<string, string[]> {
  const out = new Map<string, string[]>();
  let table = '';
  for (const line of payload.split('\n')) {
    if (line.startsWith('*')) out.set((table = line.slice(1)), []);
    else if (line.startsWith(':')) out.get(table)?.push(line.slice(1).split(' ')[0]!);
  }
  return out;
}

export function kubeProxyPayloads(topology: Topology, nodeName: string): LabCommandInput[] {
  const payload = renderRestore(topology, nodeName);
  if (!payload) return [];
  const chains = payloadChains(payload);
  const jumps = jumpRules(topology.cluster.kubeProxy.mode, chains.get('filter')?.includes('KUBE-FIREWALL') ?? false);
  const tables = ['mangle', 'filter', 'nat'];
  const lines: string[] = [];
  for (const table of tables) {
    const own = jumps.filter((j) => j.table === table);
    // The jump targets must exist before a rule can name them; the payload fills them afterwards.
    const targets = [...new Set(own.map((j) => j.rule.split(' -j ')[1]!))];
    lines.push(`*${table}`, ':KUBE-PROXY-CANARY - [0:0]', ...targets.map((c) => `:${c} - [0:0]`), ...own.map((j) => j.rule), 'COMMIT');
  }
  // kube-proxy creates its nfacct counters over netlink before the payload names them.
  const counters = [...new Set([...payload.matchAll(/--nfacct-name (\S+)/g)].map((m) => m[1]!))];
  return [
    ...counters.map((c) => ({ argv: ['nfacct', 'add', c] })),
    { argv: ['iptables-restore', '--noflush'], text: `${lines.join('\n')}\n` },
    { argv: ['iptables-restore', '--noflush', '--counters'], text: payload },
  ];
}

const builtinChains = new Set(['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING']);

/**
 * The CNI's own rules (flanneld's masquerade and forward chains, Felix's nat chains, kubenet's and
 * aws-node's SNAT) loaded after kube-proxy's, as each daemon adds them: appended, or inserted as a
 * block ahead of everything in the base chain. The walk evaluates the same rules in the same
 * places (netfilter/hook.ts), so the kernel and the model hold one rule set.
 */
export function cniPayloads(topology: Topology, nodeName: string): LabCommandInput[] {
  const node = topology.nodes.find((n) => n.name === nodeName);
  if (!node) return [];
  const nat = cniNat(topology, node);
  if (nat.rules.length === 0) return [];
  const out: LabCommandInput[] = [];
  for (const set of nat.ipsets) {
    out.push({ argv: ['ipset', 'create', set.name, 'hash:net'] });
    for (const m of set.members) out.push({ argv: ['ipset', 'add', set.name, m] });
  }
  out.push({ argv: ['iptables-restore', '--noflush'], text: cniRestoreText(nat.rules) });
  return out;
}

/**
 * The CNI's rules on a node (its NAT, flanneld's forward rules, Felix's NetworkPolicy chains) as
 * the `iptables-restore --noflush` input that loads them; empty when the CNI keeps none there.
 */
export function cniRestore(topology: Topology, nodeName: string): string {
  const node = topology.nodes.find((n) => n.name === nodeName);
  const rules = node ? cniNat(topology, node).rules : [];
  return rules.length ? cniRestoreText(rules) : '';
}

function cniRestoreText(rules: readonly CniRule[]): string {
  const lines: string[] = [];
  for (const table of ['filter', 'nat'] as const) {
    const own = rules.filter((r) => r.table === table);
    if (own.length === 0) continue;
    // Chains the rules jump to must exist first, even those the daemon leaves empty (Felix's cali-fip-dnat).
    const chains = [...new Set(own.flatMap((r) => [chainOf(r), ...jumpTargets(r)]))].filter((c) => !builtinChains.has(c));
    lines.push(`*${table}`, ...chains.map((c) => `:${c} - [0:0]`));
    const inserted = new Map<string, number>();
    for (const r of own) {
      const chain = chainOf(r);
      if (r.position === 'last') lines.push(r.rule);
      else {
        const at = (inserted.get(chain) ?? 0) + 1;
        inserted.set(chain, at);
        lines.push(`-I ${chain} ${at} ${r.rule.slice(`-A ${chain} `.length)}`);
      }
    }
    lines.push('COMMIT');
  }
  return `${lines.join('\n')}\n`;
}

function chainOf(r: CniRule): string {
  return r.rule.split(' ')[1]!;
}

/** Targets that are chains of the CNI's own (not a built-in target, not kube-proxy's, which it declares itself). */
function jumpTargets(r: CniRule): string[] {
  const m = / -[jg] (\S+)/.exec(r.rule);
  return m && /^[a-z]/.test(m[1]!) ? [m[1]!] : m && /^[A-Z]+-/.test(m[1]!) && !m[1]!.startsWith('KUBE-') ? [m[1]!] : [];
}

/** The `-A …` lines and chain names the CNI adds to `iptables-save`, so a read-back can set them apart from kube-proxy's. */
export function cniSaveLines(topology: Topology, nodeName: string): { readonly rules: ReadonlySet<string>; readonly chains: ReadonlySet<string> } {
  const node = topology.nodes.find((n) => n.name === nodeName);
  const rules = node ? cniNat(topology, node).rules : [];
  return { rules: new Set(rules.map((r) => r.rule)), chains: new Set(rules.flatMap((r) => [chainOf(r), ...jumpTargets(r)]).filter((c) => !builtinChains.has(c))) };
}

/** Everything a lab node loads: kube-proxy's rules, then the CNI's. */
export function nodePayloads(topology: Topology, nodeName: string): LabCommandInput[] {
  return [...kubeProxyPayloads(topology, nodeName), ...cniPayloads(topology, nodeName)];
}
