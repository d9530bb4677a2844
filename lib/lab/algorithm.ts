// The one interface every hashing algorithm of the lab implements, and the shared placements: by points on a ring, or by a table of nodes.
import type { LabNode, Workaround } from './types';

export interface Settings {
  /** Copies of each key, primary included; a placement lists `min(replicas, nodes)`. */
  replicas: number;
  /** Ring points per unit of weight (Ringside's vnodes). */
  vnodes: number;
  /** Bounded loads: the total load the placement will receive (requests, or one per key), and the capacity factor. */
  totalLoad: number;
  capacityFactor: number;
  /**
   * Whole copies for a weight, for algorithms that weight by repetition (jump's buckets, multi-probe's points):
   * chosen over the weights before and after a change together, so both memberships count alike.
   */
  repeat: (weight: number) => number;
}

/** Points on the hash ring, sorted by position, each owned by a node (an index into the nodes a placement was built from). */
export interface RingPoints {
  positions: Uint32Array;
  owners: Uint16Array;
}

/** What a ring-like algorithm shows of itself: its points, and where a key enters the ring to reach the point that takes it. */
export interface RingView {
  readonly points: RingPoints;
  /**
   * The position from which the key reached point `point` (an index into `points`): the key's hash on a ring that
   * walks clockwise from it (Ringside's, ketama, bounded loads), the probe that won on multi-probe.
   */
  entry(key: string, point: number): number;
}

/**
 * A built lookup structure. Node numbers are indexes into the nodes it was built from. Bounded loads is
 * stateful (each placed key adds to its node's load), so a placement is used either to place a key set or to
 * time lookups, never both.
 */
export interface Placement {
  /** Length of every preference list: `min(replicas, nodes)`. */
  readonly length: number;
  /**
   * Writes the key's preference list, primary first, into `out[at .. at + length)`. `load`: the key's requests
   * (bounded loads only). Returns the index of the ring point that took the key, or -1 for an algorithm without a ring.
   */
  place(key: string, load: number, out: Uint16Array, at: number): number;
  /** The key's primary alone: what a lookup costs. */
  primary(key: string, load: number): number;
  /** Bytes of the lookup structure, from its arrays. */
  readonly memoryBytes: number;
  /** Forgets the keys placed so far (bounded loads' loads), so lookups can be timed again from the start. */
  reset?(): void;
  /** Ring-like algorithms' points, for the lab page's drawing. */
  readonly ring?: RingView;
}

export interface Algorithm {
  id: string;
  name: string;
  /** How replicas are chosen and what the implementation assumes. */
  notes: string;
  /** Whether `from` shapes the result (jump's bucket numbering); the report then also gives the cost of rebuilding. */
  historyDependent?: boolean;
  /**
   * Why the change from `before` to `after` cannot be made directly, and what is done instead, in words; null when
   * it can. Only algorithms whose structure remembers its history have such changes.
   */
  workaround?(before: readonly LabNode[], after: readonly LabNode[], settings: Settings): Pick<Workaround, 'reason' | 'description'> | null;
  /** The structure for `nodes`; `from` is the membership it was reached from, for algorithms that remember. */
  build(nodes: readonly LabNode[], settings: Settings, from?: readonly LabNode[]): Placement;
}

/**
 * Index of the first point at a position >= `h`, wrapping to 0: the successor on a ring of sorted positions.
 * Binary search over a typed array; -1 when there are no points.
 */
export function successor(positions: Uint32Array, h: number): number {
  let lo = 0;
  let hi = positions.length;
  if (hi === 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (positions[mid] < h) lo = mid + 1;
    else hi = mid;
  }
  return lo === positions.length ? 0 : lo;
}

/** Points sorted by position, ties kept in the order given (a stable sort), as typed arrays. */
export function sortPoints(values: ArrayLike<number>, owners: ArrayLike<number>): RingPoints {
  const order = Array.from({ length: values.length }, (_, i) => i).sort((a, b) => values[a] - values[b] || a - b);
  return { positions: Uint32Array.from(order, (i) => values[i]), owners: Uint16Array.from(order, (i) => owners[i]) };
}

