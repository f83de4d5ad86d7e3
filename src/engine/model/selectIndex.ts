/**
 * Pods by namespace and label, so a Service's selector is matched against the pods carrying its
 * rarest label rather than against every pod: selection stays linear in the matches, not in
 * services × pods.
 */

export interface Labelled {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

export class SelectorIndex<T extends Labelled> {
  private readonly byLabel = new Map<string, T[]>();
  private readonly byNamespace = new Map<string, T[]>();

  constructor(items: readonly T[]) {
    for (const item of items) {
      push(this.byNamespace, item.namespace, item);
      for (const k in item.labels) push(this.byLabel, key(item.namespace, k, item.labels[k]!), item);
    }
  }

  /** Items of `namespace` whose labels include every pair of `selector`, in their original order; an empty selector selects all. */
  select(namespace: string, selector: Readonly<Record<string, string>>): readonly T[] {
    let smallest: readonly T[] | undefined = this.byNamespace.get(namespace) ?? [];
    for (const k in selector) {
      const list = this.byLabel.get(key(namespace, k, selector[k]!)) ?? [];
      if (list.length < smallest.length) smallest = list;
    }
    return smallest.filter((item) => {
      for (const k in selector) if (item.labels[k] !== selector[k]) return false;
      return true;
    });
  }
}

function key(namespace: string, label: string, value: string): string {
  return `${namespace}\u0000${label}\u0000${value}`;
}

function push<T>(map: Map<string, T[]>, k: string, v: T): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
