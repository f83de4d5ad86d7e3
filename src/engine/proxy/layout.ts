/**
 * Where each rule of a node's iptables payload sits in `renderRestore`'s text, found without
 * writing the text. At 10,000 services the payload is some 400,000 lines and a walk meets a few
 * dozen of them: the layout counts what every service port writes where (countServicePort), and
 * a service port's own rules are written alone when a walk needs them (writeServicePort), each at
 * the line the full text gives it. The canonical order (./canonical) puts the fixed chains and
 * each family of hashed chains (KUBE-SEP-…, KUBE-SVC-…) in an order a line can be computed in:
 * a family's chains sort by their hash, which is ranked without being written out.
 */

import type { NodeInfo, Topology } from '../model/types';
import { chainBefore, chainGroup, commentServiceName } from './canonical';
import { countServicePort, defaultEnvironment, TableBuilder, writeHead, writeServicePort, writeSettings, writeTail, type IptablesPayload, type PortRuleCounts, type ProxyEnvironment, type WriteSettings } from './iptables';
import { servicePorts, type ProxyServicePort } from './servicePorts';
import { base32Order, sha256Base32Order } from './sha256';

export type IptablesTable = 'filter' | 'nat';

/** The fixed chains service ports add rules to, with the count each port adds. */
const SHARED: Record<IptablesTable, Readonly<Record<string, (c: PortRuleCounts) => number>>> = {
  filter: {
    'KUBE-SERVICES': (c) => c.filterServices,
    'KUBE-EXTERNAL-SERVICES': (c) => c.externalServices,
    'KUBE-NODEPORTS': (c) => c.filterNodePorts,
    'KUBE-PROXY-FIREWALL': (c) => c.proxyFirewall,
  },
  nat: {
    'KUBE-SERVICES': (c) => c.natServices,
    'KUBE-NODEPORTS': (c) => c.natNodePorts,
  },
};

/** Whether service ports add rules to `chain` of `table`. */
export function isSharedChain(table: IptablesTable, chain: string): boolean {
  return Object.hasOwn(SHARED[table], chain);
}

/**
 * A family of chains named by prefix and hash, each with its rule count, ranked by hash on first
 * use. Members sort as their names do; the rules ahead of a member are the sum of the counts of
 * the members ranked before it.
 */
class Family {
  /** Each member's order key (two numbers, see sha256Base32Order), its rule count and service port. */
  readonly keys: Float64Array;
  readonly counts: Int32Array;
  readonly owners: Int32Array;
  size = 0;
  private ranked?: (hi: number, lo: number) => number;
  private sum?: number;

  constructor(readonly prefix: string, capacity: number) {
    this.keys = new Float64Array(2 * capacity);
    this.counts = new Int32Array(capacity);
    this.owners = new Int32Array(capacity);
  }

  /** Adds a member; returns its position, whose key the caller writes. */
  add(owner: number, count: number): number {
    this.owners[this.size] = owner;
    this.counts[this.size] = count;
    return this.size++;
  }

  /** Rules of every member; asked once members are all added. */
  total(): number {
    if (this.sum === undefined) {
      this.sum = 0;
      for (let i = 0; i < this.size; i++) this.sum += this.counts[i]!;
    }
    return this.sum;
  }

  /** The member whose hash is `hash` (the name after the prefix), or -1. */
  find(hash: string): number {
    const at = new Float64Array(2);
    base32Order(hash, at, 0);
    for (let i = 0; i < this.size; i++) if (this.keys[2 * i] === at[0] && this.keys[2 * i + 1] === at[1]) return i;
    return -1;
  }

  /** Rules of the members whose hash sorts before `hash`. */
  rulesBefore(hash: string): number {
    const at = new Float64Array(2);
    base32Order(hash, at, 0);
    this.ranked ??= this.rank();
    return this.ranked(at[0]!, at[1]!);
  }

  private rank(): (hi: number, lo: number) => number {
    const n = this.size;
    const keys = this.keys;
    const counts = this.counts.subarray(0, n);
    const uniform = counts.every((c) => c === counts[0]);
    if (uniform) {
      // Equal counts (every endpoint chain has two rules): a member's rank is enough, and the first
      // halves of the keys sort natively; the rare members sharing one are told apart by the second.
      const each = counts[0] ?? 0;
      const his = new Float64Array(n);
      for (let i = 0; i < n; i++) his[i] = keys[2 * i]!;
      his.sort();
      return (hi, lo) => {
        const first = lowerBound(his, hi);
        let rank = first;
        if (first + 1 < n && his[first + 1] === hi) for (let i = 0; i < n; i++) if (keys[2 * i] === hi && keys[2 * i + 1]! < lo) rank++;
        return rank * each;
      };
    }
    const order = Array.from({ length: n }, (_, i) => i);
    order.sort((a, b) => keys[2 * a]! - keys[2 * b]! || keys[2 * a + 1]! - keys[2 * b + 1]!);
    const his = new Float64Array(n), los = new Float64Array(n), before = new Float64Array(n + 1);
    order.forEach((m, i) => { his[i] = keys[2 * m]!; los[i] = keys[2 * m + 1]!; before[i + 1] = before[i]! + counts[m]!; });
    return (hi, lo) => {
      let i = lowerBound(his, hi);
      while (i < n && his[i] === hi && los[i]! < lo) i++;
      return before[i]!;
    };
  }
}

