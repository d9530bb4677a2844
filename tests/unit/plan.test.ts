// The move planner: minimal copies and deletes for ring changes, repair of a drifted inventory, movement bands.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { keyPosition } from '@/lib/hash';
import { Holdings } from '@/lib/holdings';
import { inventoryOf, minimumCopies, planMoves, type KeyEntry } from '@/lib/plan';
import { planTombstoneCopies } from '@/lib/plan-tombstones';
import { buildRing, preferenceList, preferenceListAt, type Ring } from '@/lib/ring';

const named = (ids: readonly string[], vnodes = 160) => ids.map((id) => ({ id, vnodes }));
const FIVE = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const SIX = [...FIVE, 'node-6'];
const five = buildRing(named(FIVE));
const six = buildRing(named(SIX));
const keys = Array.from({ length: 2_000 }, (_, i) => `user:${i}:profile`);

const entering = (before: Ring, after: Ring, key: string) => {
  const old = preferenceList(before, key);
  return preferenceList(after, key).filter((id) => !old.includes(id));
};
const leaving = (before: Ring, after: Ring, key: string) => entering(after, before, key);
const without = (inventory: Record<string, KeyEntry[]>, node: string): Record<string, KeyEntry[]> => ({ ...inventory, [node]: [] });
// The planner walks keys in inventory order; compare steps as sets.
const pairsOf = (steps: readonly { key: string; from: string }[]) => steps.map((s) => `${s.key}\n${s.from}`).sort();

describe('planning a ring change from a matching inventory', () => {
  it('adding a node copies only onto it, the minimum, and deletes only where a key left the list', () => {
    const plan = planMoves(five, six, inventoryOf(five, keys));
    expect(plan.keys).toBe(keys.length);
    expect(plan.copies.length).toBe(minimumCopies(five, six, keys));
    expect(plan.copies.length).toBeGreaterThan(0);
    for (const copy of plan.copies) {
      expect(copy.to).toBe('node-6');
      expect(entering(five, six, copy.key)).toEqual(['node-6']);
      expect(copy.sources).toEqual(preferenceList(five, copy.key));
    }
    for (const { key, from } of plan.deletes) expect(leaving(five, six, key)).toEqual([from]);
    expect(plan.deletes.length).toBe(plan.copies.length);
    expect(plan.primariesMoved).toBe(keys.filter((k) => preferenceList(six, k)[0] === 'node-6').length);
    expect(plan.deferred).toBe(0);
  });

  it('plans the same with lists longer than three (five replicas): copies only onto the new node, the minimum', () => {
    const fiveOfSix = buildRing(named(FIVE), 5);
    const sixOfSix = buildRing(named(SIX), 5);
    const plan = planMoves(fiveOfSix, sixOfSix, inventoryOf(fiveOfSix, keys));
    expect(plan.copies.length).toBe(minimumCopies(fiveOfSix, sixOfSix, keys));
    expect(plan.copies.length).toBeGreaterThan(0);
    for (const copy of plan.copies) expect(copy.to).toBe('node-6');
    for (const { key, from } of plan.deletes) expect(leaving(fiveOfSix, sixOfSix, key)).toEqual([from]);
    expect(plan.deletes.length).toBe(plan.copies.length);
    expect(planMoves(sixOfSix, sixOfSix, inventoryOf(sixOfSix, keys))).toMatchObject({ copies: [], deletes: [] });
  });

  it('removing a node copies only to nodes entering a list, from its holders, and deletes only on the removed node', () => {
    const after = buildRing(named(SIX.filter((id) => id !== 'node-3')));
    const plan = planMoves(six, after, inventoryOf(six, keys));
    expect(plan.copies.length).toBe(minimumCopies(six, after, keys));
    for (const copy of plan.copies) {
      expect(entering(six, after, copy.key)).toEqual([copy.to]);
      expect(copy.sources).toEqual(preferenceList(six, copy.key));
      expect(copy.sources).toContain('node-3');
    }
    expect(new Set(plan.deletes.map((d) => d.from))).toEqual(new Set(['node-3']));
    expect(plan.deletes.length).toBe(keys.filter((k) => preferenceList(six, k).includes('node-3')).length);
    expect(plan.deletes.length).toBe(plan.copies.length);
  });

  it('is empty when the ring does not change and the inventory matches it', () => {
    expect(planMoves(six, buildRing([...named(SIX)].reverse()), inventoryOf(six, keys))).toEqual({
      keys: keys.length,
      copies: [],
      deletes: [],
      primariesMoved: 0,
      deferred: 0,
      minimumCopies: 0,
    });
  });

  it('is empty for an empty inventory', () => {
    expect(planMoves(five, six, {})).toEqual({ keys: 0, copies: [], deletes: [], primariesMoved: 0, deferred: 0, minimumCopies: 0 });
  });
});

