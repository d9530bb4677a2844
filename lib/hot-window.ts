// Requests over a recent window: rotating slots of a hot-key sketch and per-node load, and the merge of processes' reports.
/*
 * "Hot" means hot now: counts cover the last `slots` x `slotMs` of wall time (60 s in six slots of 10 s by
 * default), not the process's lifetime. A slot older than the window is cleared when its turn comes again, so the
 * window slides by one slot at a time and covers between (slots - 1) and slots slots' worth of time.
 * Rotating sketches rather than exponential decay: counts stay whole numbers of requests, the error bounds stay
 * exact (a key's count minus its error is a true lower bound, not a decayed estimate), and the window is a span
 * of time a reader can be told. Slots start at multiples of `slotMs` since the epoch, so every process's
 * window has the same edges and their reports merge slot-aligned.
 */
import { DEFAULT_CAPACITY, emptySketch, mergeAll, SpaceSaving, type HotOp, type SketchData } from './hot-keys';

export interface WindowOptions {
  slotMs?: number;
  slots?: number;
  capacity?: number;
}

export const DEFAULT_SLOT_MS = 10_000;
export const DEFAULT_SLOTS = 6;

export interface OpCounts {
  get: number;
  set: number;
  delete: number;
}

/** What one process counted over its window: what it publishes for the others to merge. */
export interface HotReport {
  writer: string;
  /** Wall time (ms) the report was made, and the start of its oldest slot. */
  at: number;
  since: number;
  sketch: SketchData;
  /** Per node, requests that reached it (each replica a request touched counts once). */
  served: Record<string, number>;
  /** Per node, requests for keys it is the primary of. */
  primary: Record<string, number>;
  ops: OpCounts;
}

/** One slot's counts; the cluster adds to the current one. */
export class HotSlot {
  epoch = -1;
  readonly sketch: SpaceSaving;
  readonly served = new Map<string, number>();
  readonly primary = new Map<string, number>();
  readonly ops: OpCounts = { get: 0, set: 0, delete: 0 };

  constructor(capacity: number) {
    this.sketch = new SpaceSaving(capacity);
  }

  /** One request of `key`; `primary` is its primary node, when the ring has one. */
  offer(key: string, op: HotOp, primary: string | undefined): void {
    this.sketch.offer(key, op);
    this.ops[op]++;
    if (primary !== undefined) this.primary.set(primary, (this.primary.get(primary) ?? 0) + 1);
  }

  /** A node the request reached. */
  serve(node: string): void {
    this.served.set(node, (this.served.get(node) ?? 0) + 1);
  }

  reset(epoch: number): void {
    this.epoch = epoch;
    this.sketch.clear();
    this.served.clear();
    this.primary.clear();
    this.ops.get = this.ops.set = this.ops.delete = 0;
  }
}

export class HotWindow {
  readonly slotMs: number;
  readonly capacity: number;
  private readonly slots: HotSlot[];
  /** The slot of the last request and the wall time its slot ends: most requests need no arithmetic beyond one compare. */
  private last: HotSlot | null = null;
  private lastStart = 0;
  private lastEnd = 0;

  constructor(options: WindowOptions = {}) {
    this.slotMs = options.slotMs ?? DEFAULT_SLOT_MS;
    this.capacity = options.capacity ?? DEFAULT_CAPACITY;
    this.slots = Array.from({ length: options.slots ?? DEFAULT_SLOTS }, () => new HotSlot(this.capacity));
  }

  get spanMs(): number {
    return this.slotMs * this.slots.length;
  }

  /** The slot requests at `now` count in, cleared first when it last held an older window's. */
  current(now: number): HotSlot {
    if (this.last !== null && now >= this.lastStart && now < this.lastEnd) return this.last;
    const epoch = Math.floor(now / this.slotMs);
    const slot = this.slots[epoch % this.slots.length];
    if (slot.epoch !== epoch) slot.reset(epoch);
    this.last = slot;
    this.lastStart = epoch * this.slotMs;
    this.lastEnd = this.lastStart + this.slotMs;
    return slot;
  }

  /** Whether any slot still inside the window at `now` counted a request. */
  active(now: number): boolean {
    return this.live(now).some((slot) => !slot.sketch.empty);
  }

  /** The window at `now` as one report: slots merged, oldest slot's start as `since`. */
  report(writer: string, now: number): HotReport {
    const live = this.live(now);
    const since = live.length ? Math.min(...live.map((slot) => slot.epoch)) * this.slotMs : now;
    const served: Record<string, number> = {};
    const primary: Record<string, number> = {};
    const ops: OpCounts = { get: 0, set: 0, delete: 0 };
    for (const slot of live) {
      for (const [node, n] of slot.served) served[node] = (served[node] ?? 0) + n;
      for (const [node, n] of slot.primary) primary[node] = (primary[node] ?? 0) + n;
      ops.get += slot.ops.get;
      ops.set += slot.ops.set;
      ops.delete += slot.ops.delete;
    }
    const sketches = live.filter((slot) => !slot.sketch.empty).map((slot) => slot.sketch.data());
    return { writer, at: now, since, sketch: sketches.length ? mergeAll(sketches, this.capacity) : emptySketch(this.capacity), served, primary, ops };
  }

  private live(now: number): HotSlot[] {
    const epoch = Math.floor(now / this.slotMs);
    return this.slots.filter((slot) => slot.epoch > epoch - this.slots.length && slot.epoch <= epoch);
  }
}

/** Several processes' reports as one: the cluster's requests over the union of their windows. */
export function mergeReports(reports: readonly HotReport[], capacity = DEFAULT_CAPACITY): Omit<HotReport, 'writer'> & { writers: string[] } {
  const served: Record<string, number> = {};
  const primary: Record<string, number> = {};
  const ops: OpCounts = { get: 0, set: 0, delete: 0 };
  for (const report of reports) {
    for (const [node, n] of Object.entries(report.served)) served[node] = (served[node] ?? 0) + n;
    for (const [node, n] of Object.entries(report.primary)) primary[node] = (primary[node] ?? 0) + n;
    ops.get += report.ops.get;
    ops.set += report.ops.set;
    ops.delete += report.ops.delete;
  }
  const at = Math.max(0, ...reports.map((r) => r.at));
  return {
    writers: reports.map((r) => r.writer).sort(),
    at,
    since: reports.length ? Math.min(...reports.map((r) => r.since)) : at,
    sketch: mergeAll(
      reports.map((r) => r.sketch),
      capacity,
    ),
    served,
    primary,
    ops,
  };
}
