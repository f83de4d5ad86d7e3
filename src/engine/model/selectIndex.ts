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

  /**
   * The same index over a list where `old` was replaced by `next`, as after an edit to one pod: the
   * new item takes its place in each list by `order` (file order). Unchanged lists are shared.
   */
  replaced(old: T, next: T, order: (item: T) => number): SelectorIndex<T> {
    const copy = new SelectorIndex<T>([]);
    for (const [k, v] of this.byLabel) copy.byLabel.set(k, v);
    for (const [k, v] of this.byNamespace) copy.byNamespace.set(k, v);
    const without = (map: Map<string, T[]>, k: string): void => {
      const list = map.get(k);
      if (list) map.set(k, list.filter((x) => x !== old));
    };
    const within = (map: Map<string, T[]>, k: string): void => {
      const list = [...(map.get(k) ?? [])];
      const rank = order(next);
      let lo = 0;
      let hi = list.length;
      while (lo < hi) {
        const mid = (lo + hi) >> 1;
        if (order(list[mid]!) < rank) lo = mid + 1;
        else hi = mid;
      }
      list.splice(lo, 0, next);
      map.set(k, list);
    };
    without(copy.byNamespace, old.namespace);
    for (const k in old.labels) without(copy.byLabel, key(old.namespace, k, old.labels[k]!));
    within(copy.byNamespace, next.namespace);
    for (const k in next.labels) within(copy.byLabel, key(next.namespace, k, next.labels[k]!));
    return copy;
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
