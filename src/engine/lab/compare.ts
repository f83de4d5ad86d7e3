/**
 * A predicted hop against a captured packet, field by field. The fields the kernel chooses at
 * random are not compared (docs/kernel-facts.md): a VXLAN outer source port is only checked to lie
 * in the ephemeral range, and a port rewritten by `MASQUERADE --random-fully` is skipped.
 */

import type { Header, HeaderStack } from '../trace/types';

export interface FieldDifference {
  /** `headers[4].ttl`, or `layers` when the stacks differ in shape. */
  readonly field: string;
  readonly predicted: string;
  readonly captured: string;
}

export interface CompareOptions {
  /** Fields left out, as `layer.field` (`tcp.sport` after a random-fully MASQUERADE). */
  readonly skip?: ReadonlySet<string>;
  /** The ephemeral range a VXLAN source port is hashed into (net.ipv4.ip_local_port_range). */
  readonly portRange?: readonly [number, number];
}

const defaultRange: readonly [number, number] = [32768, 60999];

/** Fields a capture cannot show or the walk does not predict. */
const neverCompared = new Set(['arp.targetMac', 'arp.targetIp', 'icmp.id', 'icmp.seq']);

export function layersOf(stack: HeaderStack): string {
  return stack.map((h) => h.layer).join(',');
}

export function compareStacks(predicted: HeaderStack, captured: HeaderStack, options: CompareOptions = {}): FieldDifference[] {
  if (layersOf(predicted) !== layersOf(captured)) return [{ field: 'layers', predicted: layersOf(predicted), captured: layersOf(captured) }];
  const range = options.portRange ?? defaultRange;
  const diffs: FieldDifference[] = [];
  predicted.forEach((p, i) => {
    const c = captured[i]! as unknown as Record<string, unknown>;
    const tunnelPort = p.layer === 'udp' && predicted[i + 1]?.layer === 'vxlan';
    for (const [field, value] of Object.entries(p as Header)) {
      if (field === 'layer' || value === undefined) continue;
      const key = `${p.layer}.${field}`;
      if (neverCompared.has(key) || options.skip?.has(key)) continue;
      if (tunnelPort && field === 'sport') {
        const port = Number(c[field]);
        if (port < range[0] || port > range[1]) diffs.push({ field: `headers[${i}].sport`, predicted: `${range[0]}-${range[1]}`, captured: String(port) });
        continue;
      }
      if (String(c[field]) !== String(value)) diffs.push({ field: `headers[${i}].${field}`, predicted: String(value), captured: String(c[field]) });
    }
  });
  return diffs;
}

/** The captured packet closest to the prediction (same shape, fewest differing fields), and how it differs. */
export function bestMatch(predicted: HeaderStack, captures: readonly HeaderStack[], options: CompareOptions = {}): { captured?: HeaderStack; differences: FieldDifference[] } {
  let best: { captured?: HeaderStack; differences: FieldDifference[] } | undefined;
  for (const c of captures) {
    const differences = compareStacks(predicted, c, options);
    if (!best || differences.length < best.differences.length || (best.differences[0]?.field === 'layers' && differences[0]?.field !== 'layers')) best = { captured: c, differences };
    if (differences.length === 0) break;
  }
  return best ?? { differences: [{ field: 'packet', predicted: layersOf(predicted), captured: 'nothing captured' }] };
}
