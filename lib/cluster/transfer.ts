import 'server-only';
// Executing plans against memcached: copies and deletes with progress, and bringing suspect or stray copies in line.
import { mapLimit, type KeyLocks } from '../concurrency';
import type { StoredValue } from '../memcached/node-client';
import type { CopyStep, DeleteStep } from '../plan';
import { preferenceList, type Ring } from '../ring';
import type { ClusterEvent } from './events';
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
 * Executes copies, each under its key's lock. A key in `dirty` was written during the move, which
 * already put the newer value in place, so its copy is skipped rather than overwriting it.
 */
export async function copyAll(ctx: TransferContext, copies: readonly CopyStep[], reason: string, dirty: ReadonlySet<string> | null, onStep?: (done: number) => void): Promise<CopyResult> {
  const result: CopyResult = { copied: 0, skipped: 0, failedKeys: new Set() };
  let done = 0;
  let reported = 0;
  await mapLimit(copies, ctx.concurrency, (step) =>
    ctx.keyLocks.run(step.key, async () => {
      const expired = step.exp !== -1 && step.exp <= Date.now() / 1000;
      const outcome = dirty?.has(step.key) || expired ? 'skipped' : await copyOne(ctx, step);
      if (outcome === 'copied') result.copied++;
      else if (outcome === 'skipped') result.skipped++;
      else result.failedKeys.add(step.key);
      done++;
      onStep?.(done);
      // Progress at most every 1% so a 100k-key move does not flood listeners.
      if (done === copies.length || done - reported >= Math.max(1, copies.length / 100)) {
        reported = done;
        ctx.events.emit({ type: 'move-progress', reason, done, total: copies.length });
      }
    }),
  );
  return result;
}

/** One copy: the value and flags from the first source that has it, with the key's absolute expiry. */
async function copyOne(ctx: TransferContext, step: CopyStep): Promise<'copied' | 'skipped' | 'failed'> {
  let found: StoredValue | null = null;
  for (const source of step.sources) {
    const read = await ctx.pool.call(source, (client) => client.get(step.key));
    if (read.ok && read.value) {
      found = read.value;
      break;
    }
  }
  if (!found) return 'skipped';
  const stored = found;
  // An expiry past 30 days is an absolute unix time to memcached, so the copy expires when the original would.
  const written = await ctx.pool.call(step.to, (client) => client.set(step.key, stored.value, step.exp === -1 ? 0 : step.exp, stored.flags));
  if (written.ok) return 'copied';
  ctx.pool.markSuspect(step.to, step.key);
  return 'failed';
}

/** A delete that fails leaves the copy marked suspect, so a later repair removes it instead of copying from it. */
export async function deleteAll(ctx: TransferContext, deletes: readonly DeleteStep[], onStep?: (done: number) => void): Promise<number> {
  let steps = 0;
  const results = await mapLimit(deletes, ctx.concurrency, async ({ key, from }) => {
    const done = (await ctx.pool.call(from, (client) => client.delete(key))).ok;
    if (!done) ctx.pool.markSuspect(from, key);
    onStep?.(++steps);
    return done;
  });
  return results.filter(Boolean).length;
}

/**
 * Brings each suspect copy on a reachable node in line with the trusted replicas of its key: their
 * value (with its TTL), or its absence. When no replica is trusted (each missed a write another took,
 * or a copy to it failed) the copies stay as they are: nothing tells which is newer, and none may be
 * destroyed for another. Returns how many were settled.
 */
export async function settleSuspects(ctx: TransferContext, ring: Ring): Promise<number> {
  await alignUndecided(ctx, ring);
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
  let answered = false;
  let found: { stored: StoredValue; ttl: number } | null = null;
  for (const other of trusted) {
    const read = await ctx.pool.call(other, async (client) => {
      const stored = await client.get(key);
      return stored ? { stored, ttl: await client.ttl(key) } : null;
    });
    if (!read.ok) continue;
    answered = true;
    if (read.value && read.value.ttl !== null) {
      found = { stored: read.value.stored, ttl: read.value.ttl };
      break;
    }
  }
  if (trusted.length > 0 && !answered) return false; // nobody to ask yet: keep the mark, settle later
  if (trusted.length > 0) {
    const value = found;
    const settled =
      value && list.includes(node)
        ? await ctx.pool.call(node, (client) => client.set(key, value.stored.value, value.ttl < 0 ? 0 : value.ttl, value.stored.flags))
        : await ctx.pool.call(node, (client) => client.delete(key));
    if (!settled.ok) return false;
  }
  ctx.pool.clearSuspect(node, key);
  return true;
}

/**
 * A write no replica acknowledged may have reached some copies only. Each trusted copy then holds a value reads
 * may return (the one before that write, or it), but they should not go on differing: the first trusted copy that
 * holds the key is kept, and the other trusted copies are marked suspect, for settling to align them with it. One
 * that holds the key is preferred, since a node restarted empty is trusted but holds nothing. Every trusted copy
 * must be readable and final (no older write still on its way to it), or the key waits for a later repair.
 */
async function alignUndecided(ctx: TransferContext, ring: Ring): Promise<void> {
  await mapLimit(ctx.pool.undecidedKeys(), ctx.concurrency, (key) =>
    ctx.keyLocks.run(key, async () => {
      const trusted = preferenceList(ring, key).filter((node) => !ctx.pool.isSuspect(node, key));
      if (!trusted.every((node) => ctx.pool.isUp(node) && !ctx.pool.unsettled(node))) return;
      const reads = await Promise.all(trusted.map((node) => ctx.pool.call(node, (client) => client.get(key))));
      const values: (string | null)[] = [];
      for (const read of reads) {
        if (!read.ok) return;
        values.push(read.value ? read.value.value.toString('base64') : null);
      }
      if (new Set(values).size > 1) {
        const kept = trusted[values.findIndex((value) => value !== null)];
        for (const node of trusted) if (node !== kept) ctx.pool.markSuspect(node, key);
      }
      ctx.pool.clearUndecided(key);
    }),
  );
}

/** Deletes the keys a node holds outside its preference lists (it was away while they moved); returns how many. */
export async function dropStrays(ctx: TransferContext, ring: Ring, node: string): Promise<number | null> {
  const listed = await ctx.pool.call(node, (client) => client.inventory());
  if (!listed.ok) return null;
  const strays = listed.value.filter(({ key }) => !preferenceList(ring, key).includes(node));
  await mapLimit(strays, ctx.concurrency, ({ key }) => ctx.keyLocks.run(key, () => ctx.pool.call(node, (client) => client.delete(key))));
  return strays.length;
}
