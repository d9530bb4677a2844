// One algorithm's placement of every key before and after a change, key by key: what the lab page animates.
import type { Failure } from '../cluster/types';
import type { Placement, RingPoints } from './algorithm';
import { placeAll, toAllOf } from './measure';
import { prepareLab } from './request';
import type { LabKey, LabNode, LabRequest } from './types';

/** One side of the change: each key's primary and, for a ring-like algorithm, the ring point that took it. */
export interface TracedPlacement {
  /** Each key's primary, an index into ChangeTrace.nodes. */
  primaries: Uint16Array;
  /** Ring-like algorithms (Ringside's ring, ketama, multi-probe, bounded loads); null for the others. */
  ring: {
    /** The ring's points, owners as indexes into ChangeTrace.nodes. */
    points: RingPoints;
    /** Each key's point (an index into `points`). */
    taken: Int32Array;
    /** Where key `k` stands on this ring: its hash, or on multi-probe the probe that won it. */
    entry(k: number): number;
  } | null;
}

export interface ChangeTrace {
  ok: true;
  algorithm: string;
  /** Node ids of both memberships, the nodes first, then those the change adds. */
  nodes: string[];
  nodesBefore: LabNode[];
  nodesAfter: LabNode[];
  keys: readonly LabKey[];
  before: TracedPlacement;
  after: TracedPlacement;
}

function traced(placement: Placement, lab: { all: LabNode[]; keys: readonly LabKey[]; loads: Float64Array }, members: readonly LabNode[]): TracedPlacement {
  const toAll = toAllOf(lab.all, members);
  const taken = new Int32Array(lab.keys.length);
  const lists = placeAll(placement, lab.keys, lab.loads, toAll, taken);
  const primaries = Uint16Array.from({ length: lab.keys.length }, (_, k) => lists[k * placement.length]);
  const view = placement.ring;
  if (!view) return { primaries, ring: null };
  return {
    primaries,
    ring: {
      points: { positions: view.points.positions, owners: Uint16Array.from(view.points.owners, (o) => toAll[o]) },
      taken,
      entry: (k) => view.entry(lab.keys[k].key, taken[k]),
    },
  };
}

/** `algorithm`'s placement of `request.keys` before and after `request.change` (which it needs), every key traced. */
export function traceChange(request: LabRequest, algorithm: string): ChangeTrace | Failure {
  const lab = prepareLab({ ...request, algorithms: [algorithm], tryVnodes: undefined, timingRounds: 0 });
  if (!lab.ok) return lab as Failure;
  if (!lab.after) return { ok: false, error: 'invalid_lab', message: 'give a change to watch' };
  const chosen = lab.algorithms[0];
  return {
    ok: true,
    algorithm: chosen.id,
    nodes: lab.all.map((n) => n.id),
    nodesBefore: lab.nodes,
    nodesAfter: lab.after,
    keys: lab.keys,
    before: traced(chosen.build(lab.nodes, lab.settings), lab, lab.nodes),
    after: traced(chosen.build(lab.after, lab.settings, lab.nodes), lab, lab.after),
  };
}
