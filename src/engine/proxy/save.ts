/**
 * `iptables-save` after kube-proxy's sync: the kernel's own spelling of the same rules (checked
 * against iptables-nft 1.8.9 in a scratch namespace by test/kernel/iptables-save.test.ts):
 * tables mangle, filter, nat; base chains with their policy, then user chains sorted; rules grouped
 * by chain; `-s/-d/-i/-o/-p` first with `/32` on bare addresses; options as each extension prints
 * them (MARK as --set-xmark, recent's --mask/--rsource, statistic's probability as the kernel's
 * 31-bit fraction with eleven places); words quoted only when they need it.
 */

import { tokenize } from '../netfilter/rules';

const BASE_CHAINS: Record<string, readonly string[]> = {
  mangle: ['PREROUTING', 'INPUT', 'FORWARD', 'OUTPUT', 'POSTROUTING'],
  filter: ['INPUT', 'FORWARD', 'OUTPUT'],
  nat: ['PREROUTING', 'INPUT', 'OUTPUT', 'POSTROUTING'],
};
export const SAVE_TABLE_ORDER = ['mangle', 'filter', 'nat'] as const;

/** xtables_save_string: bare when every character is [A-Za-z0-9_-], else double-quoted. */
function saveString(value: string): string {
  return /^[A-Za-z0-9_-]+$/.test(value) ? value : `"${value.replace(/(["\\'])/g, '\\$1')}"`;
}

function withMask(address: string): string {
  return address.includes('/') ? address : `${address}/32`;
}

/** The kernel keeps the probability as round(p * 2^31); iptables prints it back with %.11f. */
function savedProbability(text: string): string {
  const stored = Math.round(Number(text) * 0x80000000);
  return (stored / 0x80000000).toFixed(11);
}

function hex(n: number): string {
  return `0x${(n >>> 0).toString(16)}`;
}

function markSpec(text: string): string {
  const [v, m] = text.split('/');
  return m === undefined ? hex(Number(v)) : `${hex(Number(v))}/${hex(Number(m))}`;
}

/** One `-m module …` segment, as its extension's save function prints it. */
function saveMatch(module: string, words: string[]): string[] {
  const opts = new Map<string, string | true>();
  const negated = new Set<string>();
  for (let i = 0; i < words.length; i++) {
    if (words[i] === '!') { negated.add(words[i + 1]!); continue; }
    const w = words[i]!;
    const v = words[i + 1];
    if (v !== undefined && !v.startsWith('--') && v !== '!') { opts.set(w, v); i++; } else opts.set(w, true);
  }
  const neg = (o: string): string[] => (negated.has(o) ? ['!'] : []);
  switch (module) {
    case 'comment': return ['-m', 'comment', '--comment', saveString(String(opts.get('--comment')))];
    case 'statistic': return ['-m', 'statistic', '--mode', 'random', '--probability', savedProbability(String(opts.get('--probability')))];
    case 'nfacct': return ['-m', 'nfacct', '--nfacct-name', ` ${String(opts.get('--nfacct-name'))}`];
    case 'mark': return ['-m', 'mark', ...neg('--mark'), '--mark', markSpec(String(opts.get('--mark')))];
    case 'recent': {
      const out = ['-m', 'recent'];
      if (opts.has('--set')) out.push('--set');
      if (opts.has('--rcheck')) out.push('--rcheck');
      if (opts.has('--seconds')) out.push('--seconds', String(opts.get('--seconds')));
      if (opts.has('--reap')) out.push('--reap');
      out.push('--name', String(opts.get('--name')), '--mask', '255.255.255.255', '--rsource');
      return out;
    }
    default: return ['-m', module, ...words];
  }
}

function saveTarget(target: string, words: string[]): string[] {
  if (target === 'MARK') {
    const [op, value] = words;
    const v = Number(value);
    if (op === '--or-mark') return ['-j', 'MARK', '--set-xmark', `${hex(v)}/${hex(v)}`];
    if (op === '--xor-mark') return ['-j', 'MARK', '--set-xmark', `${hex(v)}/0x0`];
    return ['-j', 'MARK', '--set-xmark', markSpec(value!)];
  }
  if (target === 'REJECT' && words.length === 0) return ['-j', 'REJECT', '--reject-with', 'icmp-port-unreachable'];
  return ['-j', target, ...words];
}

/** One `-A` line in iptables-save's spelling. */
export function saveRule(rule: string): string {
  const w = tokenize(rule);
  const chain = w[1]!;
  const head: Record<string, string[]> = {};
  const rest: string[] = [];
  for (let i = 2; i < w.length; i++) {
    const word = w[i]!;
    const neg = word === '!' && ['-s', '-d', '-i', '-o', '-p'].includes(w[i + 1]!);
    const flag = neg ? w[i + 1]! : word;
    if (['-s', '-d', '-i', '-o', '-p'].includes(flag) && (neg || word === flag)) {
      const value = w[i + (neg ? 2 : 1)]!;
      head[flag] = [...(neg ? ['!'] : []), flag, flag === '-s' || flag === '-d' ? withMask(value) : value];
      i += neg ? 2 : 1;
    } else rest.push(word);
  }
  const out: string[] = ['-A', chain];
  for (const f of ['-s', '-d', '-i', '-o', '-p']) if (head[f]) out.push(...head[f]!);
  for (let i = 0; i < rest.length; ) {
    if (rest[i] === '-m') {
      const module = rest[i + 1]!;
      let j = i + 2;
      while (j < rest.length && rest[j] !== '-m' && rest[j] !== '-j') j++;
      out.push(...saveMatch(module, rest.slice(i + 2, j)));
      i = j;
    } else if (rest[i] === '-j') {
      out.push(...saveTarget(rest[i + 1]!, rest.slice(i + 2)));
      break;
    } else {
      out.push(rest[i]!);
      i++;
    }
  }
  return out.join(' ');
}

export interface SaveTable {
  readonly name: string;
  /** User chains, any order. */
  readonly chains: readonly string[];
  /** `-A` lines in kernel order within each chain (base-chain jumps included). */
  readonly rules: readonly string[];
}

/** Renders tables as iptables-save does (its `#` header and footer lines, which carry a date, left out). */
export function renderSaveTables(tables: readonly SaveTable[]): string {
  const out: string[] = [];
  for (const name of SAVE_TABLE_ORDER) {
    const t = tables.find((x) => x.name === name);
    if (!t) continue;
    out.push(`*${name}`);
    const base = BASE_CHAINS[name]!;
    for (const c of base) out.push(`:${c} ACCEPT [0:0]`);
    const user = [...new Set(t.chains)].filter((c) => !base.includes(c)).sort((a, b) => (a < b ? -1 : a > b ? 1 : 0));
    for (const c of user) out.push(`:${c} - [0:0]`);
    const byChain = new Map<string, string[]>();
    for (const r of t.rules) {
      const chain = tokenize(r)[1]!;
      let list = byChain.get(chain);
      if (!list) byChain.set(chain, (list = []));
      list.push(saveRule(r));
    }
    for (const c of [...base, ...user]) for (const r of byChain.get(c) ?? []) out.push(r);
    out.push('COMMIT');
  }
  return `${out.join('\n')}\n`;
}
