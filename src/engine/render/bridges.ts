/** `brctl show` as bridge-utils prints it: tab-separated columns, one port per line. */

import type { NetNamespace } from '../dataplane/types';

export function renderBridges(ns: NetNamespace): string {
  const lines = ['bridge name\tbridge id\t\tSTP enabled\tinterfaces'];
  for (const d of ns.devices) {
    if (d.kind !== 'bridge') continue;
    const [first, ...rest] = d.ports;
    lines.push(`${d.name}\t\t${d.bridgeId}\t${d.stp ? 'yes' : 'no'}\t\t${first ?? ''}`);
    for (const port of rest) lines.push(`\t\t\t\t\t\t\t${port}`);
  }
  return lines.map((l) => `${l}\n`).join('');
}
