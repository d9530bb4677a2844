import 'server-only';
// One node's keys and tombstones apart: memcached's listing sized against probe tombstones, and reads of only the items that match.
import { mapLimit } from '../concurrency';
import type { VersionedItem } from './node-client';
import { pickItems, type KeyColumns, type NodeColumn } from '../key-columns';
import { reservedSizes, scanMetadump, scanMetadumpInto, type Candidate, type InventoryItem } from './metadump';
import { PROBE, PROBE_KEYS, PROBE_TTL_SECONDS, type Confirmation, type TombstoneIndex, type TombstoneItem } from './tombstones';

export interface Listing {
  /** Live user keys: never a tombstone, never a reserved key. */
  keys: InventoryItem[];
  tombstones: TombstoneItem[];
  /** Items whose size matched a tombstone's, and how many of them had to be read (the others were known). */
  candidates: number;
  reads: number;
}

/** What a listing needs of a node client. */
export interface ListingPort {
  stats(): Promise<Record<string, string>>;
  add(key: string, value: Buffer, expires: number, flags: number): Promise<boolean>;
  metadump(until: number): Promise<string>;
  getVersioned(key: string, until: number): Promise<VersionedItem | null>;
}

const READS_IN_FLIGHT = 16;
/** Refusals of the probe's write, which the listing survives (a full node is still listed). */
const REFUSALS = new Set(['out_of_memory', 'server_error', 'too_large']);

async function writeProbes(node: ListingPort): Promise<void> {
  await Promise.all(
    PROBE_KEYS.map((key) =>
      node.add(key, PROBE.value, PROBE_TTL_SECONDS, PROBE.flags).catch((error: { code?: string }) => {
        if (!REFUSALS.has(error?.code ?? '')) throw error;
      }),
    ),
  );
}

/**
 * Lists a node. metadump gives sizes but no flags, and a tombstone's size is fixed by its key's length, so
 * only items of exactly that size are read, and only those not already read with the same CAS. The probe
 * tombstones are written once per server process (its pid and start time, from `stats`) that holds
 * anything, before the listing that measures them. They cost a chunk each of the smallest slab classes,
 * where tombstones themselves go.
 */
export async function listNode(node: ListingPort, index: TombstoneIndex, until: number): Promise<Listing> {
  const reply = await metadumpOf(node, index, until);
  const { items, candidates } = scanMetadump(reply, Date.now() / 1000, index.isCandidate);
  const { tombstones, dropped, reads } = await confirmCandidates(node, index, until, candidates);
  const keys = dropped.size === 0 ? items : items.filter((item) => !dropped.has(item.key));
  return { keys, tombstones, candidates: candidates.length, reads };
}

/**
 * A node's listing with its keys numbered into `table`, one of the cluster's: as listNode, without an object per key.
 * `onStats` gets the `stats` read before the listing, as soon as they arrive (the counters a kept inventory starts from).
 * `withCas` keeps each item's CAS in the column (what a move's conditional deletes need).
 */
export async function listNodeInto(
  node: ListingPort,
  index: TombstoneIndex,
  until: number,
  table: KeyColumns,
  { onStats, withCas = false }: { onStats?: (stats: Record<string, string>) => void; withCas?: boolean } = {},
): Promise<Omit<Listing, 'keys'> & { column: NodeColumn }> {
  const reply = await metadumpOf(node, index, until, onStats);
  const { column, candidates } = scanMetadumpInto(reply, Date.now() / 1000, table, index.isCandidate, withCas);
  const { tombstones, dropped, reads } = await confirmCandidates(node, index, until, candidates);
  return { column: dropped.size === 0 ? column : dropKeys(column, (k) => dropped.has(table.keys[k])), tombstones, candidates: candidates.length, reads };
}

/** The column less the items whose key number passes `drop`. */
export function dropKeys(column: NodeColumn, drop: (k: number) => boolean): NodeColumn {
  const kept: number[] = [];
  for (let i = 0; i < column.ids.length; i++) if (!drop(column.ids[i])) kept.push(i);
  return pickItems(column, kept);
}

async function metadumpOf(node: ListingPort, index: TombstoneIndex, until: number, onStats?: (stats: Record<string, string>) => void): Promise<string> {
  const stats = await node.stats();
  onStats?.(stats);
  index.useInstance(`${stats.pid}@${Number(stats.time) - Number(stats.uptime)}`);
  // An empty server has nothing to classify: it is left untouched (the probes would take a slab page of their own).
  if (!index.calibrated && Number(stats.curr_items) > 0) await writeProbes(node);
  const reply = await node.metadump(until);
  index.calibrate(reservedSizes(reply, PROBE_KEYS));
  return reply;
}

/** Reads the items whose size says they may be tombstones: the tombstones, and the keys to leave out (tombstones, and keys gone since). */
async function confirmCandidates(node: ListingPort, index: TombstoneIndex, until: number, candidates: Candidate[]): Promise<{ tombstones: TombstoneItem[]; dropped: Set<string>; reads: number }> {
  let reads = 0;
  const gone = new Set<string>();
  const confirmations = await mapLimit(candidates, READS_IN_FLIGHT, async (candidate): Promise<Confirmation | null> => {
    const known = index.lookup(candidate);
    if (known) return known;
    reads++;
    const item = await node.getVersioned(candidate.key, until);
    if (!item) {
      // Deleted or expired since the listing.
      gone.add(candidate.key);
      return null;
    }
    const tombstone = item.kind === 'tombstone' && item.version ? { key: candidate.key, exp: candidate.exp, version: item.version } : null;
    return { key: candidate.key, cas: item.cas, tombstone };
  });
  const confirmed = confirmations.filter((c): c is Confirmation => c !== null);
  index.remember(confirmed);

  const tombstones = confirmed.flatMap((c) => (c.tombstone ? [c.tombstone] : []));
  return { tombstones, dropped: new Set([...gone, ...tombstones.map((t) => t.key)]), reads };
}
