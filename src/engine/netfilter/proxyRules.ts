/**
 * A node's iptables-mode kube-proxy rules built as a walk needs them, over the payload's layout
 * (../proxy/layout): a service port's rules are written and parsed the first time a packet comes
 * near them, each with the line `renderRestore` gives it. The long chains every service port adds
 * to (KUBE-SERVICES, KUBE-NODEPORTS…) answer a packet with the rules of the service ports its
 * destination address, protocol and port name, and are built whole only when read whole.
 */

import { ipToNum } from '../net/ipv4';
import { iptablesLayout, isSharedChain, type IptablesLayout, type IptablesTable } from '../proxy/layout';
import type { NodeInfo, Topology } from '../model/types';
import type { FlowKey } from '../trace/hooks';
import type { PayloadRules, PayloadTable } from './payload';
import { parseRule, type Rule } from './rules';

/** One service port's rules, parsed with their lines, by table and chain. */
type PortRules = Map<IptablesTable, Map<string, Rule[]>>;

class ProxyTable implements PayloadTable {
  /** Chains read whole. */
  private readonly chains = new Map<string, Rule[]>();
  /** The head and tail rules of shared chains, parsed. */
  private readonly ends = new Map<string, { head: Rule[]; tail: Rule[] }>();

  constructor(private readonly owner: ProxyRules, private readonly name: IptablesTable) {}

  has(chain: string): boolean {
    return this.owner.layout.declares(this.name, chain);
  }

  get(chain: string): readonly Rule[] | undefined {
    let rules = this.chains.get(chain);
    if (rules) return rules;
    const layout = this.owner.layout;
    if (isSharedChain(this.name, chain)) {
      const { head, tail } = this.endsOf(chain);
      rules = [...head];
      for (let i = 0; i < layout.ports.length; i++) rules.push(...(this.owner.port(i).get(this.name)?.get(chain) ?? []));
      rules.push(...tail);
    } else if (layout.fixedRules(this.name, chain)) {
      const { head, tail } = this.endsOf(chain);
      rules = [...head, ...tail];
    } else {
      const port = layout.ownerOf(this.name, chain);
      if (port < 0) return undefined;
      rules = this.owner.port(port).get(this.name)?.get(chain) ?? [];
    }
    this.chains.set(chain, rules);
    return rules;
  }

  candidates(chain: string, flow: FlowKey): readonly Rule[] | undefined {
    if (this.chains.has(chain) || !isSharedChain(this.name, chain)) return undefined;
    const { head, tail } = this.endsOf(chain);
    const out = [...head];
    for (const i of this.owner.portsFor(flow)) out.push(...(this.owner.port(i).get(this.name)?.get(chain) ?? []));
    out.push(...tail);
    return out;
  }

  private endsOf(chain: string): { head: Rule[]; tail: Rule[] } {
    let ends = this.ends.get(chain);
    if (!ends) {
      const layout = this.owner.layout;
      const fixed = layout.fixedRules(this.name, chain)!;
      const start = layout.chainStart(this.name, chain)!;
      const tailStart = isSharedChain(this.name, chain) ? layout.portStart(this.name, chain, layout.ports.length) : start + fixed.head.length;
      ends = {
        head: fixed.head.map((text, j) => parseRule(this.name, text, start + j)),
        tail: fixed.tail.map((text, j) => parseRule(this.name, text, tailStart + j)),
      };
      this.ends.set(chain, ends);
    }
    return ends;
  }
}

/** A node's kube-proxy rules over its payload's layout, built chain by chain; nodes with one payload share it. */
export class ProxyRules implements PayloadRules {
  private readonly tables: Map<string, ProxyTable>;
  private readonly built = new Map<number, PortRules>();
  private index?: PortIndex;

  constructor(readonly layout: IptablesLayout) {
    this.tables = new Map((['filter', 'nat'] as const).map((t) => [t, new ProxyTable(this, t)]));
  }

