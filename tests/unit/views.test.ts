// Placements as adapters show them: a key looked up on the server reads like the same key in a snapshot.
import { describe, expect, it } from 'vitest';
import { inventoryOf } from '@/lib/plan';
import { keyPosition } from '@/lib/hash';
import { buildRing, preferenceListAt } from '@/lib/ring';
import { placementFromLocate, placementsOf } from '@/lib/cluster/views';

describe('placementFromLocate', () => {
  const ring = buildRing(['node-1', 'node-2', 'node-3', 'node-4'].map((id) => ({ id, vnodes: 40 })));
  const key = 'user:{42}:cart';
  const position = keyPosition(key);
  const preference = preferenceListAt(ring, position);

  it('matches the snapshot placement of a key every replica holds', () => {
    const [fromSnapshot] = placementsOf(ring, inventoryOf(ring, [key]));
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
