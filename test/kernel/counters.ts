/** Rule packet counters read back from a lab namespace, for kernel tests that check which rules a packet really hit. */

import assert from 'node:assert/strict';
import { run } from '../../src/cli/lab/kernel';

/** Packet counters by `table` and rule, as `iptables-save -c` prints them (a rule written twice sums). */
export function counters(ns: string): Map<string, number> {
  const saved = run(['ip', 'netns', 'exec', ns, 'iptables-save', '-c']);
  assert.equal(saved.status, 0, saved.stderr);
  const out = new Map<string, number>();
  let table = '';
  for (const line of saved.stdout.split('\n')) {
    if (line.startsWith('*')) table = line.slice(1);
    const m = /^\[(\d+):\d+\] (-A .*)$/.exec(line);
    if (m) out.set(`${table} ${m[2]}`, (out.get(`${table} ${m[2]}`) ?? 0) + Number(m[1]));
  }
  return out;
}
