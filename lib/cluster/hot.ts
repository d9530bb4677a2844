import 'server-only';
// Counts the requests this process serves (hot keys, load per node), publishes them to the state store, and merges every live process's.
import { HotWindow, mergeReports, type HotReport, type HotSlot } from '../hot-window';
import { hotViewOf, type HotView } from '../hot-view';
import type { HotOp } from '../hot-keys';
import { preferenceList, primaryOf } from '../ring';
import type { ClusterContext } from './context';
import type { DeleteResult, GetResult, PutResult, ReplicaOutcome, Result } from './types';

export const DEFAULT_HOT_PUBLISH_MS = 2000;
/** Other processes' counts are read again at most this often, however many readers ask. */
const READ_REUSE_MS = 1000;

export class HotCounts {
  private readonly window = new HotWindow();
  /**
   * The slot requests count in, moved on by a timer at each slot's end rather than found from the clock per request:
   * a wall time passed between functions is a heap number, one allocation per request.
   */
  private slot: HotSlot;
  private rotation: NodeJS.Timeout | null = null;
  private timer: NodeJS.Timeout | null = null;
  private publishing = false;
  /** The last report published held counts: the next, even empty, must replace it. */
  private publishedCounts = false;
  private others: { at: number; reports: HotReport[]; reading: Promise<void> | null } = { at: 0, reports: [], reading: null };

  constructor(
    private readonly ctx: ClusterContext,
    private readonly publishMs: number = DEFAULT_HOT_PUBLISH_MS,
  ) {
    this.slot = this.window.current(Date.now());
  }

  start(): void {
    this.timer ??= setInterval(() => void this.publish(), this.publishMs);
    this.timer.unref();
    if (!this.rotation) this.rotate();
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    if (this.rotation) clearTimeout(this.rotation);
    this.timer = this.rotation = null;
  }

  private rotate(): void {
    const now = Date.now();
    this.slot = this.window.current(now);
    const slotMs = this.window.slotMs;
    this.rotation = setTimeout(() => this.rotate(), slotMs - (now % slotMs) + 1);
    this.rotation.unref();
  }

  // Called once per request: nothing here allocates (the sketch aside, when a key takes over a counter).

  countPut(key: string, result: Result<PutResult>): void {
    this.countWrite(key, 'set', result);
  }

  countDelete(key: string, result: Result<DeleteResult>): void {
    this.countWrite(key, 'delete', result);
  }

  countGet(key: string, result: Result<GetResult>): void {
    if (!result.ok && !served(result.error)) return;
    const slot = this.slot;
    if (result.ok) {
      slot.offer(key, 'get', this.primary(key, result.tried));
      serveEach(slot, result.tried);
    } else {
      const list = preferenceList(this.ctx.state.ring, key);
      slot.offer(key, 'get', list[0]);
      // A miss is believed only once every replica of the list said so: each was asked.
      if (result.error === 'not_found') for (let i = 0; i < list.length; i++) slot.serve(list[i]);
    }
  }

  private countWrite(key: string, op: HotOp, result: Result<PutResult | DeleteResult>): void {
    if (!result.ok && !served(result.error)) return;
    const slot = this.slot;
    slot.offer(key, op, result.ok ? this.primary(key, result.replicas) : primaryOf(this.ctx.state.ring, key));
    if (result.ok) serveEach(slot, result.replicas);
  }

  /**
   * The key's primary. Outside a membership change the data path asks the preference list in order, so the first
   * node it names is the primary, and the key need not be hashed again; during one it asks the next ring's first.
   */
  private primary(key: string, outcomes: readonly ReplicaOutcome[]): string | undefined {
    return this.ctx.state.transition || outcomes.length === 0 ? primaryOf(this.ctx.state.ring, key) : outcomes[0].node;
  }

  /** This process's counts over its window, as it publishes them. */
  report(now = Date.now()): HotReport {
    return this.window.report(this.ctx.state.store.writer, now);
  }

  /** Writes this process's counts to the store; skipped while it has counted nothing (and said so last time). */
  async publish(): Promise<void> {
    const now = Date.now();
    const active = this.window.active(now);
    if (this.publishing || (!active && !this.publishedCounts)) return;
    this.publishing = true;
    try {
      const done = await this.ctx.state.store.publishHot(this.report(now));
      if (done.ok) this.publishedCounts = active;
    } finally {
      this.publishing = false;
    }
  }

  /** Every live process's counts merged: this one's as they are now, the others' as they last published them. */
  async view(top?: number): Promise<HotView> {
    await this.readOthers();
    const now = Date.now();
    const merged = mergeReports([this.report(now), ...this.others.reports], this.window.capacity);
    return hotViewOf(merged, this.ctx.state.ring, { top, slotMs: this.window.slotMs, spanMs: this.window.spanMs });
  }

  private async readOthers(): Promise<void> {
    if (this.ctx.state.store.kind === 'file') return;
    if (Date.now() - this.others.at < READ_REUSE_MS) return;
    this.others.reading ??= (async () => {
      const read = await this.ctx.state.store.readHot();
      const now = Date.now();
      const { writer } = this.ctx.state.store;
      // A report older than three publishing rounds is a process gone (its session may not have lapsed yet). With
      // the store unreachable, the last reports read stand in until they age out the same way.
      const reports = (read.ok ? read.reports : this.others.reports).filter((r) => r.writer !== writer && Math.abs(now - r.at) < 3 * this.publishMs);
      this.others = { at: now, reports, reading: null };
    })();
    await this.others.reading;
  }
}

/** A request that reached the nodes: bad input and an empty ring reach none. */
function served(error: string): boolean {
  return !error.startsWith('invalid_') && error !== 'no_nodes';
}

/** Each node an outcome says was asked: not those skipped as down, nor a suspect copy passed over. */
function serveEach(slot: { serve(node: string): void }, outcomes: readonly ReplicaOutcome[]): void {
  for (let i = 0; i < outcomes.length; i++) {
    const error = outcomes[i].error;
    if (error !== 'down' && error !== 'suspect') slot.serve(outcomes[i].node);
  }
}
