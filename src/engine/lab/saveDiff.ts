/**
 * `iptables-save` read back from a lab node against `rules --format save` for that node. The
 * kernel also holds the CNI's rules (loaded beside kube-proxy's so the walk and the kernel agree);
 * those lines are set aside first, then the rest must equal the rendering line for line, in order.
 * Pure: two texts in, the differing lines out.
 */

export interface SaveDifference {
  /** `missing`: rendered but not in the kernel; `unexpected`: in the kernel but not rendered. */
  readonly kind: 'missing' | 'unexpected';
  readonly line: string;
  /** 1-based line in the text it comes from (the rendering for missing, the read-back for unexpected). */
  readonly at: number;
}

export interface SaveIgnore {
  /** Whole `-A …` lines another daemon added. */
  readonly rules: ReadonlySet<string>;
  /** Chains another daemon created (`:NAME - [0:0]` lines). */
  readonly chains: ReadonlySet<string>;
}

/** iptables-save's comment lines and counters are not the rule set; the CNI's own lines are not kube-proxy's. */
export function normaliseSave(text: string, ignore?: SaveIgnore): string[] {
  return text
    .split('\n')
    .filter((l) => l !== '' && !l.startsWith('#'))
    .map((l) => (l.startsWith(':') ? l.replace(/\[\d+:\d+\]$/, '[0:0]') : l))
    .filter((l) => !ignore || !(ignore.rules.has(l) || (l.startsWith(':') && ignore.chains.has(l.slice(1).split(' ')[0]!))));
}

/** A line diff (longest common subsequence), so a rule out of order shows as one missing and one unexpected line. */
export function diffSave(expected: string, kernel: string, ignore?: SaveIgnore): SaveDifference[] {
  const a = normaliseSave(expected);
  const b = normaliseSave(kernel, ignore);
  const n = a.length;
  const m = b.length;
  // Suffix LCS lengths; lab topologies hold hundreds of lines, so the table stays small.
  const lcs = Array.from({ length: n + 1 }, () => new Uint32Array(m + 1));
  for (let i = n - 1; i >= 0; i--) for (let j = m - 1; j >= 0; j--) lcs[i]![j] = a[i] === b[j] ? lcs[i + 1]![j + 1]! + 1 : Math.max(lcs[i + 1]![j]!, lcs[i]![j + 1]!);
  const out: SaveDifference[] = [];
  let i = 0;
  let j = 0;
  while (i < n || j < m) {
    if (i < n && j < m && a[i] === b[j]) {
      i++;
      j++;
    } else if (j < m && (i === n || lcs[i]![j + 1]! >= lcs[i + 1]![j]!)) {
      out.push({ kind: 'unexpected', line: b[j]!, at: j + 1 });
      j++;
    } else {
      out.push({ kind: 'missing', line: a[i]!, at: i + 1 });
      i++;
    }
  }
  return out;
}
