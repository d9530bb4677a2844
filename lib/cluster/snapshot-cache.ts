// The snapshot cache: callers share one computation of the dashboard's snapshot, reused until something changes.
import type { ClusterSnapshot } from './snapshot';

/** How long an unchanged snapshot is reused at least (longer when computing it took longer). */
const SNAPSHOT_REUSE_MS = 1000;

interface Job {
  seq: number;
  promise: Promise<ClusterSnapshot>;
  done: boolean;
  finishedAt: number;
  tookMs: number;
}

export class SnapshotCache {
  /** Counts changes, so a snapshot knows whether it still shows the latest. */
  private changeSeq = 0;
  private job: Job | null = null;

  constructor(private readonly compute: () => Promise<ClusterSnapshot>) {}

  /** Something the snapshot shows changed. */
  invalidate(): void {
    this.changeSeq++;
  }

  /**
   * Every open tab asks after every change, so callers share one computation, reused until something
   * changes (for a second at most); and since at a million keys one can take seconds (when other clients wrote to
   * every node, each is listed again), the next starts no sooner than the last one took after it ended: the server spends at most half its time on them.
   */
  async get(): Promise<ClusterSnapshot> {
    for (;;) {
      const job = this.job;
      // Reused while nothing changed, and not for long: keys also expire, and other clients write.
      const fresh = job && (!job.done || Date.now() - job.finishedAt < Math.max(SNAPSHOT_REUSE_MS, job.tookMs));
      if (job && fresh && job.seq === this.changeSeq) return job.promise;
      if (job && !job.done) {
        await job.promise.catch(() => undefined);
        continue;
      }
      const delay = job ? Math.max(0, job.finishedAt + job.tookMs - Date.now()) : 0;
      const next: Job = { seq: this.changeSeq, done: false, finishedAt: 0, tookMs: 0, promise: Promise.resolve(null as never) };
      next.promise = (async () => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        next.seq = this.changeSeq;
        const started = Date.now();
        try {
          return await this.compute();
        } catch (error) {
          next.seq = -1; // never reused: the next caller tries again
          throw error;
        } finally {
          Object.assign(next, { done: true, finishedAt: Date.now(), tookMs: Date.now() - started });
        }
      })();
      this.job = next;
    }
  }
}
