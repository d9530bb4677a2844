import 'server-only';
// Bringing each key's copies to one version: read every copy on the key's list, put the newest over the older ones.
import { mapLimit } from '../concurrency';
import { compareItemVersions, type ItemVersion } from '../envelope';
import { envelopeOf, type VersionedItem } from '../memcached/node-client';
import { keysOf, type Inventory } from '../key-columns';
import { preferenceList, type Ring } from '../ring';
import type { TransferContext } from './transfer';

export interface Convergence {
  /** Keys whose copies were read. */
  compared: number;
  /** Keys whose copies disagreed: one older than another, or missing beside a versioned one. */
  divergent: number;
  /** Copies written: the newest over an older copy, or into a gap. */
  copied: number;
  /** Keys whose newest copy could not be written everywhere (their nodes were marked suspect). */
  failed: number;
}

interface Copy {
  node: string;
  item: VersionedItem | null;
}

/**
 * For each key, reads its copy on every reachable node of its list whose copy is trusted (suspect copies are
 * settled beforehand, or stay as they are) and writes the newest versioned one, value or tombstone, over the
 * others with a conditional write, so a write landing meanwhile is never overwritten. With `apply` false it only
 * counts. Keys whose copies carry no version (earlier Ringside) are left to the planner, which goes by presence.
 * Every copy is read: keys times replicas reads, which is why only an explicit repair does it.
 */
export async function convergeVersions(ctx: TransferContext, ring: Ring, keys: Iterable<string>, apply: boolean): Promise<Convergence> {
  const result: Convergence = { compared: 0, divergent: 0, copied: 0, failed: 0 };
  const converge = async (key: string) => {
    const nodes = preferenceList(ring, key).filter((node) => ctx.pool.isUp(node) && !ctx.pool.isSuspect(node, key));
    if (nodes.length < 2) return;
    const outcome = await convergeKey(ctx, key, nodes, apply);
    result.compared++;
    if (outcome.behind > 0) result.divergent++;
    result.copied += outcome.copied;
    if (outcome.failed) result.failed++;
  };
  await mapLimit([...keys], ctx.concurrency, (key) => (apply ? ctx.keyLocks.run(key, () => converge(key)) : converge(key)));
  return result;
}

export interface KeyConvergence {
  /** Nodes that answered, and how many of them held an older copy than the newest (or none). */
  answered: number;
  behind: number;
  copied: number;
  /** A write of the newest copy failed (its node is marked suspect). */
  failed: boolean;
}

/** Reads the key on `nodes` and, with `apply`, writes the newest versioned copy over the older ones (call under the key's lock). */
export async function convergeKey(ctx: TransferContext, key: string, nodes: readonly string[], apply: boolean): Promise<KeyConvergence> {
  const reads = await Promise.all(nodes.map((node) => ctx.pool.call(node, (client) => client.getVersioned(key))));
  const copies: Copy[] = nodes.flatMap((node, i) => {
    const read = reads[i];
    return read.ok ? [{ node, item: read.value }] : [];
  });
  const outcome: KeyConvergence = { answered: copies.length, behind: 0, copied: 0, failed: false };
  const newest = newestOf(copies);
  if (!newest) return outcome;
  const behind = copies.filter((copy) => compareItemVersions(copy.item?.version ?? null, newest.version) < 0);
  outcome.behind = behind.length;
  if (!apply || behind.length === 0) return outcome;
  const ttl = await ctx.pool.call(newest.node, (client) => client.ttl(key));
  // Gone since it was read (expired): nothing to spread.
  if (!ttl.ok || ttl.value === null) return outcome;
  const expires = ttl.value < 0 ? 0 : ttl.value;
  for (const { node } of behind) {
    const written = await ctx.pool.call(node, (client) => client.storeIfNewer(key, envelopeOf(newest.item), expires));
    if (written.ok && written.value.outcome === 'stored') outcome.copied++;
    else if (!written.ok) {
      ctx.pool.markSuspect(node, key);
      outcome.failed = true;
    }
  }
  return outcome;
}

/** Every key listed, as a value or a tombstone, once. */
export function listedKeys(...inventories: Inventory[]): Set<string> {
  const keys = new Set<string>();
  for (const inventory of inventories) for (const key of keysOf(inventory)) keys.add(key);
  return keys;
}

/** The copy with the highest version, or null when no copy carries one. */
function newestOf(copies: readonly Copy[]): { node: string; item: VersionedItem; version: ItemVersion } | null {
  let newest: { node: string; item: VersionedItem; version: ItemVersion } | null = null;
  for (const { node, item } of copies) {
    if (!item?.version) continue;
    if (!newest || compareItemVersions(item.version, newest.version) > 0) newest = { node, item, version: item.version };
  }
  return newest;
}
