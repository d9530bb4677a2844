// Snapshot deltas: a diff applied to its base gives the new keys exactly, unchanged placements keep their identity, and the server's history answers deltas only of snapshots it remembers.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { applySnapshotMessage } from '@/components/live/merge-snapshot';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { applyKeyChanges, deltaOf, diffKeys, samePlacement, snapshotFrom } from '@/lib/cluster/snapshot-diff';
import { rememberSnapshot, snapshotMessage } from '@/lib/cluster/snapshot-history';
import { compareKeys, type KeyPlacement } from '@/lib/cluster/views';

const nodes = ['node-1', 'node-2', 'node-3', 'node-4'];
const placementOf = (key: string, variant: number): KeyPlacement => {
  const preference = [nodes[variant % 4], nodes[(variant + 1) % 4], nodes[(variant + 2) % 4]];
  const holders = variant % 3 === 0 ? preference.slice(0, 2).sort() : [...preference].sort();
  return { key, position: (variant * 2654435761) >>> 0, preference, holders, missing: preference.filter((n) => !holders.includes(n)) };
};

/** A sorted list of placements: keys from a small alphabet (so before and after share many), each with a variant. */
const placements = fc
  .uniqueArray(fc.record({ key: fc.stringMatching(/^[a-d{}:é😀]{1,4}$/), variant: fc.nat(5) }), { selector: (p) => p.key, maxLength: 60 })
  .map((list) => list.map(({ key, variant }) => placementOf(key, variant)).sort((a, b) => compareKeys(a.key, b.key)));

const snapshotWith = (keys: KeyPlacement[], checksum = 'ring-a'): ClusterSnapshot => ({
  version: 1,
  checksum,
  replicas: 3,
  controlPlane: { kind: 'file', reachable: true, leader: 'host:1', self: 'host:1', writes: { alone: true, plainPuts: 0, conditionalPuts: 0 } },
  consistency: { w: 'one', r: 'one' },
  busy: false,
  valueLimit: 1000,
  nodes: [],
  vnodes: [{ node: 'node-1', index: 0, position: checksum === 'ring-a' ? 1 : 2 }],
  keys,
  keyCount: keys.length,
  underReplicated: keys.filter((k) => k.missing.length > 0).length,
  moving: 0,
  density: [keys.length],
  events: [],
});

describe('diffKeys and applyKeyChanges', () => {
  it('see a key start or stop moving, or change the list it moves to, as a change', () => {
    const still = placementOf('k', 1);
    const moving = { ...still, target: ['node-4', 'node-2', 'node-3'] };
    expect(samePlacement(still, { ...still })).toBe(true);
    expect(samePlacement(still, moving)).toBe(false);
    expect(samePlacement(moving, still)).toBe(false);
    expect(samePlacement(moving, { ...moving, target: [...moving.target] })).toBe(true);
    expect(samePlacement(moving, { ...moving, target: ['node-4', 'node-3', 'node-2'] })).toBe(false);
    expect(diffKeys([still], [moving]).upserts).toEqual([moving]);
  });

  it('applying the diff of two lists to the first gives the second, sorted, exactly', () => {
    fc.assert(
      fc.property(placements, placements, (before, after) => {
        const changes = diffKeys(before, after);
        expect(applyKeyChanges(before, changes)).toEqual(after);
        expect(changes.upserts.map((p) => p.key)).toEqual([...changes.upserts.map((p) => p.key)].sort(compareKeys));
      }),
    );
  });

  it('keeps every unchanged placement as the same object, and sends only what changed', () => {
    fc.assert(
      fc.property(placements, placements, (before, after) => {
        const previous = new Map(before.map((p) => [p.key, p]));
        const merged = applyKeyChanges(before, diffKeys(before, after));
        for (const placement of merged) {
          const old = previous.get(placement.key);
          if (old && JSON.stringify(old) === JSON.stringify(placement)) expect(placement).toBe(old);
        }
        const changed = after.filter((p) => JSON.stringify(previous.get(p.key)) !== JSON.stringify(p));
        expect(diffKeys(before, after).upserts).toEqual(changed);
      }),
    );
  });

  it('returns the very same list when nothing changed', () => {
    fc.assert(
      fc.property(placements, (list) => {
        const copy = list.map((p) => ({ ...p, preference: [...p.preference], holders: [...p.holders], missing: [...p.missing] }));
        expect(diffKeys(list, copy)).toEqual({ upserts: [], removals: [] });
        expect(applyKeyChanges(list, diffKeys(list, copy))).toBe(list);
      }),
    );
  });
});

