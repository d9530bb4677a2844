// Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018): Ringside's ring, with no node past c x its fair load.
import { keyPosition } from '../hash';
import { ownerVnode, type Ring } from '../ring';
import type { Algorithm, Placement, Settings } from './algorithm';
import { labRing, ringBytes } from './ringside';
import type { LabNode } from './types';

/** The paper's example and Vimeo's production setting: capacity 1.25 x the mean. */
export const DEFAULT_CAPACITY_FACTOR = 1.25;

/**
 * Places keys one at a time, in the order given: a key goes to the first node clockwise from its position
 * whose load plus the key's stays within its capacity, ceil(c x total load x weight / total weight). The
 * allocation is that of inserting the keys in a fixed order, as the paper defines it, so a change is measured
 * by placing the same keys in the same order on the new membership. Loads are the keys' requests when given,
 * else one per key.
 */
class BoundedPlacement implements Placement {
  readonly length: number;
  readonly memoryBytes: number;
  private readonly loads: Float64Array;
  private readonly capacity: Float64Array;
  private readonly owners: Uint16Array;
  private readonly lists: Uint16Array;

  constructor(
    private readonly ring: Ring,
    toLab: Uint16Array,
    nodes: readonly LabNode[],
    settings: Settings,
  ) {
    const totalWeight = nodes.reduce((sum, n) => sum + n.weight, 0);
    this.length = Math.min(settings.replicas, nodes.length);
    this.loads = new Float64Array(nodes.length);
    this.capacity = Float64Array.from(nodes, (n) => Math.ceil((settings.capacityFactor * settings.totalLoad * n.weight) / totalWeight));
    this.owners = Uint16Array.from(ring.owners, (o) => toLab[o]);
    const ids = new Map(nodes.map((n, i) => [n.id, i]));
    this.lists = new Uint16Array(ring.preferences.length * this.length);
    ring.preferences.forEach((list, v) => list.forEach((id, r) => (this.lists[v * this.length + r] = ids.get(id)!)));
    this.memoryBytes = ringBytes(ring) + this.loads.byteLength + this.capacity.byteLength;
  }

  /** The vnode whose node takes the key: the first clockwise with room, else (a key larger than any room) the one with most. */
  private choose(key: string, load: number): number {
    const total = this.owners.length;
    const start = ownerVnode(this.ring, keyPosition(key));
    let roomiest = start;
    let most = -Infinity;
    for (let step = 0, v = start; step < total; step++, v = v + 1 === total ? 0 : v + 1) {
      const node = this.owners[v];
      const room = this.capacity[node] - this.loads[node];
      if (room >= load) return v;
      if (room > most) {
        most = room;
        roomiest = v;
      }
    }
    return roomiest;
  }

  place(key: string, load: number, out: Uint16Array, at: number): void {
    const v = this.choose(key, load);
    this.loads[this.owners[v]] += load;
    // Replicas: the next distinct nodes clockwise from the vnode that took the key; capacity bounds primaries only.
    const from = v * this.length;
    for (let r = 0; r < this.length; r++) out[at + r] = this.lists[from + r];
  }

  reset(): void {
    this.loads.fill(0);
  }

  primary(key: string, load: number): number {
    const node = this.owners[this.choose(key, load)];
    this.loads[node] += load;
    return node;
  }
}

export const boundedLoads: Algorithm = {
  id: 'bounded-loads',
  name: 'bounded loads (c = 1.25 unless set)',
  notes:
    "Ringside's ring; keys placed in the order given, each on the first node clockwise with room under ceil(c x mean load x weight share), the load being the key's requests when given, else 1. Replicas: the next distinct nodes clockwise from the vnode that took the key (only primaries are bounded). A lookup needs the nodes' current loads.",
  build(nodes: readonly LabNode[], settings: Settings): Placement {
    const { ring, toLab } = labRing(nodes, settings);
    return new BoundedPlacement(ring, toLab, nodes, settings);
  },
};
