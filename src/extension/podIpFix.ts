import { codes, type Topology } from '../engine/index';
import { freeAddress } from './describe';

/** The loader's code for a pod IP outside its node's podCIDR (or the cluster CIDR). */
export const podOutsidePodCidrCode = codes.podOutsidePodCidr.code;

/** A replacement of the pod IP a diagnostic points at with a free address of the node's podCIDR. */
export interface PodIpFix {
  readonly ip: string;
  /** Offset of the IP inside the diagnostic's text. */
  readonly offset: number;
  readonly free: string;
  readonly title: string;
}

/**
 * The fix for one diagnostic, recognised by its code (messages are for people and may change):
 * the IP in the text the diagnostic spans, the pod it belongs to (by IP, else the pod defined
 * nearest above the line) and the first address of that pod's node's podCIDR no pod uses.
 */
export function podIpFix(code: unknown, text: string, line: number, topology: Topology): PodIpFix | undefined {
  if (codeOf(code) !== podOutsidePodCidrCode) return undefined;
  const match = /\d+\.\d+\.\d+\.\d+/.exec(text);
  if (!match) return undefined;
  const ip = match[0];
  const pod = topology.pods.find((p) => p.ip === ip) ?? podNear(topology.pods, line);
  const node = topology.nodes.find((n) => n.name === pod?.nodeName);
  if (!pod || !node) return undefined;
  // The pod's own last good address is not taken by anyone else: it may be offered back.
  const used = new Set(topology.pods.filter((p) => p !== pod).map((p) => p.ip));
  const free = freeAddress(node.podCIDR, used);
  if (!free) return undefined;
  return { ip, offset: match.index, free, title: `Use ${free}, a free address of ${node.name}'s podCIDR ${node.podCIDR}` };
}

function codeOf(code: unknown): unknown {
  return typeof code === 'object' && code !== null && 'value' in code ? (code as { value: unknown }).value : code;
}

function podNear<T extends { source: { line: number } }>(pods: readonly T[], line: number): T | undefined {
  let best: T | undefined;
  for (const p of pods) if (p.source.line <= line && (!best || p.source.line > best.source.line)) best = p;
  return best;
}
