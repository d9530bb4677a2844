// Hot keys: a bounded top-k sketch of requests per key (space-saving, Metwally, Agrawal and El Abbadi 2005), and its merge.
/*
 * A sketch holds at most `capacity` (k) counters. Each counter has a key, a count and an error: the key's true
 * number of requests f lies in [count - error, count], and a key without a counter was requested at most
 * `floor` times. Of a stream of N requests, every key with f > N/k has a counter.
 *
 * Merge (the mergeable-summaries argument of Agarwal et al. 2012, applied to space-saving): for every key of
 * either sketch, the upper bound adds the key's count in each sketch, or that sketch's floor where the key
 * has no counter; the lower bound adds count - error where it has one, 0 where not. The k largest upper
 * bounds are kept; the new floor is the larger of the two floors added and the largest count left out.
 * The bounds above hold for the merged stream: every upper bound is at least the sum of floors, so the
 * counts kept sum to at most N, their smallest (which bounds every key left out) is at most N/k.
 */

export type HotOp = 'get' | 'set' | 'delete';

export interface SketchEntry {
  key: string;
  /** Upper bound of the key's requests. */
  count: number;
  /** count - error is a lower bound. */
  error: number;
  /** Requests of each kind seen since the counter was given to the key: lower bounds. */
  gets: number;
  sets: number;
  deletes: number;
}

/** A sketch as plain data: what crosses processes, and what readers merge. */
export interface SketchData {
  capacity: number;
  /** Requests counted (N). */
  total: number;
  /** Upper bound of the requests of any key without an entry. */
  floor: number;
  /** Largest count first, then by key. */
  entries: SketchEntry[];
}

const OP_INDEX: Record<HotOp, number> = { get: 0, set: 1, delete: 2 };

export const DEFAULT_CAPACITY = 256;

/**
 * The live sketch. Counters sit in typed arrays indexed by slot, with a binary min-heap of slots by count, so an
 * update is one map lookup and a sift: O(log k), and nothing allocated once the key holds a counter.
 */
export class SpaceSaving {
  readonly capacity: number;
  private readonly keys: string[];
  private readonly counts: Float64Array;
  private readonly errors: Float64Array;
  private readonly ops: Float64Array;
  /** heap[i] is a slot; the slot with the smallest count is at heap[0]. */
  private readonly heap: Int32Array;
  private readonly at: Int32Array;
  private readonly index = new Map<string, number>();
  private size = 0;
  total = 0;

  constructor(capacity = DEFAULT_CAPACITY) {
    if (!Number.isInteger(capacity) || capacity < 1) throw new Error(`a sketch needs at least one counter, not ${capacity}`);
    this.capacity = capacity;
    this.keys = new Array<string>(capacity).fill('');
    this.counts = new Float64Array(capacity);
    this.errors = new Float64Array(capacity);
    this.ops = new Float64Array(capacity * 3);
    this.heap = new Int32Array(capacity);
    this.at = new Int32Array(capacity);
  }

  /** Counts one request of `key`. */
  offer(key: string, op: HotOp): void {
    let slot = this.index.get(key);
    if (slot === undefined) {
      if (this.size < this.capacity) {
        slot = this.size++;
        this.heap[slot] = slot;
        this.at[slot] = slot;
        this.counts[slot] = 0;
        this.errors[slot] = 0;
        this.siftUp(slot);
      } else {
        // The counter with the smallest count is handed over: the newcomer may have had that many requests unseen.
        slot = this.heap[0];
        this.index.delete(this.keys[slot]);
        this.errors[slot] = this.counts[slot];
      }
      this.keys[slot] = key;
      this.index.set(key, slot);
      this.ops[slot * 3] = this.ops[slot * 3 + 1] = this.ops[slot * 3 + 2] = 0;
    }
    this.counts[slot]++;
    this.ops[slot * 3 + OP_INDEX[op]]++;
    this.total++;
    this.siftDown(this.at[slot]);
  }

  clear(): void {
    this.index.clear();
    this.size = 0;
    this.total = 0;
  }

  get empty(): boolean {
    return this.total === 0;
  }

  data(): SketchData {
    const entries: SketchEntry[] = [];
    for (let slot = 0; slot < this.size; slot++) {
      const o = slot * 3;
      entries.push({ key: this.keys[slot], count: this.counts[slot], error: this.errors[slot], gets: this.ops[o], sets: this.ops[o + 1], deletes: this.ops[o + 2] });
    }
    entries.sort(byCount);
    const floor = this.size === this.capacity ? this.counts[this.heap[0]] : 0;
    return { capacity: this.capacity, total: this.total, floor, entries };
  }