/** The first position in ascending `xs` holding a value not below `x`. */
function lowerBound(xs: Float64Array, x: number): number {
  let lo = 0, hi = xs.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (xs[mid]! < x) lo = mid + 1;
    else hi = mid;
  }
  return lo;
}

/** One table's fixed chains and families: what its lines are counted from. */
interface TablePlan {
  /** Fixed chains → their rules from ahead of and after the service ports', and the ports' rules by port. */
  readonly fixed: Map<string, { readonly head: readonly string[]; readonly tail: readonly string[]; readonly ports?: Float64Array }>;
  readonly families: readonly Family[];
  /** The table's first line (`*name`). */
  readonly start: number;
  /** Its chain declarations, one line each. */
  readonly declared: number;
  /** Its lines, `*name` to COMMIT. */
  readonly lines: number;
}

export interface IptablesLayout {
  readonly topology: Topology;
  readonly node: NodeInfo;
  readonly ports: readonly ProxyServicePort[];
  readonly settings: WriteSettings;
  /** Rules of a fixed chain from ahead of (`head`) and after (`tail`) the service ports'. */
  fixedRules(table: IptablesTable, chain: string): { readonly head: readonly string[]; readonly tail: readonly string[] } | undefined;
  /** The line of the first rule of a fixed chain, or of a hashed chain the payload declares. */
  chainStart(table: IptablesTable, chain: string): number | undefined;
  /** The line of service port `port`'s first rule in shared chain `chain`. */
  portStart(table: IptablesTable, chain: string, port: number): number;
  /** The service port that writes hashed chain `chain`, or -1. */
  ownerOf(table: IptablesTable, chain: string): number;
  /** Whether the payload declares `chain`. */
  declares(table: IptablesTable, chain: string): boolean;
  /** One service port's rules, written alone. */
  write(port: number): IptablesPayload;
}

const FAMILIES = ['KUBE-EXT-', 'KUBE-FW-', 'KUBE-SEP-', 'KUBE-SVC-', 'KUBE-SVL-'] as const;
const HASH_LENGTH = 16;

/**
 * The layout of `node`'s iptables-mode payload; undefined where the text is not the service ports'
 * rules in write order (two service ports of one name, or services out of their comments' order),
 * which only the full text then gives.
 */
