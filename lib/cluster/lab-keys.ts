// The live keys the algorithm lab runs on: every key the nodes list, with its item size, and its requests where the cluster counts them.
import type { HotView } from '../hot-view';
import type { LabKey } from '../lab';
import { keysOf, type Inventory } from '../key-columns';
import { fail, type Failure } from './types';

export interface LiveKeySource {
  inventory(): Promise<{ inventory: Inventory; unreachable: string[] }>;
  itemSizes(): Promise<{ sizes: ReadonlyMap<string, number>; unreachable: string[] }>;
  /** The cluster's request counts (hot keys), when it keeps them. */
  hotKeys?(top?: number): Promise<HotView>;
}

export interface LiveKeys {
  ok: true;
  /** In key order (listedKeys), as the lab's own listing of the cluster (lib/cluster/lab.ts) has them. */
  keys: LabKey[];
  /** Nodes whose keys or sizes could not be listed. */
  unreachable: string[];
}

/** Every key the nodes list, once, sorted: the order of the lab's keys on a cluster, listed alone or with sizes. */
export function listedKeys(inventory: Inventory): string[] {
  return [...keysOf(inventory)].sort();
}

/**
 * `requests`: counts by key; by default the cluster's own request mix (requestMix). Keys without a count carry
 * none, and the lab then reports no balance by requests.
 */
export async function liveLabKeys(source: LiveKeySource, requests?: ReadonlyMap<string, number>): Promise<LiveKeys | Failure> {
  const [listed, sized, hot] = await Promise.all([source.inventory(), source.itemSizes(), requests || !source.hotKeys ? null : source.hotKeys(Number.MAX_SAFE_INTEGER)]);
  const unreachable = [...new Set([...listed.unreachable, ...sized.unreachable])].sort();
  const names = listedKeys(listed.inventory);
  if (names.length === 0) {
    return fail('not_found', `the cluster lists no keys${unreachable.length ? ` (${unreachable.join(', ')} did not answer)` : ''}: generate some on the dashboard, or compare on generated keys`);
  }
  const counts = requests ?? (hot ? requestMix(hot, names) : undefined);
  const keys = names.map((key): LabKey => {
    const bytes = sized.sizes.get(key);
    const count = counts?.get(key);
    return { key, ...(bytes === undefined ? {} : { bytes }), ...(count === undefined ? {} : { requests: count }) };
  });
  return { ok: true, keys, unreachable };
}

/**
 * Requests per key over the hot-key window: the counted keys' own counts, and what is left of the total spread
 * evenly over the other listed keys (the sketch keeps only the hottest; each of the others had at most
 * `unlisted` requests). Undefined when nothing was requested in the window.
 */
export function requestMix(hot: Pick<HotView, 'total' | 'keys'>, names: readonly string[]): Map<string, number> | undefined {
  if (hot.total === 0) return undefined;
  const counts = new Map<string, number>();
  const listed = new Set(names);
  let counted = 0;
  for (const { key, count } of hot.keys) {
    // A counted key no longer listed was requested all the same: its share is not the others'.
    counted += count;
    if (listed.has(key)) counts.set(key, count);
  }
  const others = names.length - counts.size;
  const each = others > 0 ? Math.max(0, hot.total - counted) / others : 0;
  for (const key of names) if (!counts.has(key)) counts.set(key, each);
  return counts;
}
