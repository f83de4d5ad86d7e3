/**
 * iptables rules in a matchable form, parsed from the very text the rule view prints, so a walk
 * step can quote a rule and point at its line.
 */

import { parsePrefix } from '../net/ipv4';
import type { Cidr } from '../net/cidr';
import type { PolicyOrigin } from '../cni/descriptor';

export type Match =
  | { readonly kind: 'src' | 'dst'; readonly negate: boolean; readonly prefix: Cidr }
  | { readonly kind: 'proto'; readonly negate: boolean; readonly proto: string }
  | { readonly kind: 'in' | 'out'; readonly negate: boolean; readonly device: string }
  /**
   * `--sport`/`--dport` (one port or `a:b`) and multiport's `--sports`/`--dports`/`--ports` (up to
   * 15 ports and ranges): the port is in one of the inclusive ranges. `port` is multiport's
   * `--ports`, which holds when either the source or the destination port is in one.
   */
  | { readonly kind: 'sport' | 'dport' | 'port'; readonly negate: boolean; readonly ranges: readonly PortRange[] }
  | { readonly kind: 'addrtype'; readonly which: 'src' | 'dst'; readonly negate: boolean; readonly type: string }
  | { readonly kind: 'mark'; readonly negate: boolean; readonly value: number; readonly mask: number }
  | { readonly kind: 'ctstate'; readonly negate: boolean; readonly states: readonly string[] }
  | { readonly kind: 'statistic'; readonly probability: number }
  | { readonly kind: 'recent'; readonly name: string; readonly mode: 'set' | 'rcheck' }
  | { readonly kind: 'set'; readonly negate: boolean; readonly name: string; readonly flags: readonly ('src' | 'dst')[] }
  /** xt_ipvs: the IPVS connection the packet belongs to has this virtual address, protocol or port (a packet of none matches no option). */
  | { readonly kind: 'vaddr'; readonly negate: boolean; readonly prefix: Cidr }
  | { readonly kind: 'vproto'; readonly negate: boolean; readonly proto: string }
  | { readonly kind: 'vport'; readonly negate: boolean; readonly port: number };

/** An inclusive port range; one port is a range from and to itself. */
export interface PortRange {
  readonly from: number;
  readonly to: number;
}

export type Target =
  | { readonly kind: 'none' }
  | { readonly kind: 'jump'; readonly chain: string; readonly goto: boolean }
  | { readonly kind: 'ACCEPT' | 'DROP' | 'RETURN' }
  | { readonly kind: 'REJECT'; readonly with: string }
  | { readonly kind: 'DNAT'; readonly ip: string; readonly port?: number }
  | { readonly kind: 'SNAT'; readonly ip: string; readonly port?: number }
  | { readonly kind: 'MASQUERADE' }
  | { readonly kind: 'MARK'; readonly op: 'or' | 'xor' | 'set'; readonly value: number; readonly mask: number };

export interface Rule {
  readonly table: string;
  readonly chain: string;
  /** `-A CHAIN …` exactly as printed. */
  readonly text: string;
  /** 1-based line in the printed payload; absent for rules installed outside it. */
  readonly line?: number;
  readonly matches: readonly Match[];
  readonly target: Target;
  /** Set on a CNI's rule that enforces NetworkPolicy: which policy, which rule. */
  readonly origin?: PolicyOrigin;
}

/** table → chain → rules, in order. */
export type RuleSet = Map<string, Map<string, Rule[]>>;

/** Splits a rule into words, keeping double-quoted words (comments) whole and unquoted. */
export function tokenize(text: string): string[] {
  const out: string[] = [];
  let i = 0;
  while (i < text.length) {
    if (text[i] === ' ') { i++; continue; }
    if (text[i] === '"') {
      const end = text.indexOf('"', i + 1);
      const stop = end < 0 ? text.length : end;
      out.push(text.slice(i + 1, stop));
      i = stop + 1;
    } else {
      let end = text.indexOf(' ', i);
      if (end < 0) end = text.length;
      out.push(text.slice(i, end));
      i = end;
    }
  }
  return out;
}

function prefix(text: string): Cidr {
  const p = parsePrefix(text);
  if (!p) throw new Error(`bad address ${text}`);
  return p;
}

function hostPort(text: string): { ip: string; port?: number } {
  const [ip, port] = text.split(':');
  return port === undefined ? { ip: ip! } : { ip: ip!, port: Number(port.split('-')[0]) };
}

function port(text: string): number {
  const n = Number(text);
  if (!/^\d+$/.test(text) || n > 65535) throw new Error(`bad port ${text}`);
  return n;
}

/**
 * One port or range as iptables reads it: `80`, `1000:2000`, and open ends (`:2000` from 0,
 * `1000:` to 65535). iptables refuses a range whose start is above its end, so this does too.
 */
function portRange(text: string): PortRange {
  const colon = text.indexOf(':');
  if (colon < 0) {
    const p = port(text);
    return { from: p, to: p };
  }
  const from = colon === 0 ? 0 : port(text.slice(0, colon));
  const to = colon === text.length - 1 ? 65535 : port(text.slice(colon + 1));
  if (from > to) throw new Error(`invalid portrange (min > max) ${text}`);
  return { from, to };
}

/** Multiport's comma-separated list of ports and ranges. */
function portList(text: string): PortRange[] {
  return text.split(',').map(portRange);
}

function markValue(text: string): { value: number; mask: number } {
  const [v, m] = text.split('/');
  return { value: Number(v) >>> 0, mask: m === undefined ? 0xffffffff : Number(m) >>> 0 };
}