  get(table: string): ProxyTable | undefined {
    return this.tables.get(table);
  }

  /** How many service ports' rules have been written so far. */
  builtPorts(): number {
    return this.built.size;
  }

  /** Service port `i`'s rules, written and parsed on first use. */
  port(i: number): PortRules {
    let rules = this.built.get(i);
    if (rules) return rules;
    const layout = this.layout;
    rules = new Map();
    const written = layout.write(i);
    for (const table of ['filter', 'nat'] as const) {
      const chains = new Map<string, Rule[]>();
      for (const [chain, blocks] of written[table].rules) {
        const start = isSharedChain(table, chain) ? layout.portStart(table, chain, i) : layout.chainStart(table, chain)!;
        const list: Rule[] = [];
        for (const block of blocks) for (const text of block.split('\n')) list.push(parseRule(table, text, start + list.length));
        chains.set(chain, list);
      }
      rules.set(table, chains);
    }
    this.built.set(i, rules);
    return rules;
  }

  /**
   * The service ports whose rules in a shared chain could match `flow`, in order: each such rule
   * demands a protocol and destination port, and either one destination address (cluster,
   * external and load-balancer IPs) or none (node ports, health checks).
   */
  portsFor(flow: FlowKey): readonly number[] {
    const proto = PROTOCOLS.indexOf(flow.proto);
    if (proto < 0) return [];
    const index = (this.index ??= this.buildIndex());
    const exact = index.byAddress.get(addressKey(ipToNum(flow.dst), proto, flow.dport)) ?? [];
    const port = index.byPort.get(portKey(proto, flow.dport)) ?? [];
    if (port.length === 0) return exact;
    if (exact.length === 0) return port;
    return [...new Set([...exact, ...port])].sort((a, b) => a - b);
  }

  private buildIndex(): PortIndex {
    const index: PortIndex = { byAddress: new Map(), byPort: new Map() };
    const add = (map: Map<number, number[]>, key: number, i: number): void => {
      const list = map.get(key);
      if (!list) map.set(key, [i]);
      else if (list[list.length - 1] !== i) list.push(i);
    };
    this.layout.ports.forEach((sp, i) => {
      const proto = PROTOCOLS.indexOf(sp.protocol);
      add(index.byAddress, addressKey(ipToNum(sp.clusterIP), proto, sp.port.port), i);
      for (const ip of sp.externalIPs) add(index.byAddress, addressKey(ipToNum(ip), proto, sp.port.port), i);
      for (const ip of sp.loadBalancerVIPs) add(index.byAddress, addressKey(ipToNum(ip), proto, sp.port.port), i);
      if (sp.nodePort !== 0) add(index.byPort, portKey(proto, sp.nodePort), i);
      if (sp.healthCheckNodePort !== 0) add(index.byPort, portKey(0, sp.healthCheckNodePort), i);
    });
    return index;
  }
}

/** The protocols a service port speaks, numbered for the index's keys (health checks are tcp, 0). */
const PROTOCOLS: readonly string[] = ['tcp', 'udp', 'sctp'];

/** Service ports by destination, keyed by numbers (at most 2^50, exact as doubles). */
interface PortIndex {
  /** address, protocol and port → the service ports with a rule for them. */
  readonly byAddress: Map<number, number[]>;
  /** protocol and port → the service ports with a rule for any address on them. */
  readonly byPort: Map<number, number[]>;
}

const portKey = (proto: number, port: number): number => port * 4 + proto;
const addressKey = (address: number, proto: number, port: number): number => address * 262144 + portKey(proto, port);

/** `node`'s rules built on demand, or undefined where only the payload's full text gives them (see iptablesLayout). */
export function proxyRules(topology: Topology, node: NodeInfo): ProxyRules | undefined {
  const layout = iptablesLayout(topology, node);
  return layout && new ProxyRules(layout);
}
