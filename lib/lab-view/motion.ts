// One algorithm's placement of a key set before and after a change, shaped for the lab's animation: ring points, keys and where each goes.
import { hash, keyPosition } from '../hash';
import type { Failure } from '../cluster/types';
import type { Placement, Settings } from '../lab/algorithm';
import { ketamaPoints, ketamaPosition } from '../lab/ketama';
import { placeAll } from '../lab/measure';
import { prepareLab } from '../lab/request';
import { labRing } from '../lab/ringside';
import type { LabNode, LabRequest } from '../lab/types';

/** Points on the hash ring: each position with its owner, an index into LabMotion.nodes. */
export interface RingPoints {
  positions: number[];
  owners: number[];
}

/** A key of the sample: its ring position, its primary before and after, and the point that took it in each. */
export interface MotionKey {
  key: string;
  position: number;
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

const RING_LIKE = /^(ringside(@\d+)?|ketama|multi-probe|bounded-loads)$/;

export function isRingLike(algorithm: string): boolean {
  return RING_LIKE.test(algorithm);
}

/** The points a ring-like algorithm places keys by, with owners as indexes into `nodes`, and how it hashes a key. */
function pointsOf(algorithm: string, nodes: readonly LabNode[], settings: Settings): { points: RingPoints; position: (key: string) => number } {
  if (algorithm === 'ketama') {
    const { positions, owners } = ketamaPoints(nodes);
    return { points: { positions: [...positions], owners: [...owners] }, position: ketamaPosition };
  }
  if (algorithm === 'multi-probe') {
    // As lib/lab/multi-probe.ts builds them: whole points per node, at hash(id#k).
    const points: { position: number; owner: number }[] = [];
    nodes.forEach((node, n) => {
      for (let k = 0; k < settings.repeat(node.weight); k++) points.push({ position: hash(`${node.id}#${k}`), owner: n });
    });
    points.sort((a, b) => a.position - b.position || a.owner - b.owner);
    return { points: { positions: points.map((p) => p.position), owners: points.map((p) => p.owner) }, position: keyPosition };
  }
  const at = /^ringside@(\d+)$/.exec(algorithm);
  const { ring, toLab } = labRing(nodes, settings, at ? Number(at[1]) : settings.vnodes);
  return { points: { positions: [...ring.positions], owners: Array.from(ring.owners, (o) => toLab[o]) }, position: keyPosition };
}

/**
 * The first point at or after `position` (wrapping) owned by `owner`: the point that took the key. Exact for
 * Ringside's ring, ketama and bounded loads (which walk clockwise from the key); for multi-probe, whose key is
 * taken by the point nearest any of its probes, the first of the primary's points clockwise from the key.
 */
export function pointTaking(points: RingPoints, position: number, owner: number): number {
  const { positions, owners } = points;
  let lo = 0;
  let hi = positions.length;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid] < position) lo = mid + 1;
    else hi = mid;
  }
  for (let step = 0; step < positions.length; step++) {
    const p = (lo + step) % positions.length;
    if (owners[p] === owner) return positions[p];
  }
  return position;
}

/** Every key's primary, as indexes into `all`. */
function primaries(placement: Placement, keys: LabRequest['keys'], loads: Float64Array, members: readonly LabNode[], all: readonly string[]): Uint16Array {
  const lists = placeAll(
    placement,
    keys,
    loads,
    Uint16Array.from(members, (n) => all.indexOf(n.id)),
  );
  return Uint16Array.from({ length: keys.length }, (_, k) => lists[k * placement.length]);
}

/** The picked algorithm's placement of `request.keys` before and after `request.change`, with `sample` keys listed. */
export function labMotion(request: LabRequest, algorithm: string, sample = 3000): LabMotion | Failure {
  const lab = prepareLab({ ...request, algorithms: [algorithm], tryVnodes: undefined, timingRounds: 0 });
  if (!lab.ok) return lab as Failure;
  if (!lab.after) return { ok: false, error: 'invalid_lab', message: 'give a change to watch' };
  const chosen = lab.algorithms[0];
  const settings: Settings = {
    replicas: lab.replicas,
    vnodes: lab.vnodes,
    totalLoad: lab.loads.reduce((a, b) => a + b, 0),
    capacityFactor: lab.capacityFactor,
    repeat: lab.repeat,
  };
  const nodes = [...lab.nodes, ...lab.after.filter((n) => !lab.nodes.some((m) => m.id === n.id))].map((n) => n.id);
  const before = primaries(chosen.build(lab.nodes, settings), lab.keys, lab.loads, lab.nodes, nodes);
  const after = primaries(chosen.build(lab.after, settings, lab.nodes), lab.keys, lab.loads, lab.after, nodes);

  const ring = isRingLike(algorithm);
  const shapeBefore = ring ? pointsOf(algorithm, lab.nodes, settings) : null;
  const shapeAfter = ring ? pointsOf(algorithm, lab.after, settings) : null;
  const remap = (points: RingPoints, members: readonly LabNode[]): RingPoints => ({ positions: points.positions, owners: points.owners.map((o) => nodes.indexOf(members[o].id)) });
  const pointsBefore = shapeBefore ? remap(shapeBefore.points, lab.nodes) : null;
  const pointsAfter = shapeAfter ? remap(shapeAfter.points, lab.after) : null;

  const count = lab.keys.length;
  const stride = Math.max(1, count / Math.max(1, sample));
  const keys: MotionKey[] = [];
  for (let i = 0; i < count && keys.length < sample; i++) {
    const k = Math.floor(i * stride);
    if (k >= count) break;
    const key = lab.keys[k].key;
    const position = shapeBefore ? shapeBefore.position(key) : keyPosition(key);
    keys.push({
      key,
      position,
      from: before[k],
      to: after[k],
      fromPoint: pointsBefore ? pointTaking(pointsBefore, position, before[k]) : position,
      toPoint: pointsAfter ? pointTaking(pointsAfter, position, after[k]) : position,
    });
  }
  let moved = 0;
  const countsBefore = new Array<number>(nodes.length).fill(0);
  const countsAfter = new Array<number>(nodes.length).fill(0);
  for (let k = 0; k < count; k++) {
    if (before[k] !== after[k]) moved++;
    countsBefore[before[k]]++;
    countsAfter[after[k]]++;
  }
  return {
    ok: true,
    algorithm: chosen.id,
    ring,
    nodes,
    before: pointsBefore,
    after: pointsAfter,
    keys,
    total: count,
    moved,
    perNode: nodes.map((id, n) => ({
      id,
      before: countsBefore[n],
      after: countsAfter[n],
      inBefore: lab.nodes.some((m) => m.id === id),
      inAfter: lab.after!.some((m) => m.id === id),
    })),
  };
}