describe('planning a repair on an unchanged ring', () => {
  it('refills a node that restarted empty, and deletes nothing', () => {
    const plan = planMoves(six, six, without(inventoryOf(six, keys), 'node-4'));
    const owed = keys.filter((k) => preferenceList(six, k).includes('node-4'));
    expect(plan.copies.map((c) => c.key).sort()).toEqual(owed.sort());
    for (const copy of plan.copies) {
      expect(copy.to).toBe('node-4');
      expect(copy.sources).toEqual(preferenceList(six, copy.key).filter((id) => id !== 'node-4'));
    }
    expect(plan.deletes).toEqual([]);
    expect(plan.primariesMoved).toBe(0);
  });

  it('deletes a stray key from the one node that should not hold it', () => {
    const key = keys[7];
    const stray = SIX.find((id) => !preferenceList(six, key).includes(id))!;
    const inventory = inventoryOf(six, keys);
    inventory[stray].push({ key, exp: -1 });
    const plan = planMoves(six, six, inventory);
    expect(plan.deletes).toEqual([{ key, from: stray }]);
    expect(plan.copies).toEqual([]);
  });

  it('copies nothing to and deletes nothing from unavailable nodes, counting the owed copies as deferred', () => {
    const inventory = without(inventoryOf(six, keys), 'node-4');
    const strayKey = keys.find((k) => !preferenceList(six, k).includes('node-5'))!;
    inventory['node-5'].push({ key: strayKey, exp: -1 });
    const plan = planMoves(six, six, inventory, { unavailable: new Set(['node-4', 'node-5']) });
    expect(plan.copies).toEqual([]);
    expect(plan.deletes).toEqual([]);
    expect(plan.deferred).toBe(keys.filter((k) => preferenceList(six, k).includes('node-4')).length);
  });

  it('merges expiries: never (-1) wins, otherwise the latest', () => {
    const ring = buildRing(named(['a', 'b', 'c']), 3);
    const copyExp = (a: KeyEntry[], b: KeyEntry[]) => {
      const { copies } = planMoves(ring, ring, { a, b, c: [] });
      expect(copies.map((c) => c.to)).toEqual(['c']);
      return copies[0].exp;
    };
    expect(copyExp([{ key: 'k', exp: 100 }], [{ key: 'k', exp: 200 }])).toBe(200);
    expect(copyExp([{ key: 'k', exp: 300 }], [{ key: 'k', exp: 200 }])).toBe(300);
    expect(copyExp([{ key: 'k', exp: -1 }], [{ key: 'k', exp: 500 }])).toBe(-1);
    expect(copyExp([{ key: 'k', exp: 500 }], [{ key: 'k', exp: -1 }])).toBe(-1);
    const holdings = new Holdings({ a: [{ key: 'k', exp: 9 }], b: [{ key: 'k', exp: 3 }] });
    expect({ exp: holdings.exp(0), holders: holdings.holders(0) }).toEqual({ exp: 9, holders: ['a', 'b'] });
  });

  it('orders sources by old preference rank, and never copies from a holder outside the old list', () => {
    const ring = buildRing(named(['a', 'b', 'c', 'd', 'e']), 3);
    const key = 'user:1:profile';
    const [first, second, third] = preferenceList(ring, key);
    const outsider = ['a', 'b', 'c', 'd', 'e'].find((id) => ![first, second, third].includes(id))!;
    const entry = [{ key, exp: -1 }];
    // Inventory order deliberately scrambled; the second of the list is missing its copy.
    const plan = planMoves(ring, ring, { [outsider]: entry, [third]: entry, [first]: entry });
    expect(plan.copies).toEqual([{ key, to: second, sources: [first, third], exp: -1, refill: true }]);
    expect(plan.deletes).toEqual([{ key, from: outsider }]);
  });

  it('counts no copy outside the old list as a holder: one on the new list is overwritten, a key held only outside is deleted', () => {
    const before = buildRing(named(['a', 'b', 'c', 'd', 'e']), 3);
    const after = buildRing(named(['a', 'b', 'c', 'd', 'e', 'f']), 3);
    const key = Array.from({ length: 500 }, (_, i) => `k${i}`).find((k) => preferenceList(after, k).includes('f'))!;
    const old = preferenceList(before, key);
    const entry = [{ key, exp: -1 }];
    // A copy on f left by an earlier, interrupted add: the writes since reached only the old list.
    const inventory = { ...Object.fromEntries(old.map((node) => [node, entry])), f: entry };
    const plan = planMoves(before, after, inventory);
    expect(plan.copies).toEqual([{ key, to: 'f', sources: old, exp: -1 }]);
    const leaving = old.filter((node) => !preferenceList(after, key).includes(node));
    expect(plan.deletes).toEqual(leaving.map((node) => ({ key, from: node })));

    const outsider = ['a', 'b', 'c', 'd', 'e'].find((id) => !old.includes(id))!;
    const onlyStrays = planMoves(before, after, { f: entry, [outsider]: entry });
    expect(onlyStrays.copies).toEqual([]);
    expect(onlyStrays.deletes.map((d) => d.from).sort()).toEqual([outsider, 'f'].sort());
  });

  it("makes the delete of a copy on the key's new list conditional (its listed CAS, its peers), and one outside it plain", () => {
    const before = buildRing(named(['a', 'b', 'c', 'd', 'e']), 3);
    const after = buildRing(named(['a', 'b', 'c', 'd', 'e', 'f']), 3);
    const key = Array.from({ length: 500 }, (_, i) => `k${i}`).find((k) => preferenceList(after, k).includes('f'))!;
    const old = preferenceList(before, key);
    const peers = preferenceList(after, key).filter((node) => node !== 'f');
    const outsider = ['a', 'b', 'c', 'd', 'e'].find((id) => !old.includes(id))!;
    // Held by f alone on its lists (as a write between two listings shows), and by a node outside both.
    const listed = planMoves(before, after, { f: [{ key, exp: -1, cas: 41 }], [outsider]: [{ key, exp: -1, cas: 7 }] });
    expect(listed.deletes).toContainEqual({ key, from: 'f', peers, cas: 41 });
    expect(listed.deletes).toContainEqual({ key, from: outsider });
    // A copy whose CAS is not known (this process wrote it since the listing): its delete is checked against its peers alone.
    const unknown = planMoves(before, after, { f: [{ key, exp: -1, cas: 0 }] }, { unavailable: new Set([peers[0]]) });
    expect(unknown.deletes).toEqual([{ key, from: 'f', peers: peers.slice(1) }]);
  });
});

