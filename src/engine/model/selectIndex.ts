/**
 * Pods by namespace and label, so a Service's selector is matched against the pods carrying its
 * rarest label rather than against every pod: selection stays linear in the matches, not in
 * services × pods.
 */

export interface Labelled {
  readonly namespace: string;
  readonly labels: Readonly<Record<string, string>>;
}

/** Lists of items by label value, by label name: one namespace's part of the index. */
type LabelMap<T> = Map<string, Map<string, T[]>>;

export class SelectorIndex<T extends Labelled> {
  // Nested by namespace, label and value rather than keyed by a joined string: building the
  // index over 150,000 pods then makes no string per label.
  private byLabel = new Map<string, LabelMap<T>>();
  private byNamespace = new Map<string, T[]>();

  constructor(items: readonly T[]) {
    for (const item of items) {
      push(this.byNamespace, item.namespace, item);
      let labels = this.byLabel.get(item.namespace);
      if (!labels) this.byLabel.set(item.namespace, (labels = new Map()));
      for (const k in item.labels) {
        let values = labels.get(k);
        if (!values) labels.set(k, (values = new Map()));
        push(values, item.labels[k]!, item);
      }
    }
  }

  /**
   * The same index over a list where `old` was replaced by `next`, as after an edit to one pod: the
   * new item takes its place in each list by `order` (file order). Unchanged maps and lists are shared.
   */
  replaced(old: T, next: T, order: (item: T) => number): SelectorIndex<T> {
    const copy = new SelectorIndex<T>([]);
    copy.byNamespace = new Map(this.byNamespace);
    copy.byLabel = new Map(this.byLabel);
    // Maps of this copy's own, made on the first change below them: the originals stay as they were.
    const own = new Set<Map<string, unknown>>();
    const values = (namespace: string, label: string): Map<string, T[]> => {
      let labels = copy.byLabel.get(namespace);
      if (!labels || !own.has(labels)) {
        copy.byLabel.set(namespace, (labels = new Map(labels)));
        own.add(labels);
      }
      let vals = labels.get(label);
      if (!vals || !own.has(vals)) {
        labels.set(label, (vals = new Map(vals)));
        own.add(vals);
      }
      return vals;
    };
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
    for (const k in old.labels) without(values(old.namespace, k), old.labels[k]!);
    within(copy.byNamespace, next.namespace);
    for (const k in next.labels) within(values(next.namespace, k), next.labels[k]!);
    return copy;
  }

  /** Items of `namespace` whose labels include every pair of `selector`, in their original order; an empty selector selects all. */
  select(namespace: string, selector: Readonly<Record<string, string>>): readonly T[] {
    let smallest: readonly T[] | undefined = this.byNamespace.get(namespace) ?? [];
    const labels = this.byLabel.get(namespace);
    for (const k in selector) {
      const list = labels?.get(k)?.get(selector[k]!) ?? [];
      if (list.length < smallest.length) smallest = list;
    }
    return smallest.filter((item) => {
      for (const k in selector) if (item.labels[k] !== selector[k]) return false;
      return true;
    });
  }
}

function push<T>(map: Map<string, T[]>, k: string, v: T): void {
  const list = map.get(k);
  if (list) list.push(v);
  else map.set(k, [v]);
}
