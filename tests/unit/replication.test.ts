// Moving is not missing: during a change a key is judged against the ring it leaves and the one it joins, and only a replica nothing is bringing back counts as lost.
import { describe, expect, it } from 'vitest';
import { keyPosition } from '@/lib/hash';
import { inventoryOf, planMoves, type KeyEntry } from '@/lib/plan';
import { buildRing, preferenceList } from '@/lib/ring';
import { missingReplicas, targetOf, type ChangeInFlight } from '@/lib/cluster/replication';
import { firstPlacements, keyViewOf } from '@/lib/cluster/views';

const five = buildRing(['node-1', 'node-2', 'node-3', 'node-4', 'node-5'].map((id) => ({ id, vnodes: 40 })));
const six = buildRing(['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6'].map((id) => ({ id, vnodes: 40 })));
const keys = Array.from({ length: 3000 }, (_, i) => `user:${i}`);
const change = (extra: Partial<ChangeInFlight> = {}): ChangeInFlight => ({ to: six, unavailable: new Set(), refills: new Map(), ...extra });
/** A key whose list changes with the new node, and how: the node it joins, the node it leaves, one it keeps. */
const moved = keys.find((key) => !preferenceList(five, key).every((n) => preferenceList(six, key).includes(n)))!;
const joins = preferenceList(six, moved).find((n) => !preferenceList(five, moved).includes(n))!;
const leaves = preferenceList(five, moved).find((n) => !preferenceList(six, moved).includes(n))!;
const keeps = preferenceList(five, moved).find((n) => preferenceList(six, moved).includes(n))!;
const judge = (holders: string[], during: ChangeInFlight | null = change()) => missingReplicas(five, during, moved, keyPosition(moved), (n) => holders.includes(n));
const old = [...preferenceList(five, moved)];
const target = [...preferenceList(six, moved)];

describe('missingReplicas', () => {
  it('outside a change: the nodes of the list that lack the key', () => {
    expect(judge(old, null)).toEqual([]);
    expect(
      judge(
        old.filter((n) => n !== keeps),
        null,
      ),
    ).toEqual([keeps]);
  });

  it('during a change, a key still on its old holders is moving, whether or not its new copies are there yet', () => {
    expect(judge(old)).toEqual([]);
    expect(judge([...old, joins])).toEqual([]);
    expect(targetOf(five, change(), keyPosition(moved))).toEqual(target);
  });

  it('a listing read across the ring switch (old copy deleted, new copy not listed yet) is still moving, not missing', () => {
    expect(judge(old.filter((n) => n !== leaves))).toEqual([]);
    expect(judge(target)).toEqual([]);
  });

  it('a replica lost from a node on both lists is missing, unless the plan copies it back', () => {
    const lost = old.filter((n) => n !== keeps);
    expect(judge(lost)).toEqual([keeps]);
    expect(judge(lost, change({ refills: new Map([[moved, [keeps]]]) }))).toEqual([]);
  });

  it('a copy owed to an unreachable node is not on its way', () => {
    const lost = old.filter((n) => n !== keeps);
    expect(judge(lost, change({ unavailable: new Set([joins]) }))).toEqual([keeps]);
  });
});

describe('keys judged during an add', () => {
  const before = inventoryOf(five, keys);
  const plan = planMoves(five, six, before);
  const refills = new Map<string, string[]>();
  for (const copy of plan.copies) if (copy.refill) refills.set(copy.key, [...(refills.get(copy.key) ?? []), copy.to]);
  const during = change({ refills });
  const ids = ['node-1', 'node-2', 'node-3', 'node-4', 'node-5', 'node-6'];

  it('count none under-replicated at any point of the copies and deletes, and every key whose list changes as moving', () => {
    const moving = keys.filter((key) => targetOf(five, during, keyPosition(key)) !== null).length;
    expect(moving).toBeGreaterThan(keys.length / 3);
    const inventory: Record<string, KeyEntry[]> = Object.fromEntries(Object.entries(before).map(([node, entries]) => [node, [...entries]]));
    inventory['node-6'] = [];
    // Half the copies made, then all, then half the deletes: every stage a listing may catch.
    const copied = plan.copies.slice(0, plan.copies.length / 2);
    for (const copy of copied) inventory[copy.to].push({ key: copy.key, exp: -1 });
    let view = keyViewOf(five, ids, inventory, 100, during);
    expect({ under: view.underReplicated, moving: view.moving }).toEqual({ under: 0, moving });
    expect(view.placements.filter((p) => p.target).length).toBeGreaterThan(0);
    for (const copy of plan.copies.slice(copied.length)) inventory[copy.to].push({ key: copy.key, exp: -1 });
    const gone = new Set(plan.deletes.slice(0, plan.deletes.length / 2).map((d) => `${d.from}\n${d.key}`));
    for (const node of ids) inventory[node] = inventory[node].filter(({ key }) => !gone.has(`${node}\n${key}`));
    view = keyViewOf(five, ids, inventory, 100, during);
    expect(view.underReplicated).toBe(0);
    expect(firstPlacements(five, inventory, { missing: true, change: during }).total).toBe(0);
  });

  it("still count a key whose replica was deleted behind the cluster's back", () => {
    const inventory: Record<string, KeyEntry[]> = Object.fromEntries(Object.entries(before).map(([node, entries]) => [node, entries.filter((e) => !(e.key === moved && node === keeps))]));
    const view = keyViewOf(five, ids, inventory, keys.length, during);
    expect(view.underReplicated).toBe(1);
    expect(view.placements.find((p) => p.key === moved)).toMatchObject({ missing: [keeps], target });
    expect(firstPlacements(five, inventory, { missing: true, change: during }).keys.map((p) => p.key)).toEqual([moved]);
  });
});