describe('movement bands', () => {
  // Measured on these 20k keys: adding node-6 moves 0.147 of primaries and copies 0.482 per key
  // (ideal 1/6 and 3/6); removing it again moves the same keys back.
  const many = Array.from({ length: 20_000 }, (_, i) => `user:${i}:profile`);

  it.each([
    ['adding node-6', five, six],
    ['removing node-6', six, five],
  ])('%s moves about a sixth of the primaries and copies about half a key per key', (_, before, after) => {
    const plan = planMoves(before, after, inventoryOf(before, many));
    expect(plan.primariesMoved / many.length).toBeGreaterThan(0.12);
    expect(plan.primariesMoved / many.length).toBeLessThan(0.21);
    expect(plan.copies.length / many.length).toBeGreaterThan(0.4);
    expect(plan.copies.length / many.length).toBeLessThan(0.6);
    expect(plan.deletes.length).toBe(plan.copies.length);
  });
});

describe('planner properties', () => {
  const pool = ['n1', 'n2', 'n3', 'n4', 'n5', 'n6', 'n7'];
  // Any change of membership, weights or replicas between two non-empty rings.
  const ringPair = fc
    .tuple(
      fc.subarray(pool, { minLength: 1 }),
      fc.subarray(pool, { minLength: 1 }),
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: pool.length, maxLength: pool.length }),
      fc.array(fc.integer({ min: 1, max: 12 }), { minLength: pool.length, maxLength: pool.length }),
      fc.integer({ min: 1, max: 4 }),
      fc.integer({ min: 1, max: 4 }),
    )
    .map(([beforeIds, afterIds, beforeWeights, afterWeights, beforeReplicas, afterReplicas]) => ({
      before: buildRing(
        beforeIds.map((id) => ({ id, vnodes: beforeWeights[pool.indexOf(id)] })),
        beforeReplicas,
      ),
      after: buildRing(
        afterIds.map((id) => ({ id, vnodes: afterWeights[pool.indexOf(id)] })),
        afterReplicas,
      ),
    }));
  const keySet = fc.uniqueArray(fc.string({ minLength: 1, maxLength: 16 }), { minLength: 1, maxLength: 60 });

  it('is minimal: copies are the minimum, deletes are the (key, node) pairs leaving a list', () => {
    fc.assert(
      fc.property(ringPair, keySet, ({ before, after }, ks) => {
        const plan = planMoves(before, after, inventoryOf(before, ks));
        expect(plan.keys).toBe(ks.length);
        expect(plan.copies.length).toBe(minimumCopies(before, after, ks));
        expect(plan.minimumCopies).toBe(plan.copies.length);
        const leavingPairs = ks.flatMap((k) => leaving(before, after, k).map((from) => ({ key: k, from })));
        expect(pairsOf(plan.deletes)).toEqual(pairsOf(leavingPairs));
        for (const copy of plan.copies) {
          expect(entering(before, after, copy.key)).toContain(copy.to);
          expect(copy.sources).toEqual(preferenceListAt(before, keyPosition(copy.key)));
        }
        const moved = ks.filter((k) => preferenceList(before, k)[0] !== preferenceList(after, k)[0]).length;
        expect(plan.primariesMoved).toBe(moved);
      }),
      { numRuns: 80 },
    );
  });

  it('never deletes a key whose only new homes are unreachable', () => {
    const entry = [{ key: 'k', exp: -1 }];
    const plan = planMoves(buildRing(named(['a', 'b', 'c']), 3), buildRing(named(['d', 'e', 'f']), 3), { a: entry, b: entry, c: entry }, { unavailable: new Set(['d', 'e', 'f']) });
    expect(plan.deletes).toEqual([]);
    expect(plan.deferred).toBe(3);
  });

  it('leaves unavailable nodes alone and defers exactly the copies it skips', () => {
    fc.assert(
      fc.property(ringPair, keySet, fc.subarray(pool), ({ before, after }, ks, down) => {
        const inventory = inventoryOf(before, ks);
        const unavailable = new Set(down);
        const full = planMoves(before, after, inventory);
        const plan = planMoves(before, after, inventory, { unavailable });
        const owed = new Set(full.copies.filter((c) => unavailable.has(c.to)).map((c) => c.key));
        expect(plan.copies).toEqual(full.copies.filter((c) => !unavailable.has(c.to)).map((c) => ({ ...c, sources: c.sources.filter((n) => !unavailable.has(n)) })));
        expect(plan.deferred).toBe(full.copies.length - plan.copies.length);
        // A key still owed a copy keeps every old holder: they may be the only copies left.
        expect(plan.deletes).toEqual(full.deletes.filter((d) => !unavailable.has(d.from) && !owed.has(d.key)));
      }),
      { numRuns: 60 },
    );
  });

  it('repairs any drifted inventory into exactly the target placement', () => {
    fc.assert(
      fc.property(ringPair, keySet, fc.array(fc.tuple(fc.nat(), fc.constantFrom(...pool), fc.boolean())), ({ before, after }, ks, drift) => {
        // Drop copies and add strays at random, as crashes and half-finished moves leave them.
        const inventory = inventoryOf(before, ks);
        for (const [k, node, add] of drift) {
          const key = ks[k % ks.length];
          const entries = (inventory[node] ??= []);
          if (add && !entries.some((e) => e.key === key)) entries.push({ key, exp: -1 });
          if (!add) inventory[node] = entries.filter((e) => e.key !== key);
        }
        const held = new Set(Object.entries(inventory).flatMap(([node, entries]) => entries.map((e) => `${e.key}\n${node}`)));
        const plan = planMoves(before, after, inventory);
        for (const { key, to } of plan.copies) held.add(`${key}\n${to}`);
        for (const { key, from } of plan.deletes) held.delete(`${key}\n${from}`);
        const heldBy = (k: string, nodes: readonly string[]) => Object.entries(inventory).some(([node, entries]) => nodes.includes(node) && entries.some((e) => e.key === k));
        // Only a copy on the key's old list survives as a source; a key held only elsewhere is dropped.
        const kept = ks.filter((k) => heldBy(k, preferenceList(before, k)));
        const target = [...new Set(kept)].flatMap((k) => preferenceList(after, k).map((node) => `${k}\n${node}`));
        expect([...held].sort()).toEqual(target.sort());
        const stillHeld = new Set(ks.filter((k) => heldBy(k, Object.keys(inventory))));
        expect(plan.minimumCopies).toBe(minimumCopies(before, after, stillHeld));
      }),
      { numRuns: 60 },
    );
  });
});

