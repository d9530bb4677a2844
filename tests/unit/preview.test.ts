// Dry runs of a repair: the copies and deletes it would make once suspect and stray copies are settled, as the repair itself plans them.
import { describe, expect, it } from 'vitest';
import { inventoryOf, planMoves, type KeyEntry } from '@/lib/plan';
import { buildRing, preferenceList } from '@/lib/ring';
import { previewOf } from '@/lib/cluster/preview';

const ids = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5'];
const ring = buildRing(ids.map((id) => ({ id, vnodes: 40 })));
const keys = Array.from({ length: 500 }, (_, i) => `cart:${i}`);
const key = keys[7];
const [primary, second, third] = preferenceList(ring, key);
const outsider = ids.find((id) => !preferenceList(ring, key).includes(id))!;
const healthy = () => Object.fromEntries(Object.entries(inventoryOf(ring, keys)).map(([node, entries]) => [node, [...entries]])) as Record<string, KeyEntry[]>;
const without = (inventory: Record<string, KeyEntry[]>, node: string, gone = key) => ({ ...inventory, [node]: inventory[node].filter((e) => e.key !== gone) });

describe('a repair preview', () => {
  it('finds nothing to do on a cluster where every key sits on exactly its list', () => {
    expect(previewOf(ring, ring, healthy())).toMatchObject({ keys: 500, copies: 0, keysCopied: 0, deletes: 0, primariesMoved: 0, minimumCopies: 0, theoreticalShare: 0, deferred: 0, settles: 0 });
  });

  it('copies a lost replica back and deletes a copy outside the list, as the planner would', () => {
    const inventory = without(healthy(), second);
    inventory[outsider].push({ key, exp: -1 });
    const preview = previewOf(ring, ring, inventory);
    expect(preview).toMatchObject({ copies: 1, keysCopied: 1, deletes: 1, settles: 0 });
    const plan = planMoves(ring, ring, inventory);
    expect({ copies: preview.copies, deletes: preview.deletes }).toEqual({ copies: plan.copies.length, deletes: plan.deletes.length });
  });

  it('owes a copy to an unreachable node instead of planning it', () => {
    const { [third]: _gone, ...reachable } = healthy();
    const preview = previewOf(ring, ring, reachable, { unavailable: new Set([third]) });
    expect(preview.copies).toBe(0);
    expect(preview.deferred).toBe(keys.filter((k) => preferenceList(ring, k).includes(third)).length);
  });

  it('settles a suspect copy from a trusted replica first, so it is neither copied to nor counted lost', () => {
    // The suspect copy is left out of the listing, as the cluster's inventory does.
    const preview = previewOf(ring, ring, without(healthy(), second), { suspects: { [second]: [key] } });
    expect(preview).toMatchObject({ copies: 0, deletes: 0, settles: 1 });
  });

  it('leaves a suspect copy be while no trusted replica can be asked', () => {
    const { [second]: _a, [third]: _b, ...rest } = without(healthy(), primary);
    const preview = previewOf(ring, ring, rest, { suspects: { [primary]: [key] }, unavailable: new Set([second, third]) });
    expect(preview.settles).toBe(0);
  });

  it('drops the strays of a node back from an absence first: settled, not planned as deletes', () => {
    const inventory = healthy();
    inventory[outsider].push({ key, exp: -1 });
    expect(previewOf(ring, ring, inventory, { returned: [outsider] })).toMatchObject({ deletes: 0, settles: 1 });
    expect(previewOf(ring, ring, inventory)).toMatchObject({ deletes: 1, settles: 0 });
  });
});