export function iptablesLayout(topology: Topology, node: NodeInfo, env: ProxyEnvironment = defaultEnvironment): IptablesLayout | undefined {
  if (topology.cluster.kubeProxy.mode !== 'iptables') return undefined;
  const ports = servicePorts(topology, node.name);
  const names = new Set<string>();
  let previous = '';
  for (const sp of ports) {
    const key = `${sp.name} ${sp.protocol}`;
    if (names.has(key)) return undefined;
    names.add(key);
    const service = commentServiceName(sp.name);
    if (service < previous) return undefined;
    previous = service;
  }
  const settings = writeSettings(topology, node, ports, env);
  const head: IptablesPayload = { filter: new TableBuilder('filter'), nat: new TableBuilder('nat') };
  const tail: IptablesPayload = { filter: new TableBuilder('filter'), nat: new TableBuilder('nat') };
  writeHead(head, settings, env);
  writeTail(tail, settings, topology, node, env);
  // The chains canonical sorts by service name hold only the service ports' rules, and after them
  // the rules that must stay last.
  for (const table of ['filter', 'nat'] as const) {
    for (const c of ['KUBE-SERVICES', 'KUBE-NODEPORTS']) {
      if ((head[table].rules.get(c) ?? []).length > 0) return undefined;
      if ((tail[table].rules.get(c) ?? []).some((r) => table === 'filter' || c !== 'KUBE-SERVICES' || !r.includes('must be the last rule'))) return undefined;
    }
  }

  const counts = ports.map((sp) => countServicePort(sp, settings));
  const families = new Map<string, Family>(FAMILIES.map((f) => [f, new Family(f, f === 'KUBE-SEP-' ? countEndpoints(counts) : ports.length)]));
  const own = (['KUBE-EXT-', 'KUBE-FW-', 'KUBE-SVC-', 'KUBE-SVL-'] as const).map((prefix) => families.get(prefix)!);
  const seps = families.get('KUBE-SEP-')!;
  const at = new Float64Array(2);
  for (let i = 0; i < ports.length; i++) {
    const sp = ports[i]!;
    const c = counts[i]!;
    // A service port's own chains share one hash, so one key places it in all four families.
    base32Order(sp.chains.svc.slice('KUBE-SVC-'.length), at, 0);
    const sizes = [c.ext, c.fw, c.svc, c.svl];
    for (let f = 0; f < 4; f++) {
      if (sizes[f]! < 0) continue;
      const m = own[f]!.add(i, sizes[f]!);
      own[f]!.keys[2 * m] = at[0]!;
      own[f]!.keys[2 * m + 1] = at[1]!;
    }
    const head = sp.name + sp.protocol;
    for (const ep of c.endpoints) sha256Base32Order(head, ep.key, seps.keys, 2 * seps.add(i, 2));
  }

  const plans = new Map<IptablesTable, TablePlan>();
  let start = 1;
  for (const table of ['filter', 'nat'] as const) {
    const fixed: TablePlan['fixed'] = new Map();
    let rules = 0;
    for (const chain of new Set([...head[table].chains, ...tail[table].chains])) {
      const headRules = head[table].rules.get(chain) ?? [];
      const tailRules = tail[table].rules.get(chain) ?? [];
      rules += headRules.length + tailRules.length;
      const count = SHARED[table][chain];
      let byPort: Float64Array | undefined;
      if (count) {
        byPort = new Float64Array(ports.length + 1);
        counts.forEach((c, i) => { byPort![i + 1] = byPort![i]! + count(c); });
        rules += byPort[ports.length]!;
      }
      fixed.set(chain, { head: headRules, tail: tailRules, ...(byPort ? { ports: byPort } : {}) });
    }
    const hashed = table === 'nat' ? [...families.values()] : [];
    let declared = fixed.size;
    for (const f of hashed) {
      declared += f.size;
      rules += f.total();
    }
    const lines = 1 + declared + rules + 1;
    plans.set(table, { fixed, families: hashed, start, declared, lines });
    start += lines;
  }

  const familyOf = (table: IptablesTable, chain: string): Family | undefined =>
    plans.get(table)!.families.find((f) => chain.startsWith(f.prefix) && chain.length === f.prefix.length + HASH_LENGTH);

  const fixedLength = (chain: { head: readonly string[]; tail: readonly string[]; ports?: Float64Array }): number =>
    chain.head.length + chain.tail.length + (chain.ports ? chain.ports[chain.ports.length - 1]! : 0);

  /** The first line of a fixed chain, or of a hashed chain the payload declares. */
  const chainStart = (table: IptablesTable, chain: string): number | undefined => {
    const plan = plans.get(table)!;
    const family = familyOf(table, chain);
    if (!plan.fixed.has(chain) && !family) return undefined;
    let before = 0;
    for (const [name, rules] of plan.fixed) if (chainBefore(name, chain)) before += fixedLength(rules);
    for (const f of plan.families) {
      if (f === family) before += f.rulesBefore(chain.slice(f.prefix.length));
      else if (chainGroup(chain) === 2 && f.prefix < chain) before += f.total();
    }
    return plan.start + 1 + plan.declared + before;
  };

  return {
    topology, node, ports, settings,
    fixedRules: (table, chain) => plans.get(table)!.fixed.get(chain),
    chainStart,
    portStart(table, chain, port) {
      const rules = plans.get(table)!.fixed.get(chain)!;
      return chainStart(table, chain)! + rules.head.length + rules.ports![port]!;
    },
    ownerOf(table, chain) {
      const family = familyOf(table, chain);
      const m = family ? family.find(chain.slice(family.prefix.length)) : -1;
      return m < 0 ? -1 : family!.owners[m]!;
    },
    declares: (table, chain) => plans.get(table)!.fixed.has(chain) || (familyOf(table, chain)?.find(chain.slice(-HASH_LENGTH)) ?? -1) >= 0,
    write(port) {
      const tables: IptablesPayload = { filter: new TableBuilder('filter'), nat: new TableBuilder('nat') };
      writeServicePort(ports[port]!, settings, tables);
      return tables;
    },
  };
}

function countEndpoints(counts: readonly PortRuleCounts[]): number {
  let n = 0;
  for (const c of counts) n += c.endpoints.length;
  return n;
}