describe('deltas of whole snapshots', () => {
  it('a delta applied to its base gives the new snapshot; the vnodes travel only when the ring changed', () => {
    fc.assert(
      fc.property(placements, placements, fc.boolean(), (before, after, ringChanged) => {
        const base = snapshotWith(before);
        const next = snapshotWith(after, ringChanged ? 'ring-b' : 'ring-a');
        const delta = deltaOf({ id: 'b1', checksum: base.checksum, keys: base.keys }, next, 'b2');
        expect(delta.vnodes === null).toBe(!ringChanged);
        expect(snapshotFrom(base, 'b1', delta)).toEqual(next);
        expect(snapshotFrom(base, 'other', delta)).toBeNull();
      }),
    );
  });

  it('the dashboard keeps the vnodes and unchanged keys of what it holds, and asks afresh for a delta of another base', () => {
    const a = placementOf('a', 1);
    const b = placementOf('b', 2);
    const held = snapshotWith([a, b]);
    const changedB = placementOf('b', 3);
    const delta = deltaOf({ id: 'x1', checksum: 'ring-a', keys: held.keys }, snapshotWith([placementOf('a', 1), changedB, placementOf('c', 1)]), 'x2');
    const next = applySnapshotMessage(held, 'x1', delta)!;
    expect(next.vnodes).toBe(held.vnodes);
    expect(next.keys[0]).toBe(a);
    expect(next.keys.map((k) => k.key)).toEqual(['a', 'b', 'c']);
    expect(next.keys[1]).toEqual(changedB);
    expect(applySnapshotMessage(held, 'x0', delta)).toBeNull();
    // A whole snapshot still keeps equal placements by reference.
    const full = applySnapshotMessage(held, null, { ...snapshotWith([placementOf('a', 1), placementOf('b', 2)]), kind: 'full', id: 'x3' })!;
    expect(full.keys).toBe(held.keys);
  });
});

describe('the server history of snapshots', () => {
  it('answers whole for an unknown base, a delta for a remembered one, and reuses the id while nothing changes', () => {
    const first = snapshotWith([placementOf('k1', 1), placementOf('k2', 2)]);
    const id = rememberSnapshot(first);
    expect(snapshotMessage(first, 'not-an-id')).toMatchObject({ kind: 'full', id });
    const same = snapshotMessage(snapshotWith([placementOf('k1', 1), placementOf('k2', 2)]), id);
    expect(same).toMatchObject({ kind: 'delta', id, base: id, keyChanges: { upserts: [], removals: [] }, vnodes: null });

    const second = snapshotWith([placementOf('k1', 4), placementOf('k3', 2)], 'ring-b');
    const delta = snapshotMessage(second, id);
    if (delta.kind !== 'delta') throw new Error('expected a delta');
    expect(delta.id).not.toBe(id);
    expect(delta.keyChanges).toEqual({ upserts: second.keys, removals: ['k2'] });
    expect(delta.vnodes).toEqual(second.vnodes);
    expect(snapshotFrom(first, id, delta)).toEqual(second);

    // Bases fall out of the history after a few changes; then the answer is whole again.
    for (let n = 0; n < 10; n++) rememberSnapshot(snapshotWith([placementOf(`k${n}`, n)]));
    expect(snapshotMessage(second, id).kind).toBe('full');
  });
});
