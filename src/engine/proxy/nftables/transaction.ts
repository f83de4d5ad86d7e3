/**
 * One nftables table as kube-proxy builds it in a transaction, and the text knftables' fake prints
 * for it (sigs.k8s.io/knftables fake.go, Dump): the table, every chain, set and map declared (each
 * kind sorted by name), then each chain's rules, then each set's and map's elements.
 */

export interface NftChain {
  readonly name: string;
  /** `type filter hook prerouting priority -110`, for base chains. */
  readonly base?: { readonly type: 'filter' | 'nat'; readonly hook: string; readonly priority: number };
  readonly comment?: string;
  readonly rules: string[];
}

export interface NftSet {
  readonly kind: 'set' | 'map';
  readonly name: string;
  /** What goes between the braces: `type ipv4_addr ; comment "…" ;`. */
  readonly spec: string;
  /** `{ … }` contents, in insertion order. */
  readonly elements: string[];
}

export class NftTable {
  private readonly chainMap = new Map<string, NftChain>();
  private readonly setMap = new Map<string, NftSet>();

  constructor(readonly family: 'ip' | 'ip6', readonly name: string, readonly comment: string) {}

  chain(name: string, extra: Omit<NftChain, 'name' | 'rules'> = {}): NftChain {
    let c = this.chainMap.get(name);
    if (!c) this.chainMap.set(name, (c = { name, ...extra, rules: [] }));
    return c;
  }

  rule(chain: string, text: string): void {
    this.chain(chain).rules.push(text);
  }

  set(kind: 'set' | 'map', name: string, spec: string): NftSet {
    let s = this.setMap.get(name);
    if (!s) this.setMap.set(name, (s = { kind, name, spec, elements: [] }));
    return s;
  }

  element(name: string, text: string): void {
    this.setMap.get(name)!.elements.push(text);
  }

  get chains(): NftChain[] {
    return sorted([...this.chainMap.values()]);
  }

  get sets(): NftSet[] {
    return sorted([...this.setMap.values()].filter((s) => s.kind === 'set'));
  }

  get maps(): NftSet[] {
    return sorted([...this.setMap.values()].filter((s) => s.kind === 'map'));
  }
}

function sorted<T extends { readonly name: string }>(list: T[]): T[] {
  // Go sorts strings by bytes; names are ASCII, where that is code-unit order.
  return list.sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
}

function chainLine(prefix: string, c: NftChain): string {
  const parts: string[] = [];
  if (c.base) parts.push(`type ${c.base.type} hook ${c.base.hook} priority ${c.base.priority} ;`);
  if (c.comment !== undefined) parts.push(`comment ${JSON.stringify(c.comment)} ;`);
  return parts.length ? `add chain ${prefix} ${c.name} { ${parts.join(' ')} }` : `add chain ${prefix} ${c.name}`;
}

/** The transaction as knftables' fake dumps it, one line per object, each ending in a newline. */
export function dumpTable(t: NftTable): string {
  const prefix = `${t.family} ${t.name}`;
  const lines = [`add table ${prefix} { comment ${JSON.stringify(t.comment)} ; }`];
  const { chains, sets, maps } = t;
  for (const c of chains) lines.push(chainLine(prefix, c));
  for (const s of [...sets, ...maps]) lines.push(`add ${s.kind} ${prefix} ${s.name} { ${s.spec} }`);
  for (const c of chains) for (const r of c.rules) lines.push(`add rule ${prefix} ${c.name} ${r}`);
  for (const s of [...sets, ...maps]) for (const e of s.elements) lines.push(`add element ${prefix} ${s.name} { ${e} }`);
  return `${lines.join('\n')}\n`;
}
