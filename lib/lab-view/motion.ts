// One algorithm's placement of a key set before and after a change, shaped for the lab's animation: ring points, keys and where each goes.
import type { Failure } from '../cluster/types';
import { keyPosition } from '../hash';
import { traceChange, type LabRequest, type TracedPlacement } from '../lab';

/** Points on the hash ring: each position with its owner, an index into LabMotion.nodes. */
export interface RingPoints {
  positions: number[];
  owners: number[];
}

/**
 * A key of the sample: where it stands on the ring before and after (its hash; on multi-probe, the probe that won
 * it, which the change may alter), its primary before and after, and the position of the point that took it in each.
 */
export interface MotionKey {
  key: string;
  position: number;
  positionAfter: number;
  from: number;
  to: number;
  fromPoint: number;
  toPoint: number;
}

export interface LabMotion {
  ok: true;
  algorithm: string;
  /** Ring-like algorithms place keys by points on the hash ring, drawn as a ring; the others as bars per node. */
  ring: boolean;
  /** Node ids of both memberships, the indexes every other field uses. */
  nodes: string[];
  before: RingPoints | null;
  after: RingPoints | null;
  /** At most `sample` keys, spread evenly over the key set, in its order. */
  keys: MotionKey[];
  /** Over every key: how many there are, how many change primary, and primaries per node (0 where absent). */
  total: number;
  moved: number;
  perNode: { id: string; before: number; after: number; inBefore: boolean; inAfter: boolean }[];
}

/** Plain arrays, for the browser. */
const plain = (side: TracedPlacement): RingPoints | null => (side.ring ? { positions: [...side.ring.points.positions], owners: [...side.ring.points.owners] } : null);

/** Where key `k` stands and the position of the point that took it; without a ring, its hash for both. */
function spot(side: TracedPlacement, k: number, key: string): { at: number; point: number } {
  if (!side.ring) return { at: keyPosition(key), point: keyPosition(key) };
  return { at: side.ring.entry(k), point: side.ring.points.positions[side.ring.taken[k]] };
}

/** The picked algorithm's placement of `request.keys` before and after `request.change`, with `sample` keys listed. */
export function labMotion(request: LabRequest, algorithm: string, sample = 3000): LabMotion | Failure {
  const trace = traceChange(request, algorithm);
  if (!trace.ok) return trace;
  const { before, after, nodes } = trace;
  const count = trace.keys.length;
  const stride = Math.max(1, count / Math.max(1, sample));
  const keys: MotionKey[] = [];
  for (let i = 0; i < count && keys.length < sample; i++) {
    const k = Math.floor(i * stride);
    if (k >= count) break;
    const key = trace.keys[k].key;
    const from = spot(before, k, key);
    const to = spot(after, k, key);
    keys.push({ key, position: from.at, positionAfter: to.at, from: before.primaries[k], to: after.primaries[k], fromPoint: from.point, toPoint: to.point });
  }
  let moved = 0;
  const countsBefore = new Array<number>(nodes.length).fill(0);
  const countsAfter = new Array<number>(nodes.length).fill(0);
  for (let k = 0; k < count; k++) {
    if (before.primaries[k] !== after.primaries[k]) moved++;
    countsBefore[before.primaries[k]]++;
    countsAfter[after.primaries[k]]++;
  }
  return {
    ok: true,
    algorithm: trace.algorithm,
    ring: before.ring !== null,
    nodes,
    before: plain(before),
    after: plain(after),
    keys,
    total: count,
    moved,
    perNode: nodes.map((id, n) => ({
      id,
      before: countsBefore[n],
      after: countsAfter[n],
      inBefore: trace.nodesBefore.some((m) => m.id === id),
      inAfter: trace.nodesAfter.some((m) => m.id === id),
    })),
  };
}
