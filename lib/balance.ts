// Balance figures: each node's share of the ring and of the keys, and how far the largest is from even.
import type { Ring } from './ring';

const RING_SIZE = 2 ** 32;

/** Fraction of the hash space each node owns as primary (sums to 1). */
export function ringShares(ring: Ring): Record<string, number> {
  const shares: Record<string, number> = Object.fromEntries(ring.nodes.map((n) => [n.id, 0]));
  const { positions, owners } = ring;
  const total = positions.length;
  for (let v = 0; v < total; v++) {
    // A vnode owns the arc after its predecessor up to itself; the first one wraps round from the last.
    const previous = v === 0 ? positions[total - 1] - RING_SIZE : positions[v - 1];
    shares[ring.nodes[owners[v]].id] += (total === 1 ? RING_SIZE : positions[v] - previous) / RING_SIZE;
  }
  return shares;
}

export interface Spread {
  /** Largest count over the mean: 1 is perfectly even. */
  maxOverMean: number;
  /** Standard deviation over the mean (coefficient of variation). */
  relativeDeviation: number;
  mean: number;
  max: number;
  min: number;
}

export function spreadOf(values: readonly number[]): Spread {
  if (values.length === 0) return { maxOverMean: 0, relativeDeviation: 0, mean: 0, max: 0, min: 0 };
  const mean = values.reduce((a, b) => a + b, 0) / values.length;
  const max = Math.max(...values);
  const min = Math.min(...values);
  const variance = values.reduce((sum, v) => sum + (v - mean) ** 2, 0) / values.length;
  return {
    maxOverMean: mean === 0 ? 0 : max / mean,
    relativeDeviation: mean === 0 ? 0 : Math.sqrt(variance) / mean,
    mean,
    max,
    min,
  };
}

export interface KeyCounts {
  primary: Record<string, number>;
  replica: Record<string, number>;
}

/** How many keys each node should hold as primary and as a further replica, by the ring alone. */
export function placementCounts(ring: Ring, preferenceLists: Iterable<readonly string[]>): KeyCounts {
  const primary: Record<string, number> = Object.fromEntries(ring.nodes.map((n) => [n.id, 0]));
  const replica: Record<string, number> = { ...primary };
  for (const list of preferenceLists) {
    list.forEach((id, rank) => {
      if (rank === 0) primary[id]++;
      else replica[id]++;
    });
  }
  return { primary, replica };
}
