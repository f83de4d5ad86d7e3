/**
 * Longest-prefix match over IPv4. One hash map per prefix length that is present, probed from the
 * longest down: at most 33 map lookups per query, whatever the table size, and no per-bit nodes.
 */

import { maskOf, type Cidr } from './cidr';

export class LpmTable<T> {
  private readonly byLength = new Map<number, Map<number, T[]>>();
  /** Present lengths, longest first. */
  private lengths: number[] = [];

  insert(prefix: Cidr, value: T): void {
    let level = this.byLength.get(prefix.prefix);
    if (!level) {
      level = new Map();
      this.byLength.set(prefix.prefix, level);
      this.lengths = [...this.byLength.keys()].sort((a, b) => b - a);
    }
    const bucket = level.get(prefix.base);
    if (bucket) bucket.push(value);
    else level.set(prefix.base, [value]);
  }

  /** Every value stored under the longest prefix covering `address`, in insertion order. */
  lookup(address: number): readonly T[] {
    for (const length of this.lengths) {
      const bucket = this.byLength.get(length)?.get((address & maskOf(length)) >>> 0);
      if (bucket) return bucket;
    }
    return [];
  }

  /** Every bucket covering `address`, longest prefix first. */
  *matches(address: number): Generator<readonly T[]> {
    for (const length of this.lengths) {
      const bucket = this.byLength.get(length)?.get((address & maskOf(length)) >>> 0);
      if (bucket) yield bucket;
    }
  }
}
