/**
 * A fixed-size set of small integers (endpoint indexes). Peer matches are computed once per rule
 * as bitsets, so a verdict for a pair is a bit test and a whole row is a word-wise OR.
 */
export class Bitset {
  readonly words: Uint32Array;

  constructor(readonly size: number) {
    this.words = new Uint32Array((size + 31) >>> 5);
  }

  static full(size: number): Bitset {
    const b = new Bitset(size);
    b.words.fill(0xffffffff);
    const tail = size & 31;
    if (tail !== 0) b.words[b.words.length - 1] = (1 << tail) - 1;
    return b;
  }

  add(i: number): void {
    this.words[i >>> 5]! |= 1 << (i & 31);
  }

  has(i: number): boolean {
    return (this.words[i >>> 5]! & (1 << (i & 31))) !== 0;
  }

  /** Calls `fn` with each member in increasing order, a word at a time: a sparse set over many endpoints costs its words, not its size. */
  forEach(fn: (i: number) => void): void {
    const w = this.words;
    for (let k = 0; k < w.length; k++) {
      for (let word = w[k]!; word !== 0; word &= word - 1) fn((k << 5) + 31 - Math.clz32(word & -word));
    }
  }

  /** this |= other */
  or(other: Bitset): void {
    const w = this.words;
    const o = other.words;
    for (let i = 0; i < w.length; i++) w[i]! |= o[i]!;
  }

  /** this |= a & b */
  orAnd(a: Bitset, b: Bitset): void {
    const w = this.words;
    for (let i = 0; i < w.length; i++) w[i]! |= a.words[i]! & b.words[i]!;
  }
}
