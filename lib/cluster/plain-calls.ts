import 'server-only';
// The data path's common put and get without a promise per replica: quiet calls answered by callback, one promise per operation.
import type { Cohort, InFlight } from '../concurrency';
import type { Level } from '../consistency';
import { decodeItem, type ItemVersion } from '../envelope';
import type { NodeError } from '../memcached/node-error';
import type { QuietConnection, QuietHit, QuietReceiver } from '../memcached/quiet';
import type { ClusterContext } from './context';
import type { WriteVersion } from '../version';
import type { PutResult, ReplicaOutcome, Result } from './types';

/** A node error code a write is refused with while the node keeps its old value (no suspect mark for it). */
export const KEEPS_OLD_VALUE = new Set(['too_large', 'server_error']);

/** A plain put's request: what the data path judges once every replica answered. */
export interface PutRequest {
  key: string;
  targets: readonly string[];
  version: WriteVersion;
  bytes: number;
  ttl: number;
  w: Level;
}

/** Judges a plain put once every replica answered (the data path's, one for all puts). */
export type PutDone = (put: PlainPut) => Result<PutResult> | Promise<Result<PutResult>>;

/**
 * A put as plain SETs, outside a membership change, with the key's lock taken: one quiet call per replica, each
 * answer counted against its node and marking its copy suspect or not as `DataPath.onEachTarget` does, the lock
 * released, the put's cohort ended and its promise settled with what `done` judged once all have answered. It carries what
 * `done` needs, so a put costs no closure of its own.
 */
export class PlainPut implements QuietReceiver {
  readonly replicas: ReplicaOutcome[];
  readonly promise: Promise<Result<PutResult>>;
  private resolve!: (result: Result<PutResult> | Promise<Result<PutResult>>) => void;
  private pending: number;
  private acknowledged_ = false;
  private readonly cohort: Cohort;

  constructor(
    private readonly ctx: ClusterContext,
    readonly request: PutRequest,
    private readonly inflight: InFlight,
    private readonly done: PutDone,
  ) {
    this.replicas = new Array<ReplicaOutcome>(request.targets.length);
    this.pending = request.targets.length;
    this.cohort = inflight.begin();
    this.promise = new Promise((resolve) => (this.resolve = resolve));
  }

  /**
   * Sends to every target (`links[i]` for `targets[i]`, `down` when not tried). `version` and `links` are read at
   * once and not kept: the caller may reuse them.
   */
  send(links: readonly (QuietConnection | 'down')[], version: ItemVersion, bytes: Uint8Array): void {
    const { key, targets, ttl } = this.request;
    for (let i = 0; i < targets.length; i++) {
      const link = links[i];
      if (link === 'down') this.settle(i, 'down');
      else link.setVersioned(key, version, bytes, ttl, this, i);
    }
  }

  answered(tag: number, error: NodeError | null): void {
    this.settle(tag, this.ctx.pool.answered(this.request.targets[tag], error));
  }

  private settle(i: number, error: string | null): void {
    const { pool } = this.ctx;
    const { key, targets } = this.request;
    const node = targets[i];
    if (error === null) {
      pool.clearSuspect(node, key);
      this.acknowledged_ = true;
      this.replicas[i] = { node, ok: true };
    } else {
      // Out of memory: the node dropped its old value; suspect only once another replica has the new one (below).
      if (!KEEPS_OLD_VALUE.has(error) && error !== 'out_of_memory') pool.markSuspect(node, key);
      this.replicas[i] = { node, ok: false, error };
    }
    if (--this.pending > 0) return;
    const replicas = this.replicas;
    if (this.acknowledged_) for (let r = 0; r < replicas.length; r++) if (replicas[r].error === 'out_of_memory') pool.markSuspect(replicas[r].node, key);
    // Judged before the lock goes: whoever takes it next (a change's delete, say) sees the write done.
    let result: Result<PutResult> | Promise<Result<PutResult>>;
    try {
      result = this.done(this);
    } catch (error) {
      // A bug in judging reaches the caller; the connection's other answers go on.
      result = Promise.reject(error);
    } finally {
      this.ctx.keyLocks.release(key);
      this.inflight.end(this.cohort);
    }
    this.resolve(result);
  }

  /** Some replica took the write (known once all have answered). */
  get acknowledged(): boolean {
    return this.acknowledged_;
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
