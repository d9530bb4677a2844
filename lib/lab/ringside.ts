// Ringside's own ring (lib/ring.ts): MurmurHash3 vnodes, the hash-tag rule, the next distinct nodes clockwise as replicas.
import { keyPosition } from '../hash';
import { buildRing, DEFAULT_VNODES, ownerVnode, type Ring } from '../ring';
import { PointPlacement, type Algorithm, type Placement, type RingPoints, type Settings } from './algorithm';
import type { LabNode } from './types';

/** A node's vnodes at `vnodes` per unit of weight: the live cluster's nodes come in as vnodes / 160 and go back exactly. */
export function vnodesOf(weight: number, vnodes: number): number {
  return Math.max(1, Math.round(weight * vnodes));
}

/**
 * A cluster's nodes as the lab takes them: weight = vnodes / 160 (the default vnodes per unit), so `ringside` at
 * 160 vnodes per unit is the ring as configured and every other algorithm gets the same shares.
 */
export function labNodesOf(nodes: readonly { id: string; vnodes: number }[]): LabNode[] {
  return nodes.map((n) => ({ id: n.id, weight: n.vnodes / DEFAULT_VNODES }));
}

/** Ringside's ring over lab nodes, and each ring node's index in the lab's order. */
export function labRing(nodes: readonly LabNode[], settings: Settings, vnodes = settings.vnodes): { ring: Ring; toLab: Uint16Array } {
  const ring = buildRing(
    nodes.map((n) => ({ id: n.id, vnodes: vnodesOf(n.weight, vnodes) })),
    Math.max(1, Math.min(settings.replicas, nodes.length)),
  );
  const index = new Map(nodes.map((n, i) => [n.id, i]));
  return { ring, toLab: Uint16Array.from(ring.nodes, (n) => index.get(n.id)!) };
}

/** Bytes of a ring's arrays, its radix index, and its shared preference lists (a pointer per vnode plus each distinct list). */
export function ringBytes(ring: Ring): number {
  const arrays = ring.positions.byteLength + ring.owners.byteLength + ring.vnodeIndexes.byteLength + ring.buckets.byteLength;
  const lists = new Set(ring.preferences);
  let listBytes = ring.preferences.length * 8;
  for (const list of lists) listBytes += 16 + list.length * 8;
  return arrays + listBytes;
}

/** The ring's points with owners as lab node indexes, and each vnode's preference list (lib/ring's own), `length` per vnode. */
export function labPoints(ring: Ring, toLab: Uint16Array): { points: RingPoints; length: number; lists: Uint16Array } {
  const length = ring.preferences[0]?.length ?? 0;
  const index = new Map(ring.nodes.map((n, i) => [n.id, toLab[i]]));
  const lists = new Uint16Array(ring.preferences.length * length);
  ring.preferences.forEach((list, v) => list.forEach((id, r) => (lists[v * length + r] = index.get(id)!)));
  return { points: { positions: ring.positions, owners: Uint16Array.from(ring.owners, (o) => toLab[o]) }, length, lists };
}

class RingPlacement extends PointPlacement {
  constructor(
    private readonly vnodeRing: Ring,
    toLab: Uint16Array,
  ) {
    const { points, length, lists } = labPoints(vnodeRing, toLab);
    super(points, length, lists, ringBytes(vnodeRing));
  }

  entry(key: string): number {
    return keyPosition(key);
  }

  protected point(key: string): number {
    // What preferenceList(ring, key) does, less the string array.
    return ownerVnode(this.vnodeRing, keyPosition(key));
  }
}

/** Ringside's ring at `vnodes` per unit of weight; without it, at the configured count. */
export function ringsideAlgorithm(vnodes?: number): Algorithm {
  return {
    id: vnodes === undefined ? 'ringside' : `ringside@${vnodes}`,
    name: vnodes === undefined ? "Ringside's ring" : `Ringside's ring, ${vnodes} vnodes`,
    notes: 'MurmurHash3 x86 32-bit of the hashed part (hash tags), vnode i of node N at hash(N#i), vnodes = weight x vnodes per unit; replicas: the next distinct nodes clockwise (lib/ring.ts).',
    build(nodes: readonly LabNode[], settings: Settings): Placement {
      const { ring, toLab } = labRing(nodes, settings, vnodes ?? settings.vnodes);
      return new RingPlacement(ring, toLab);
    },
  };
}
