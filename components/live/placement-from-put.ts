// The placement a put's own answer carries: its replicas in preference order and which of them took the value.
import { keyPosition } from '@/lib/hash';
import type { PutResult } from '@/lib/cluster/types';
import type { KeyPlacement } from '@/lib/cluster/views';

/**
 * `replicas` is the cluster's replication factor. A put reaches the key's preference list first, and during a move
 * the old list's nodes after it: the first `replicas` targets are the list, and any target that acknowledged holds the key.
 */
export function placementFromPut(result: Pick<PutResult, 'key' | 'replicas'>, replicas: number): KeyPlacement {
  const preference = result.replicas.slice(0, replicas).map((r) => r.node);
  const holders = result.replicas
    .filter((r) => r.ok)
    .map((r) => r.node)
    .sort();
  return { key: result.key, position: keyPosition(result.key), preference, holders, missing: preference.filter((node) => !holders.includes(node)) };
}
