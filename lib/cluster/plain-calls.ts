import 'server-only';
// The data path's common put and get without a promise per replica: quiet calls answered by callback, one promise per operation.
import type { Cohort, InFlight } from '../concurrency';
import { decodeItem, type ItemVersion } from '../envelope';
import type { NodeError } from '../memcached/node-error';
import type { QuietConnection, QuietHit, QuietReceiver } from '../memcached/quiet';
import type { ClusterContext } from './context';
import type { ReplicaOutcome } from './types';

/** A node error code a write is refused with while the node keeps its old value (no suspect mark for it). */
export const KEEPS_OLD_VALUE = new Set(['too_large', 'server_error']);

/** What a plain put hands back once every replica answered; the data path judges it against W. */
export type PutDone = (replicas: ReplicaOutcome[]) => void;

/**
 * A put as plain SETs, outside a membership change, with the key's lock taken: one quiet call per replica, each
 * answer counted against its node and marking its copy suspect or not as `DataPath.onEachTarget` does, the lock
 * released and the put's cohort ended once all have answered.
 */
export class PlainPut implements QuietReceiver {
  private readonly replicas: ReplicaOutcome[];
  private pending: number;
  private acknowledged = false;
  private cohort: Cohort | null = null;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly key: string,
    private readonly targets: readonly string[],
    private readonly inflight: InFlight,
    private readonly done: PutDone,
  ) {
    this.replicas = new Array<ReplicaOutcome>(targets.length);
    this.pending = targets.length;
  }

  /** Sends to every target (`links[i]` for `targets[i]`, `down` when not tried). */
  send(links: readonly (QuietConnection | 'down')[], version: ItemVersion, bytes: Uint8Array, ttl: number): void {
    this.cohort = this.inflight.begin();
    for (let i = 0; i < links.length; i++) {
      const link = links[i];
      if (link === 'down') this.settle(i, 'down');
      else link.setVersioned(this.key, version, bytes, ttl, this, i);
    }
  }

  answered(tag: number, error: NodeError | null): void {
    this.settle(tag, this.ctx.pool.answered(this.targets[tag], error));
  }

  private settle(i: number, error: string | null): void {
    const { pool } = this.ctx;
    const node = this.targets[i];
    if (error === null) {
      pool.clearSuspect(node, this.key);
      this.acknowledged = true;
      this.replicas[i] = { node, ok: true };
    } else {
      // Out of memory: the node dropped its old value; suspect only once another replica has the new one (below).
      if (!KEEPS_OLD_VALUE.has(error) && error !== 'out_of_memory') pool.markSuspect(node, this.key);
      this.replicas[i] = { node, ok: false, error };
    }
    if (--this.pending > 0) return;
    if (this.acknowledged) for (const r of this.replicas) if (r.error === 'out_of_memory') pool.markSuspect(r.node, this.key);
    this.ctx.keyLocks.release(this.key);
    this.inflight.end(this.cohort!);
    this.done(this.replicas);
  }
}

/** What a plain get's first replica answered: the item (null: a miss), or the node error's code. */
export type FirstRead = (node: string, error: string | null, item: ReturnType<typeof decodeItem> | null) => void;

/** A get's read of the key's first replica, answered by callback. */
export class PlainRead implements QuietReceiver {
  constructor(
    private readonly ctx: ClusterContext,
    private readonly node: string,
    private readonly done: FirstRead,
  ) {}

  answered(_tag: number, error: NodeError | null, hit: QuietHit | null): void {
    const code = this.ctx.pool.answered(this.node, error);
    this.done(this.node, code, hit && decodeItem(hit.flags, hit.value));
  }
}