  private less(i: number, j: number): boolean {
    return this.counts[this.heap[i]] < this.counts[this.heap[j]];
  }

  private swap(i: number, j: number): void {
    const a = this.heap[i];
    const b = this.heap[j];
    this.heap[i] = b;
    this.heap[j] = a;
    this.at[b] = i;
    this.at[a] = j;
  }

  private siftUp(i: number): void {
    while (i > 0) {
      const parent = (i - 1) >> 1;
      if (!this.less(i, parent)) return;
      this.swap(i, parent);
      i = parent;
    }
  }

  private siftDown(i: number): void {
    for (;;) {
      const left = 2 * i + 1;
      if (left >= this.size) return;
      const right = left + 1;
      const child = right < this.size && this.less(right, left) ? right : left;
      if (!this.less(child, i)) return;
      this.swap(i, child);
      i = child;
    }
  }
}

export function byCount(a: SketchEntry, b: SketchEntry): number {
  return b.count - a.count || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0);
}

export function emptySketch(capacity = DEFAULT_CAPACITY): SketchData {
  return { capacity, total: 0, floor: 0, entries: [] };
}

/** The merge of two sketches of disjoint streams, with `min` of their capacities (see the top of this file). */
export function mergeSketches(a: SketchData, b: SketchData): SketchData {
  const capacity = Math.min(a.capacity, b.capacity);
  const inB = new Map(b.entries.map((entry) => [entry.key, entry]));
  const merged: SketchEntry[] = [];
  const add = (x: SketchEntry, y: SketchEntry | undefined, yFloor: number) => ({
    key: x.key,
    count: x.count + (y ? y.count : yFloor),
    // error = upper - lower, lower being the sum of each side's lower bound (0 where the key has no counter).
    error: x.error + (y ? y.error : yFloor),
    gets: x.gets + (y?.gets ?? 0),
    sets: x.sets + (y?.sets ?? 0),
    deletes: x.deletes + (y?.deletes ?? 0),
  });
  for (const entry of a.entries) {
    merged.push(add(entry, inB.get(entry.key), b.floor));
    inB.delete(entry.key);
  }
  for (const entry of inB.values()) merged.push(add(entry, undefined, a.floor));
  merged.sort(byCount);
  const left = merged.length > capacity ? merged[capacity].count : 0;
  return { capacity, total: a.total + b.total, floor: Math.max(a.floor + b.floor, left), entries: merged.slice(0, capacity) };
}

export function mergeAll(sketches: readonly SketchData[], capacity = DEFAULT_CAPACITY): SketchData {
  return sketches.reduce(mergeSketches, emptySketch(Math.min(capacity, ...sketches.map((s) => s.capacity))));
}

/** One key's part of the requests, for a lab that replays a realistic mix. */
export interface RequestWeight {
  key: string;
  /** Share of all requests counted (count / total, an upper bound; the lower is (count - error) / total). */
  weight: number;
  error: number;
  /** Of the requests seen on its counter, the share that were gets, sets and deletes. */
  mix: { get: number; set: number; delete: number };
}

/**
 * Per-key request weights of the `top` hottest keys, and `rest`, the share left to every other key: the request mix
 * a lab replays. Takes a sketch, or the cluster's merged view as it is: `requestWeights({ total: view.total, entries:
 * view.keys })` of `cluster.hotKeys(n)` or GET /api/hot. Weights are upper bounds (count / total), so they may add up
 * to a little more than the requests they describe; `rest` is never below 0.
 */
export function requestWeights(sketch: Pick<SketchData, 'total' | 'entries'>, top = 20): { keys: RequestWeight[]; rest: number } {
  if (sketch.total === 0) return { keys: [], rest: 1 };
  const keys = sketch.entries.slice(0, top).map((e) => {
    const seen = e.gets + e.sets + e.deletes || 1;
    return { key: e.key, weight: e.count / sketch.total, error: e.error / sketch.total, mix: { get: e.gets / seen, set: e.sets / seen, delete: e.deletes / seen } };
  });
  return { keys, rest: Math.max(0, 1 - keys.reduce((sum, k) => sum + k.weight, 0)) };
}

/** The `top` hottest keys with their requests (upper bounds), in the shape the algorithm lab takes keys (LabKey). */
export function keyRequests(sketch: Pick<SketchData, 'entries'>, top = 20): { key: string; requests: number }[] {
  return sketch.entries.slice(0, top).map((e) => ({ key: e.key, requests: e.count }));
}
