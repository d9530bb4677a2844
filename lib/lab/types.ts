// The algorithm lab's public shapes: what to compare (nodes, keys, a change) and the report for each hashing algorithm.
import type { Failure } from '../cluster/types';

/** A server as the lab sees it: a stable id and a relative weight (1 is one unit: `vnodes` ring points for Ringside). */
export interface LabNode {
  id: string;
  weight: number;
}

/** A key, with its value's size and how often it is requested when known (both default to unknown: balance by them is null). */
export interface LabKey {
  key: string;
  bytes?: number;
  requests?: number;
}

/** One membership change to try: add a node (weight 1 unless given), remove one, or re-weight one. */
export type LabChange = { add: string; weight?: number } | { remove: string } | { weight: string; to: number };

export interface LabRequest {
  nodes: readonly LabNode[];
  keys: readonly LabKey[];
  change?: LabChange;
  /** Ringside's ring points per unit of weight, as configured (default 160); bounded loads uses the same ring. */
  vnodes?: number;
  /** Further vnode counts to try Ringside's ring with, each reported as `ringside@N`. */
  tryVnodes?: readonly number[];
  /** Copies of each key, primary included (default 3). */
  replicas?: number;
  /** Only these algorithms (ids as in AlgorithmId, or `ringside@N`), in this order; default all. */
  algorithms?: readonly string[];
  /** Bounded loads' capacity over the fair load (default 1.25, the paper's example); from above 1 to 10. */
  capacityFactor?: number;
  /** Rounds of the lookup timing; the median is reported (default 3; 0 skips timing and reports null). */
  timingRounds?: number;
}

export type AlgorithmId = 'ringside' | 'ketama' | 'jump' | 'rendezvous' | 'maglev' | 'multi-probe' | 'bounded-loads';

/**
 * How uneven a load is: the largest node's load over its fair share (its weight's share of the total); 1 is
 * perfectly even. Null where the keys carry no such figure (no `bytes`, no `requests`).
 */
export interface Balance {
  /** Primary keys per node. */
  keys: number;
  /** Primary bytes per node. */
  bytes: number | null;
  /** Requests served per node, each key's requests going to its primary. */
  requests: number | null;
  /** Copies (primary and replicas) per node, against `min(replicas, nodes)` copies of every key shared by weight. */
  copies: number;
  /** Primary keys on each node, by id. */
  perNode: Record<string, number>;
}

export interface Movement {
  /** Keys whose primary moves. */
  moved: number;
  /** Copies made on nodes that did not hold the key before (primary and replicas). */
  copiesMoved: number;
}

/**
 * A change an algorithm cannot make directly, what it does instead and what that costs. Jump can only add or remove
 * buckets at the end: removing a node other than the last (`remove_not_last`) or lowering a weight (`weight_down`,
 * unless it is the last node's) leaves holes, which the last buckets fill (an indirection table from bucket to node).
 */
export interface Workaround {
  reason: 'remove_not_last' | 'weight_down';
  /** What the algorithm cannot do, and what it does instead, in words. */
  description: string;
  /** What the workaround moves: the report's `moved` and `copiesMoved`. */
  moved: number;
  copiesMoved: number;
  /** The other way out, renumbering from the new membership alone: the report's `rebuilt`. */
  rebuilt: Movement;
}

export interface AlgorithmReport extends Partial<Movement> {
  id: string;
  name: string;
  /** How replicas are chosen, and what the implementation assumes (weights, hashing). */
  notes: string;
  /** `current.keys`: the largest node's primary keys over its fair share, for the current membership. */
  balance: number;
  current: Balance;
  /** Balance after the change; absent without a change. */
  after?: Balance;
  /** The report's fair-share minimum of `moved` (the same for every algorithm; see LabReport): a yardstick, not a floor. */
  minimum?: number;
  minimumCopies?: number;
  /** Median time of one primary lookup (hashing the key included), in nanoseconds; null when timing was skipped. */
  lookupNs: number | null;
  /** Bytes of the lookup structure, from its arrays. */
  memoryBytes: number;
  /**
   * Algorithms whose structure remembers its history (jump's bucket numbering): what the change costs when the
   * structure is instead rebuilt from the new membership alone.
   */
  rebuilt?: Movement;
  /** Present when the algorithm cannot make the change directly (jump removing a node but the last, or lowering a weight). */
  workaround?: Workaround;
}

export interface LabReport {
  ok: true;
  nodes: LabNode[];
  /** The membership after the change, when there is one. */
  nodesAfter?: LabNode[];
  change?: LabChange;
  keys: number;
  replicas: number;
  vnodes: number;
  /**
   * The fair-share minimum: each node's fair share of the keys (its weight over the total) before and after, summed
   * over the nodes whose share grows; what the change moves when every node holds its fair share before and after.
   * An add: the new node's even share; a remove: the removed node's. `copies` is the same over `min(replicas,
   * nodes)` copies of every key. Not a floor: an algorithm whose shares are off (a node that loses keys holding less
   * than its share, or one that gains keys taking less) moves fewer.
   */
  minimum?: { primaries: number; copies: number };
  algorithms: Record<string, AlgorithmReport>;
}

export type LabResult = LabReport | Failure;