/**
 * The preference list starting at every point: its owner, then the next distinct owners clockwise, `length` long
 * (`length` must not exceed the distinct owners). prefs(p) is owner(p) then prefs(p + 1) without it, so walking
 * backwards costs points x length instead of a walk per point.
 */
export function walkPreferences(owners: Uint16Array, length: number): Uint16Array {
  const total = owners.length;
  const lists = new Uint16Array(total * length);
  if (total === 0 || length === 0) return lists;
  const last: number[] = [];
  for (let step = 0; step < total && last.length < length; step++) {
    const owner = owners[(total - 1 + step) % total];
    if (!last.includes(owner)) last.push(owner);
  }
  lists.set(last, (total - 1) * length);
  for (let p = total - 2; p >= 0; p--) {
    const owner = owners[p];
    const at = p * length;
    lists[at] = owner;
    let filled = 1;
    const next = (p + 1) * length;
    for (let j = 0; j < length && filled < length; j++) if (lists[next + j] !== owner) lists[at + filled++] = lists[next + j];
  }
  return lists;
}

/**
 * A placement by points on a ring: a key's preference list is the one starting at the point that takes it
 * (`lists`, `length` per point). Subclasses say which point that is.
 */
export abstract class PointPlacement implements Placement, RingView {
  readonly memoryBytes: number;

  constructor(
    readonly points: RingPoints,
    readonly length: number,
    private readonly lists: Uint16Array,
    memoryBytes = points.positions.byteLength + points.owners.byteLength + lists.byteLength,
  ) {
    this.memoryBytes = memoryBytes;
  }

  get ring(): RingView {
    return this;
  }

  /** The index of the point that takes the key. */
  protected abstract point(key: string, load: number): number;

  abstract entry(key: string, point: number): number;

  place(key: string, load: number, out: Uint16Array, at: number): number {
    const point = this.point(key, load);
    const from = point * this.length;
    for (let r = 0; r < this.length; r++) out[at + r] = this.lists[from + r];
    return point;
  }

  primary(key: string, load: number): number {
    return this.lists[this.point(key, load) * this.length];
  }
}

/**
 * A placement by a table of nodes (jump's buckets, Maglev's slots): the key's slot holds its primary, and its
 * replicas are the next distinct nodes in table order, wrapping. Subclasses say which slot a key takes.
 */
export abstract class TablePlacement implements Placement {
  readonly length: number;
  readonly memoryBytes: number;

  constructor(
    protected readonly table: Uint16Array,
    replicas: number,
    nodes: number,
  ) {
    this.length = Math.min(replicas, nodes);
    this.memoryBytes = table.byteLength;
  }

  protected abstract slot(key: string): number;

  place(key: string, _load: number, out: Uint16Array, at: number): number {
    const table = this.table;
    let filled = 0;
    for (let step = 0, slot = this.slot(key); step < table.length && filled < this.length; step++, slot = slot + 1 === table.length ? 0 : slot + 1) {
      const node = table[slot];
      let seen = false;
      for (let r = 0; r < filled; r++) if (out[at + r] === node) seen = true;
      if (!seen) out[at + filled++] = node;
    }
    return -1;
  }

  primary(key: string): number {
    return this.table[this.slot(key)];
  }
}

/**
 * Whole copies per node for algorithms that weight by repetition (jump's buckets, multi-probe's points): the
 * weights over the smallest, at the finest of 1, 2, 4, 8 or 16 copies per smallest weight that is within 2 % of
 * every ratio (16 otherwise). Equal weights give one copy each.
 */
export function repetitions(weights: readonly number[]): (weight: number) => number {
  const smallest = Math.min(...weights);
  let scale = 16;
  for (const candidate of [1, 2, 4, 8, 16]) {
    const exact = weights.every((w) => {
      const units = (w / smallest) * candidate;
      return Math.abs(Math.round(units) - units) <= 0.02 * units;
    });
    if (exact) {
      scale = candidate;
      break;
    }
  }
  return (weight) => Math.max(1, Math.round((weight / smallest) * scale));
}