describe('planning copies of deletes', () => {
  const deleted = Array.from({ length: 300 }, (_, i) => `gone:${i}`);

  it('gives a tombstone to the nodes of its new list that lack it, from its old list only, and copies nothing when all hold it', () => {
    const tombstones = inventoryOf(five, deleted, 1_900_000_000);
    const copies = planTombstoneCopies(five, six, tombstones);
    expect(copies.map((c) => `${c.key}\n${c.to}`).sort()).toEqual(deleted.flatMap((key) => entering(five, six, key).map((to) => `${key}\n${to}`)).sort());
    for (const copy of copies) {
      expect(copy).toMatchObject({ tombstone: true, exp: 1_900_000_000 });
      expect(copy.sources.every((node) => preferenceList(five, copy.key).includes(node))).toBe(true);
    }
    expect(planTombstoneCopies(five, five, tombstones)).toEqual([]);
  });

  it('refills a node of the list that lost its tombstones, but not an unreachable one, and never from a copy outside the list', () => {
    const tombstones = without(inventoryOf(five, deleted, 1_900_000_000), 'node-2');
    const refills = planTombstoneCopies(five, five, tombstones);
    expect(new Set(refills.map((c) => c.to))).toEqual(new Set(['node-2']));
    expect(refills.length).toBe(deleted.filter((key) => preferenceList(five, key).includes('node-2')).length);
    expect(planTombstoneCopies(five, five, tombstones, { unavailable: new Set(['node-2']) })).toEqual([]);
    const strays: Record<string, KeyEntry[]> = { 'node-1': deleted.filter((key) => !preferenceList(five, key).includes('node-1')).map((key) => ({ key, exp: 1 })) };
    expect(planTombstoneCopies(five, five, strays)).toEqual([]);
  });
});
