/**
 * A restore payload read on demand. At 10,000 services a node's payload is some 400,000 lines,
 * and a walk meets a few dozen of them: the text is scanned once for where each chain's rules
 * start, and a chain's rules are parsed the first time a packet enters it, then kept. Parsed
 * chains are the same rules, text and line numbers `parseRestore` gives.
 */

import type { FlowKey } from '../trace/hooks';
import { parseRule, type Rule } from './rules';

/** The chains of one table, looked up by name; what the evaluator reads. */
export interface ChainLookup {
  get(chain: string): readonly Rule[] | undefined;
  /**
   * For a long chain kept unbuilt, the rules of `chain` that could match `flow` (a superset), in
   * chain order, each with its line; undefined to read the chain whole from `get`.
   */
  candidates?(chain: string, flow: FlowKey): readonly Rule[] | undefined;
}

/** Tables by name; a `RuleSet` is one. */
export interface RuleLookup {
  get(table: string): ChainLookup | undefined;
}

/** A payload's table, which also says which chains the payload declares. */
export interface PayloadTable extends ChainLookup {
  has(chain: string): boolean;
}

/** A payload nodes share: its tables, each read on demand. */
export interface PayloadRules extends RuleLookup {
  get(table: string): PayloadTable | undefined;
}

class LazyTable implements PayloadTable {
  /** Chain → its rules' start offsets and line numbers, interleaved. */
  readonly positions = new Map<string, number[]>();
  private readonly parsed = new Map<string, Rule[]>();
  constructor(private readonly text: string, private readonly name: string) {}

  /** Whether the payload declares or fills `chain`. */
  has(chain: string): boolean {
    return this.positions.has(chain);
  }

  get(chain: string): Rule[] | undefined {
    let rules = this.parsed.get(chain);
    if (rules) return rules;
    const at = this.positions.get(chain);
    if (!at) return undefined;
    rules = [];
    for (let i = 0; i < at.length; i += 2) {
      const start = at[i]!;
      const end = this.text.indexOf('\n', start);
      rules.push(parseRule(this.name, this.text.slice(start, end < 0 ? undefined : end), at[i + 1]));
    }
    this.parsed.set(chain, rules);
    return rules;
  }
}

/** A payload's tables, each chain parsed on first use. */
export class LazyPayload implements PayloadRules {
  private readonly tables = new Map<string, LazyTable>();

  constructor(text: string) {
    let table: LazyTable | undefined;
    let line = 1;
    for (let start = 0; start < text.length; line++) {
      let end = text.indexOf('\n', start);
      if (end < 0) end = text.length;
      const c = text.charCodeAt(start);
      if (c === 42 /* * */) {
        const name = text.slice(start + 1, end);
        table = this.tables.get(name);
        if (!table) this.tables.set(name, (table = new LazyTable(text, name)));
      } else if (table && (c === 58 /* : */ || (c === 45 /* - */ && text.startsWith('-A ', start)))) {
        const from = c === 58 ? start + 1 : start + 3;
        const space = text.indexOf(' ', from);
        const chain = text.slice(from, space < 0 || space > end ? end : space);
        let list = table.positions.get(chain);
        if (!list) table.positions.set(chain, (list = []));
        if (c === 45) list.push(start, line);
      }
      start = end + 1;
    }
  }

  get(table: string): LazyTable | undefined {
    return this.tables.get(table);
  }
}
