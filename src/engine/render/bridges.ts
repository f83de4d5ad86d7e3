/** `brctl show` as bridge-utils prints it: tab-separated columns, one port per line. */

import type { BridgeDevice, NetNamespace } from '../dataplane/types';

const byName = (a: string, b: string): number => (a < b ? -1 : a > b ? 1 : 0);

/** bridge-utils reads bridges and their ports from sysfs with scandir(alphasort): both come out by name. */
export function bridgesByName(ns: NetNamespace): BridgeDevice[] {
  return ns.devices.filter((d): d is BridgeDevice => d.kind === 'bridge').sort((a, b) => byName(a.name, b.name));
}

export function renderBridges(ns: NetNamespace): string {
  const lines = ['bridge name\tbridge id\t\tSTP enabled\tinterfaces'];
  for (const d of bridgesByName(ns)) {
    const [first, ...rest] = [...d.ports].sort(byName);
    lines.push(`${d.name}\t\t${d.bridgeId}\t${d.stp ? 'yes' : 'no'}\t\t${first ?? ''}`);
    for (const port of rest) lines.push(`\t\t\t\t\t\t\t${port}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
