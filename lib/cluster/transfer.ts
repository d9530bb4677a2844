import 'server-only';
// Executing plans against memcached: copies and deletes with progress, and bringing suspect or stray copies in line.
import { mapLimit, type KeyLocks } from '../concurrency';
import { TOMBSTONE_RETENTION_SECONDS } from '../envelope';
import { envelopeOf, type VersionedItem } from '../memcached/node-client';
import type { CopyStep, DeleteStep } from '../plan';
import { preferenceList, type Ring } from '../ring';
import type { ClusterEvent } from './events';
import { convergeKey } from './converge';
import type { NodePool } from './node-pool';

export interface TransferContext {
  pool: NodePool;
  keyLocks: KeyLocks;
  events: { emit(event: ClusterEvent): void };
  /** Copies and deletes in flight. */
  concurrency: number;
}

export interface CopyResult {
  copied: number;
  skipped: number;
  /** Keys with a copy that failed: their old holders must keep their copies. */
  failedKeys: Set<string>;
}

/**
 * Executes copies, each under its key's lock (this process's writes wait) and each a conditional write (so a
 * newer write, from this process during a move or from another, is never overwritten by the copy).
 */
export async function copyAll(ctx: TransferContext, copies: readonly CopyStep[], reason: string | null, onStep?: (done: number) => void): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, skipped: 0, failedKeys: new Set() };
  let done = 0;
  let reported = 0;
  await mapLimit(copies, ctx.concurrency, (step) =>
    ctx.keyLocks.run(step.key, async () => {
      const expired = step.exp !== -1 && step.exp <= Date.now() / 1000;
      const outcome = expired ? 'skipped' : await copyOne(ctx, step);
      if (outcome === 'copied') result.copied++;
      else if (outcome === 'skipped') result.skipped++;
      else result.failedKeys.add(step.key);
      done++;
      onStep?.(done);
      // Progress at most every 1% so a 100k-key move does not flood listeners.
      if (reason !== null && (done === copies.length || done - reported >= Math.max(1, copies.length / 100))) {
        reported = done;
        ctx.events.emit({ type: 'move-progress', reason, done, total: copies.length });
      }
    }),
  );
  return result;
}

/**
 * One copy: the item (a value or a delete) from the first source that has it, with the key's absolute expiry.
 * The copy is skipped where the target already holds that write or a newer one.
 */
async function copyOne(ctx: TransferContext, step: CopyStep): Promise<'copied' | 'skipped' | 'failed'> {
  let found: VersionedItem | null = null;
  for (const source of step.sources) {
    const read = await ctx.pool.call(source, (client) => client.getVersioned(step.key));
    if (read.ok && read.value) {
      found = read.value;
      break;
    }
  }
  if (!found) return 'skipped';
  const item = found;
  const deleted = item.kind === 'tombstone';
  // A tombstone's source written over since it was listed: the newer value reaches the new list by itself, and takes no TTL from the tombstone.
  if (step.tombstone && !deleted) return 'skipped';
  // An expiry past 30 days is an absolute unix time to memcached, so the copy expires when the original would.
  // A key deleted since it was listed is copied as its tombstone, kept for the retention time.
  const expires = deleted && !step.tombstone ? TOMBSTONE_RETENTION_SECONDS : step.exp === -1 ? 0 : step.exp;
  const written = await ctx.pool.call(step.to, (client) => client.storeIfNewer(step.key, envelopeOf(item), expires));
  if (written.ok) return written.value.outcome === 'stored' ? 'copied' : 'skipped';
  ctx.pool.markSuspect(step.to, step.key);
  return 'failed';
}

/**
 * A delete that fails leaves the copy marked suspect, so a later repair removes it instead of copying from it.
 * With `spare`, each delete runs under its key's lock (this process's writes of the key wait) and is skipped
 * when `spare` says a write has made that copy current since the plan. A delete of a copy on its key's new list
 * runs under the lock too, and stays conditional (see deleteListed). Returns how many were deleted.
 */
export async function deleteAll(ctx: TransferContext, deletes: readonly DeleteStep[], onStep?: (done: number) => void, spare?: (step: DeleteStep) => boolean): Promise<number> {
  let steps = 0;
  const results = await mapLimit(deletes, ctx.concurrency, async (step) => {
    const locked = spare !== undefined || step.peers !== undefined;
    const done = locked ? await ctx.keyLocks.run(step.key, async () => !spare?.(step) && (await deleteOne(ctx, step))) : await deleteOne(ctx, step);
    onStep?.(++steps);
    return done;
  });
  return results.filter(Boolean).length;
}

async function deleteOne(ctx: TransferContext, step: DeleteStep): Promise<boolean> {
  if (step.peers) return (await deleteListed(ctx, step, step.peers)) === 'deleted';
  const done = (await ctx.pool.call(step.from, (client) => client.delete(step.key))).ok;
  if (!done) ctx.pool.markSuspect(step.from, step.key);
  return done;
}

/**
 * The delete of a copy on its key's new list that no node of its old list held when listed. The nodes are listed
 * while every process writes to both lists, so the copy may be current rather than stale: written after its node
 * was listed (its CAS has changed, and memcached refuses the delete), or between the listings of its `peers` and
 * its own (a peer holds a value now; the copies are then brought to the newest among them). Either way the copy
 * stays: `spared`, which is neither a failure nor a suspect copy. A peer that cannot be read leaves the question
 * open: the copy is marked suspect (reads pass it over, and a repair settles it from the trusted replicas).
 */
