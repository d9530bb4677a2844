import 'server-only';
// Whether a put may be a plain SET: only while this process can prove it is the cluster's only live writer, renewed against the store.
import type { StateStore } from '../store/types';

/**
 * How long one renewal vouches that this process is alone, from the moment the renewal was sent. A process that
 * joins waits at most this plus WRITE_SETTLE_MS after its join for the others' plain SETs to end.
 */
export const ALONE_MS = 1500;
/** A plain SET started within the permission has landed or failed within this: a put's deadline, 1 s by default. */
export const WRITE_SETTLE_MS = 1000;
/** How often the permission is renewed (one read of who is present): several renewals fit in ALONE_MS. */
const RENEW_MS = 300;

/** How this process writes its puts, and how many it wrote each way since it opened. */
export interface WriteMode {
  /** Puts are plain SETs now: nobody else is present. */
  alone: boolean;
  plainPuts: number;
  conditionalPuts: number;
}

/*
 * Why a plain SET here never lands over another process's newer write (docs/consistency.md, "Writing alone"):
 * - A renewal sent at time s that found no other process present grants plain SETs that start before s + ALONE_MS
 *   (less this process's deadline beyond WRITE_SETTLE_MS), and never past the time etcd could expire this process's
 *   session lease: until then its heartbeat stays present, so every newcomer sees it and waits for it.
 * - A newcomer joins (its heartbeat written at revision R), then waits before its first write until every process
 *   present has acknowledged its join, or ALONE_MS + WRITE_SETTLE_MS have passed. A renewal read after R sees it and
 *   grants nothing; one read before R was sent before the newcomer's wait began, so its grant and the SETs started
 *   under it have ended by the time the wait does.
 * - Seeing a join (the watch, or a renewal), this process drops its permission at once, ignores renewals sent before,
 *   waits for its writes in flight, and only then acknowledges: an acknowledged newcomer meets conditional writes only.
 * - Cut off from etcd, renewals fail and the permission lapses within ALONE_MS: before a newcomer's wait ends.
 * - On the file store, a newcomer can only be a client joining through this process's API (lib/store/relay), and
 *   the store tells this process of the join before the client's join is answered: the permission needs no bound
 *   in time, it lasts until a join is seen, and comes back at the first renewal that finds every client gone.
 */
export class SoleWriter {
  /** performance.now() before which a plain SET may start (with a deadline of WRITE_SETTLE_MS). */
  private until = 0;
  /** Moved on whenever the permission is dropped, so a renewal sent before cannot grant it again. */
  private generation = 0;
  private readonly acknowledged = new Set<string>();
  private renewing: Promise<void> | null = null;
  private timer: NodeJS.Timeout | null = null;
  private stopped = false;
  private plain = 0;
  private conditional = 0;

  constructor(
    private readonly store: StateStore,
    private readonly deadlineMs: number,
    /** Resolves once every write that began before the call has settled. */
    private readonly settled: () => Promise<void>,
  ) {}

  /** Renews from now on: the file store too, to write alone again once the clients that joined through its API are gone. */
  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.renew(), RENEW_MS);
    this.timer.unref();
  }

  /**
   * Before this process's first write: every process present acknowledged its join (they write conditionally and
   * their plain SETs have settled), or the longest a permission granted before the join can last has passed.
   */
  async admit(tag: string): Promise<void> {
    if (this.store.kind !== 'file') await this.store.awaitAcknowledged(tag, ALONE_MS + WRITE_SETTLE_MS, 'join');
    await this.renew();
  }

  /** Decides one put: true for a plain SET, false for the conditional write. Counted either way. */
  plainPut(): boolean {
    const alone = this.alone();
    if (alone) this.plain++;
    else this.conditional++;
    return alone;
  }

  status(): WriteMode {
    return { alone: this.alone(), plainPuts: this.plain, conditionalPuts: this.conditional };
  }

  /** Another process joined (the store's watch): conditional writes from now on, then its acknowledgement. */
  joined(tag: string): void {
    this.drop();
    void this.acknowledge([tag]);
  }

  /** Reads who is present: alone, the permission is extended; otherwise dropped, and any join not yet acknowledged is. */
  renew(): Promise<void> {
    this.renewing ??= this.renewOnce().finally(() => (this.renewing = null));
    return this.renewing;
  }

  stop(): void {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    this.drop();
  }

  private alone(): boolean {
    return performance.now() + Math.max(0, this.deadlineMs - WRITE_SETTLE_MS) < this.until;
  }

  private async renewOnce(): Promise<void> {
    const generation = this.generation;
    const sentAt = performance.now();
    const seen = await this.store.presence();
    // Unanswered, the permission lapses by itself.
    if (!seen.ok || this.stopped) return;
    if (seen.others.length === 0 && generation === this.generation) this.until = this.store.kind === 'file' ? Infinity : Math.min(sentAt + ALONE_MS, seen.vouchedUntil);
    if (seen.others.length > 0) this.drop();
    const fresh = seen.others.filter((tag) => !this.acknowledged.has(tag));
    // Processes gone need no acknowledgement kept.
    for (const tag of this.acknowledged) if (!seen.others.includes(tag)) this.acknowledged.delete(tag);
    if (fresh.length > 0) await this.acknowledge(fresh);
  }

  private drop(): void {
    this.until = 0;
    this.generation++;
  }

  private async acknowledge(tags: readonly string[]): Promise<void> {
    this.drop();
    // A plain SET started before the drop must land before the newcomer may write.
    await this.settled();
    for (const tag of tags) {
      if (this.acknowledged.has(tag)) continue;
      // Not acknowledged (etcd away): the next renewal tries again, and the newcomer waits out its bound meanwhile.
      if ((await this.store.acknowledge(tag, 'join')).ok) this.acknowledged.add(tag);
    }
  }
}
