// A lab report in words, the same on the page, in the shell and in the docs: the change, and who moved less than the fair-share minimum.
import type { AlgorithmReport, LabChange, LabNode, LabReport } from './types';

/** The change in words: `add d (weight 1)`, `remove b`, `weight of c from 2 to 3`. */
export function describeChange(change: LabChange | undefined, nodes: readonly LabNode[]): string {
  if (!change) return 'no change';
  if ('add' in change) return `add ${change.add} (weight ${change.weight ?? 1})`;
  if ('remove' in change) return `remove ${change.remove}`;
  const from = nodes.find((n) => n.id === change.weight)?.weight;
  return `weight of ${change.weight} ${from === undefined ? '' : `from ${from} `}to ${change.to}`;
}

/**
 * The algorithms that moved fewer primaries than the fair-share minimum. The minimum is what a placement must move
 * to end at every node's fair share, not a floor: on a small key set an algorithm can move fewer by ending less
 * even than that (its `after` balance says by how much).
 */
export function belowMinimum(report: LabReport): AlgorithmReport[] {
  return Object.values(report.algorithms).filter((a) => a.moved !== undefined && a.minimum !== undefined && a.moved < a.minimum);
}
