/**
 * What `lab up` made, kept on disk so `lab down` removes exactly that, and nothing else, even after a
 * crash: the state is written before the first namespace exists, and every name carries the prefix,
 * so anything left behind is found by prefix too.
 */

import { mkdirSync, readFileSync, renameSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { firstSourcePort } from '../../engine/index';
import { namespacesWithPrefix, run } from './kernel';

export interface LabState {
  readonly cluster: string;
  readonly file: string;
  readonly prefix: string;
  readonly namespaces: readonly string[];
  /** Model namespace id → kernel namespace name. */
  readonly netns: Readonly<Record<string, string>>;
  /** The next source port no probe in this lab has used (absent until the first verify). */
  readonly nextSport?: number;
}

export const stateDir = process.env.PACKETWALK_LAB_STATE ?? '/run/packetwalk-lab';

/** One file per cluster and prefix: two labs of one cluster under different prefixes never share state. */
function statePath(cluster: string, prefix: string): string {
  return join(stateDir, `${`${cluster}.${prefix}`.replace(/[^A-Za-z0-9_.-]/g, '_')}.json`);
}

export function writeState(state: LabState): string {
  mkdirSync(stateDir, { recursive: true });
  const path = statePath(state.cluster, state.prefix);
  // Written aside and renamed, so a reader never sees half a record.
  writeFileSync(`${path}.tmp`, `${JSON.stringify(state, null, 2)}\n`);
  renameSync(`${path}.tmp`, path);
  return path;
}

/**
 * Takes `count` source ports no earlier probe in this lab used and records them as used; returns
 * the first. Every verify against a lab that stays up sends from fresh ports this way, so the
 * socket a finished probe leaves in TIME-WAIT never holds the port the next one binds.
 */
export function claimSourcePorts(state: LabState, count: number): number {
  const first = firstSourcePort(state.nextSport, count);
  writeState({ ...state, nextSport: first + count });
  return first;
}

export function readState(cluster: string, prefix: string): LabState | undefined {
  try {
    return JSON.parse(readFileSync(statePath(cluster, prefix), 'utf8')) as LabState;
  } catch {
    return undefined;
  }
}

/** Deletes the recorded namespaces and any other with the prefix; returns the names removed. */
export function teardown(cluster: string, prefix: string): string[] {
  const state = readState(cluster, prefix);
  const names = new Set([...(state?.namespaces ?? []), ...namespacesWithPrefix(prefix)]);
  const removed: string[] = [];
  for (const n of names) {
    if (!n.startsWith(prefix)) continue;
    if (run(['ip', 'netns', 'del', n]).status === 0) removed.push(n);
  }
  rmSync(statePath(cluster, prefix), { force: true });
  return removed;
}