/** Parses one `-A CHAIN …` line; options it does not model are skipped (they never decide a walk). */
export function parseRule(table: string, text: string, line?: number): Rule {
  const w = tokenize(text);
  const chain = w[1]!;
  const matches: Match[] = [];
  let target: Target = { kind: 'none' };
  let negate = false;
  for (let i = 2; i < w.length; i++) {
    const word = w[i]!;
    switch (word) {
      case '!': negate = true; continue;
      case '-s': case '--source': matches.push({ kind: 'src', negate, prefix: prefix(w[++i]!) }); break;
      case '-d': case '--destination': matches.push({ kind: 'dst', negate, prefix: prefix(w[++i]!) }); break;
      case '-p': case '--protocol': matches.push({ kind: 'proto', negate, proto: w[++i]! }); break;
      case '-i': case '--in-interface': matches.push({ kind: 'in', negate, device: w[++i]! }); break;
      case '-o': case '--out-interface': matches.push({ kind: 'out', negate, device: w[++i]! }); break;
      case '-m': case '--match': i++; break;
      case '--dport': case '--destination-port': matches.push({ kind: 'dport', negate, ranges: [portRange(w[++i]!)] }); break;
      case '--sport': case '--source-port': matches.push({ kind: 'sport', negate, ranges: [portRange(w[++i]!)] }); break;
      case '--dports': case '--destination-ports': matches.push({ kind: 'dport', negate, ranges: portList(w[++i]!) }); break;
      case '--sports': case '--source-ports': matches.push({ kind: 'sport', negate, ranges: portList(w[++i]!) }); break;
      case '--ports': matches.push({ kind: 'port', negate, ranges: portList(w[++i]!) }); break;
      case '--dst-type': matches.push({ kind: 'addrtype', which: 'dst', negate, type: w[++i]! }); break;
      case '--src-type': matches.push({ kind: 'addrtype', which: 'src', negate, type: w[++i]! }); break;
      case '--mark': matches.push({ kind: 'mark', negate, ...markValue(w[++i]!) }); break;
      case '--ctstate': case '--state': matches.push({ kind: 'ctstate', negate, states: w[++i]!.split(',') }); break;
      case '--probability': matches.push({ kind: 'statistic', probability: Number(w[++i]!) }); break;
      case '--name': {
        const name = w[++i]!;
        const mode = w[i + 1] === '--rcheck' ? 'rcheck' : 'set';
        matches.push({ kind: 'recent', name, mode });
        break;
      }
      case '--vaddr': matches.push({ kind: 'vaddr', negate, prefix: prefix(w[++i]!) }); break;
      case '--vproto': matches.push({ kind: 'vproto', negate, proto: w[++i]! }); break;
      case '--vport': matches.push({ kind: 'vport', negate, port: Number(w[++i]!) }); break;
      case '--match-set': {
        const name = w[++i]!;
        matches.push({ kind: 'set', negate, name, flags: w[++i]!.split(',') as ('src' | 'dst')[] });
        break;
      }
      case '-j': case '-g': {
        const t = w[++i]!;
        const goto = word === '-g';
        if (t === 'ACCEPT' || t === 'DROP' || t === 'RETURN') target = { kind: t };
        else if (t === 'REJECT') target = { kind: 'REJECT', with: 'icmp-port-unreachable' };
        else if (t === 'MASQUERADE') target = { kind: 'MASQUERADE' };
        else if (t === 'DNAT' || t === 'SNAT' || t === 'MARK') target = { kind: 'none' };
        else target = { kind: 'jump', chain: t, goto };
        if (t === 'DNAT' || t === 'SNAT') {
          const flag = t === 'DNAT' ? '--to-destination' : '--to-source';
          const at = w.indexOf(flag, i);
          target = { kind: t, ...hostPort(w[at + 1]!) };
        } else if (t === 'MARK') {
          const op = w[i + 1];
          const v = markValue(w[i + 2]!);
          target = op === '--or-mark' ? { kind: 'MARK', op: 'or', value: v.value, mask: 0 }
            : op === '--xor-mark' ? { kind: 'MARK', op: 'xor', value: v.value, mask: 0 }
            : { kind: 'MARK', op: 'set', value: v.value, mask: v.mask };
        }
        i = w.length;
        break;
      }
      default:
        // Words of matches that never decide (comment text, nfacct names, recent's --set/--rcheck
        // flags, `-m tcp` itself) carry no condition of their own.
        break;
    }
    negate = false;
  }
  return { table, chain, text, ...(line !== undefined ? { line } : {}), matches, target };
}

/** Parses a restore payload (`*table`, `:CHAIN`, `-A`, `COMMIT`), numbering lines from 1. */
export function parseRestore(text: string, into: RuleSet = new Map()): RuleSet {
  const lines = text.split('\n');
  let table = '';
  for (let n = 0; n < lines.length; n++) {
    const line = lines[n]!;
    if (line.startsWith('*')) {
      table = line.slice(1);
      if (!into.has(table)) into.set(table, new Map());
    } else if (line.startsWith(':')) {
      const chain = line.slice(1).split(' ')[0]!;
      const t = into.get(table)!;
      if (!t.has(chain)) t.set(chain, []);
    } else if (line.startsWith('-A ')) {
      const rule = parseRule(table, line, n + 1);
      const t = into.get(table)!;
      let list = t.get(rule.chain);
      if (!list) t.set(rule.chain, (list = []));
      list.push(rule);
    }
  }
  return into;
}
