import 'server-only';
// The change lock and leadership on etcd: one key each, held under a lease, given up as soon as the lease cannot be vouched for.
import type { Etcd3, Lease } from 'etcd3';
import { within } from './etcd-client';
import type { StoreFailure } from './types';

export interface LeaseTarget {
  client: Etcd3;
  endpoints: string[];
  deadlineMs: number;
  ttlSec: number;
}

/**
 * A granted lease and whether it can still be trusted. etcd expires a lease TTL after the last keepalive
 * it received, which is after the last one we sent: counting from the last answer, less a margin, we
 * give it up before etcd could have handed the key to someone else.
 */
export class HeldLease {
  private lostReason: string | null = null;
  private readonly listeners = new Set<(reason: string) => void>();
  private readonly timer: NodeJS.Timeout;
  private lastAnswer: number;

  constructor(
    private readonly target: LeaseTarget,
    readonly lease: Lease,
    readonly id: string,
    askedAt: number,
  ) {
    this.lastAnswer = askedAt;
    const trustMs = target.ttlSec * 1000 - Math.max(500, (target.ttlSec * 1000) / 4);
    lease.on('keepaliveSucceeded', () => (this.lastAnswer = Date.now()));
    lease.on('lost', (error: Error) => this.lose(`its lease ended (${error.message})`));
    this.timer = setInterval(() => {
      if (Date.now() - this.lastAnswer > trustMs) this.lose(`etcd did not renew its lease for ${Date.now() - this.lastAnswer} ms`);
    }, 100);
    this.timer.unref();
  }

  get lost(): boolean {
    return this.lostReason !== null;
  }

  onLost(listener: (reason: string) => void): void {
    if (this.lostReason !== null) listener(this.lostReason);
    else this.listeners.add(listener);
  }

  lose(reason: string): void {
    if (this.lostReason !== null) return;
    this.lostReason = reason;
    clearInterval(this.timer);
    this.lease.release();
    for (const listener of this.listeners) listener(reason);
    this.listeners.clear();
  }

  /** Revokes the lease, which deletes the key at once; a failure leaves it to lapse within its TTL. */
  async revoke(reason: string): Promise<void> {
    this.lose(reason);
    await within(this.target, 'revoke a lease', () => this.target.client.leaseClient.leaseRevoke({ ID: this.id })).catch(() => undefined);
  }
}

export type Claim = { ok: true; held: HeldLease } | { ok: false; error: 'busy'; holder: string } | StoreFailure;

/** Creates `key` with `value` under a new lease if nobody holds it; else says who does. */
export async function claimKey(target: LeaseTarget, key: string, value: string, what: string): Promise<Claim> {
  const askedAt = Date.now();
  const lease = target.client.lease(target.ttlSec);
  lease.on('lost', () => undefined);
  const keyBytes = Buffer.from(key);
  const attempt = await within(target, what, async () => {
    const id = await lease.grant();
    const response = await target.client.kv.txn({
      compare: [{ key: keyBytes, target: 'Create', result: 'Equal', create_revision: 0 }],
      success: [{ request_put: { key: keyBytes, value: Buffer.from(value), lease: id } }],
      failure: [{ request_range: { key: keyBytes } }],
    });
    const current = response.succeeded ? null : response.responses[0]?.response_range?.kvs[0];
    // A retried request may find the key its own first attempt created.
    if (response.succeeded || current?.lease === id) return { id, holder: null };
    return { id, holder: current ? current.value.toString() : '' };
  });
  if (!attempt.ok || attempt.value.holder !== null) {
    void lease.revoke().catch(() => undefined);
    return attempt.ok ? { ok: false, error: 'busy', holder: attempt.value.holder ?? '' } : attempt;
  }
  return { ok: true, held: new HeldLease(target, lease, attempt.value.id, askedAt) };
}
