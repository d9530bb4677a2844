// The live keys the algorithm lab runs on: every key the nodes list, with its item size, and its requests where the cluster counts them.
import type { LabKey } from '../lab';
import type { Inventory } from '../plan';
import { fail, type Failure } from './types';

export interface LiveKeySource {
  inventory(): Promise<{ inventory: Inventory; unreachable: string[] }>;
  itemSizes(): Promise<{ sizes: ReadonlyMap<string, number>; unreachable: string[] }>;
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
  const names = new Set<string>();
  for (const entries of Object.values(inventory)) for (const { key } of entries) names.add(key);
  return [...names].sort();
}

/** `requests`: counts by key where the cluster has them (hot keys); keys it does not count carry none. */
export async function liveLabKeys(source: LiveKeySource, requests?: ReadonlyMap<string, number>): Promise<LiveKeys | Failure> {
  const [listed, sized] = await Promise.all([source.inventory(), source.itemSizes()]);
  const unreachable = [...new Set([...listed.unreachable, ...sized.unreachable])].sort();
  const names = listedKeys(listed.inventory);
  if (names.length === 0) {
    return fail('not_found', `the cluster lists no keys${unreachable.length ? ` (${unreachable.join(', ')} did not answer)` : ''}: generate some on the dashboard, or compare on generated keys`);
  }
  const keys = names.map((key): LabKey => {
    const bytes = sized.sizes.get(key);
    const count = requests?.get(key);
    return { key, ...(bytes === undefined ? {} : { bytes }), ...(count === undefined ? {} : { requests: count }) };
  });
  return { ok: true, keys, unreachable };
}
