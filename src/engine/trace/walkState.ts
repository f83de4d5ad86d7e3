/**
 * What the walk's parts share: where the packet is, the walk's running state, and the two ends a
 * part returns (an outcome that ends the walk, or a crossing into the next namespace).
 */

import type { Dataplane, NetNamespace, Route } from '../dataplane/types';
import type { Pod, Topology } from '../model/types';
import type { ConntrackEntry } from './conntrack';
import type { NetfilterHook, PolicyHook } from './hooks';
import type { Encapsulation, Packet } from './packet';
import type { Disposition, EthHeader, Hop, Step } from './types';

export interface WalkContext {
  readonly topology: Topology;
  readonly dataplane: Dataplane;
  readonly netfilter: NetfilterHook;
  readonly policy: PolicyHook;
  /** Pods by IP (not hostNetwork), for policy peers and delivery labels. */
  readonly podByIp: ReadonlyMap<string, Pod>;
  /** Which endpoint a load-balanced service choice follows, or the seed of a reproducible pick. */
  readonly endpointIndex?: number;
  readonly endpointSeed?: number;
}

/** Where the packet is: a namespace, entered by `inDev` (absent where it was sent from). */
export interface Position {
  readonly ns: NetNamespace;
  readonly inDev?: string;
  readonly packet: Packet;
  /** An encapsulated packet arriving on the underlay, still to be decapsulated. */
  readonly encap?: Encapsulation;
  /** A frame a bridge port sent up to the bridge itself: the port and the frame, for br_netfilter's bridged DNAT. */
  readonly bridged?: BridgedFrame;
}

export interface BridgedFrame {
  readonly port: string;
  readonly eth: EthHeader;
}

/**
 * Sending out a device, which the walk owns: bridging reaches it (a promiscuous bridge's copy is
 * routed and sent, a vport's frame goes in an outer packet) while the walk reaches bridging, so it
 * is handed in rather than imported.
 */
export interface Sender {
  /** Out the route's device; encapsulating devices add the outer packet and send that. */
  transmit(state: WalkState, ns: NetNamespace, inDev: string | undefined, route: Route, p: Packet, steps: Step[]): Outcome | Crossing;
  /** An outer packet, routed from this namespace onto the underlay. */
  sendOuter(state: WalkState, ns: NetNamespace, inDev: string | undefined, inner: Packet, encap: Encapsulation, steps: Step[]): Outcome | Crossing;
}

export interface WalkState {
  readonly ctx: WalkContext;
  readonly send: Sender;
  readonly hops: Hop[];
  readonly seen: Set<string>;
  readonly conntrack: ConntrackEntry[];
  /** On a reply leg: the request's NAT entries, reversed where the reply meets them. */
  readonly reverse?: readonly ConntrackEntry[];
  egressChecked: boolean;
  mark: number;
  /** The packet as the destination received it, and where. */
  delivered?: { readonly packet: Packet; readonly ns: NetNamespace };
}

/** `hops`: links the packet crossed on the way to this end that are not yet in the trace (bridged links, an underlay hop). */
export type Outcome = { readonly done: true; readonly disposition: Disposition; readonly final: Step[]; readonly hops?: readonly Hop[] };

/** Where a frame came out after crossing devices, with the hops it made on the way. */
export type Crossing = { readonly next: Position; readonly hops: readonly Hop[] };

/** The hops of `first`, then the outcome or crossing that followed it. */
export function after(first: Hop, rest: Outcome | Crossing): Outcome | Crossing {
  return { ...rest, hops: [first, ...(rest.hops ?? [])] };
}

export function finish(disposition: Disposition, final: Step[]): Outcome {
  return { done: true, disposition, final };
}

export function isOutcome<T extends object>(x: T | Outcome): x is Outcome {
  return 'done' in x;
}