async function deleteListed(ctx: TransferContext, { key, from, cas }: DeleteStep, peers: readonly string[]): Promise<'deleted' | 'spared' | 'failed'> {
  const failed = () => (ctx.pool.markSuspect(from, key), 'failed' as const);
  // Without a listed CAS (this process wrote the key since the listing) the copy's CAS is read before the peers.
  let expected = cas ? BigInt(cas) : null;
  if (expected === null) {
    const read = await ctx.pool.call(from, (client) => client.getVersioned(key));
    if (!read.ok) return failed();
    if (!read.value) return 'deleted';
    expected = read.value.cas;
  }
  const reachable = peers.filter((peer) => ctx.pool.isUp(peer));
  const reads = await Promise.all(reachable.map((peer) => ctx.pool.call(peer, (client) => client.getVersioned(key))));
  if (reads.some((read) => read.ok && read.value !== null && read.value.kind !== 'tombstone')) {
    await convergeKey(ctx, key, [...reachable, from], true);
    return 'spared';
  }
  if (reads.some((read) => !read.ok)) return failed();
  const deleted = await ctx.pool.call(from, (client) => client.deleteIfUnchanged(key, expected));
  if (!deleted.ok) return failed();
  // `absent`: someone deleted it first, which is what this delete was for.
  return deleted.value === 'changed' ? 'spared' : 'deleted';
}

/**
 * Brings each suspect copy on a reachable node in line with the trusted replicas of its key: their
 * value (with its TTL), or its absence. When no replica is trusted (a write failed everywhere) the
 * copies stay as they are: that write's outcome is unknown, and an acknowledged older value must not
 * be destroyed. Returns how many were settled.
 */
export async function settleSuspects(ctx: TransferContext, ring: Ring): Promise<number> {
  let settled = 0;
  for (const [node, keys] of Object.entries(ctx.pool.suspectsByNode())) {
    if (!ctx.pool.isUp(node)) continue;
    const results = await mapLimit(keys, ctx.concurrency, (key) => ctx.keyLocks.run(key, () => settleSuspect(ctx, ring, node, key)));
    settled += results.filter(Boolean).length;
  }
  return settled;
}

async function settleSuspect(ctx: TransferContext, ring: Ring, node: string, key: string): Promise<boolean> {
  if (!ctx.pool.isSuspect(node, key)) return false;
  const list = preferenceList(ring, key);
  const trusted = list.filter((other) => other !== node && !ctx.pool.isSuspect(other, key));
  if (trusted.length === 0 && list.includes(node)) return settleUntrusted(ctx, list, key);
  let answered = false;
  let found: { item: VersionedItem; ttl: number } | null = null;
  for (const other of trusted) {
    const read = await ctx.pool.call(other, async (client) => {
      const item = await client.getVersioned(key);
      return item ? { item, ttl: await client.ttl(key) } : null;
    });
    if (!read.ok) continue;
    answered = true;
    if (read.value && read.value.ttl !== null) {
      found = { item: read.value.item, ttl: read.value.ttl };
      break;
    }
  }
  if (trusted.length > 0 && !answered) return false; // nobody to ask yet: keep the mark, settle later
  if (trusted.length > 0) {
    const trustedCopy = found;
    if (trustedCopy && list.includes(node)) {
      // The trusted write (a value or a tombstone) goes over an older copy.
      const settled = await ctx.pool.call(node, (client) => client.storeIfNewer(key, envelopeOf(trustedCopy.item), trustedCopy.ttl < 0 ? 0 : trustedCopy.ttl));
      if (!settled.ok) return false;
      // A newer copy there is a write that reached this node and not the others (its outcome unknown to them): newest wins, on every replica.
      const reachable = list.filter((other) => ctx.pool.isUp(other));
      if (settled.value.outcome === 'older' && trustedCopy.item.version) await convergeKey(ctx, key, reachable, true);
    } else if (!(await ctx.pool.call(node, (client) => client.delete(key))).ok) return false;
  }
  ctx.pool.clearSuspect(node, key);
  return true;
}

/**
 * A key whose every copy is suspect: a write reached no replica in time, so its outcome is unknown, and it may have
 * landed on some. The copies of the reachable replicas are brought to the newest version among them (the unknown
 * write where it landed, else the acknowledged one before it: never older), and their marks go; copies without a
 * version stay as they are. An unreachable replica keeps its mark, and is settled against these when it returns.
 */
async function settleUntrusted(ctx: TransferContext, list: readonly string[], key: string): Promise<boolean> {
  const reachable = list.filter((node) => ctx.pool.isUp(node));
  const outcome = await convergeKey(ctx, key, reachable, true);
  if (outcome.answered < reachable.length || outcome.failed) return false;
  for (const node of reachable) ctx.pool.clearSuspect(node, key);
  return true;
}

/** Deletes the keys a node holds outside its preference lists (it was away while they moved), but those in `keep`; returns how many. */
export async function dropStrays(ctx: TransferContext, ring: Ring, node: string, keep?: ReadonlySet<string>): Promise<number | null> {
  const listed = await ctx.pool.call(node, (client) => client.inventory());
  if (!listed.ok) return null;
  const strays = listed.value.filter(({ key }) => !keep?.has(key) && !preferenceList(ring, key).includes(node));
  await mapLimit(strays, ctx.concurrency, ({ key }) => ctx.keyLocks.run(key, () => ctx.pool.call(node, (client) => client.delete(key))));
  return strays.length;
}
