// Placements as adapters show them: a key looked up on the server reads like the same key in a snapshot.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { inventoryOf } from '@/lib/plan';
import { keyPosition } from '@/lib/hash';
import { buildRing, preferenceListAt } from '@/lib/ring';
import { compareKeys, firstPlacements, keyViewOf, placementFromLocate, type KeyPlacement, type NodeKeyCounts } from '@/lib/cluster/views';
import type { KeyEntry } from '@/lib/plan';
import type { Ring } from '@/lib/ring';

type Inventory = Readonly<Record<string, readonly KeyEntry[]>>;

describe('placementFromLocate', () => {
  const ring = buildRing(['node-1', 'node-2', 'node-3', 'node-4'].map((id) => ({ id, vnodes: 40 })));
  const key = 'user:{42}:cart';
  const position = keyPosition(key);
  const preference = preferenceListAt(ring, position);

  it('matches the snapshot placement of a key every replica holds', () => {
    const [fromSnapshot] = firstPlacements(ring, inventoryOf(ring, [key])).keys;
    const located = placementFromLocate({ key, position, replicas: preference.map((node, rank) => ({ node, role: rank === 0 ? 'primary' : 'replica', status: 'up', holds: true })) });
    expect(located).toEqual(fromSnapshot);
  });

  it('counts a replica that lacks the key, or does not answer, as missing', () => {
    const located = placementFromLocate({
      key,
      position,
      replicas: preference.map((node, rank) => ({ node, role: rank === 0 ? 'primary' : 'replica', status: rank === 2 ? 'down' : 'up', holds: rank === 0 ? true : rank === 1 ? false : null })),
    });
    expect(located.preference).toEqual([...preference]);
    expect(located.holders).toEqual([preference[0]]);
    expect(located.missing).toEqual([preference[1], preference[2]]);
  });
});

/** The plain ways to the same answers, each key looked at per node: the oracles for the one-pass views. */
function naivePlacements(ring: Ring, inventory: Inventory): KeyPlacement[] {
  const holders = new Map<string, string[]>();
  for (const [node, entries] of Object.entries(inventory)) for (const { key } of entries) holders.set(key, [...(holders.get(key) ?? []), node]);
  return [...holders]
    .map(([key, held]) => {
      const position = keyPosition(key);
      const preference = [...preferenceListAt(ring, position)];
      return { key, position, preference, holders: held.sort(), missing: preference.filter((n) => !held.includes(n)) };
    })
    .sort((a, b) => compareKeys(a.key, b.key));
}

function naiveCounts(ring: Ring, ids: readonly string[], inventory: Inventory): Record<string, NodeKeyCounts | null> {
  const counts: Record<string, NodeKeyCounts | null> = {};
  for (const id of ids) {
    if (!inventory[id]) {
      counts[id] = null;
      continue;
    }
    const count = { primary: 0, replica: 0, misplaced: 0 };
    for (const { key } of inventory[id]) {
      const rank = preferenceListAt(ring, keyPosition(key)).indexOf(id);
      if (rank === 0) count.primary++;
      else if (rank > 0) count.replica++;
      else count.misplaced++;
    }
    counts[id] = count;
  }
  return counts;
}

describe('keyViewOf', () => {
  const ring = buildRing(['node-1', 'node-2', 'node-3', 'node-4', 'node-5'].map((id) => ({ id, vnodes: 20 })));
  const ids = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6'];

  it('shows what a plain per-node walk shows, for the first keys only, whatever the limit', () => {
    fc.assert(
      fc.property(
        fc.uniqueArray(fc.string({ minLength: 1, maxLength: 6 }), { maxLength: 80 }),
        fc.integer({ min: 1, max: 30 }),
        fc.array(fc.tuple(fc.nat(), fc.constantFrom(...ids)), { maxLength: 20 }),
        (keys, limit, strays) => {
          const inventory = inventoryOf(ring, keys);
          for (const [k, node] of strays) {
            if (keys.length === 0) break;
            const key = keys[k % keys.length];
            const entries = (inventory[node] ??= []);
            if (!entries.some((e) => e.key === key)) entries.push({ key, exp: -1 });
          }
          delete inventory['node-5']; // a node that did not answer
          const view = keyViewOf(ring, ids, inventory, limit);
          const all = naivePlacements(ring, inventory);
          expect(view.keyCount).toBe(all.length);
          expect(view.placements).toEqual(all.slice(0, limit));
          expect(view.counts).toEqual(naiveCounts(ring, ids, inventory));
          expect(keyViewOf(ring, ids, inventory, 0).placements).toEqual([]);
          const one = firstPlacements(ring, inventory, { nodeId: 'node-2', limit });
          const onNode = all.filter((p) => p.holders.includes('node-2'));
          expect(one).toEqual({ keys: onNode.slice(0, limit), total: onNode.length });
          expect([...view.positions].sort((a, b) => a - b)).toEqual(all.map((p) => p.position).sort((a, b) => a - b));
          const under = all.filter((p) => p.missing.length > 0);
          expect(view.underReplicated).toBe(under.length);
          expect(view.moving).toBe(0);
          expect(firstPlacements(ring, inventory, { missing: true, limit })).toEqual({ keys: under.slice(0, limit), total: under.length });
        },
      ),
      { numRuns: 200 },
    );
  });
});
