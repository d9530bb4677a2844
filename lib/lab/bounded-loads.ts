// Consistent hashing with bounded loads (Mirrokni, Thorup & Zadimoghaddam, SODA 2018): Ringside's ring, with no node past c x its fair load.
import { keyPosition } from '../hash';
import { ownerVnode, type Ring } from '../ring';
import { PointPlacement, type Algorithm, type Placement, type Settings } from './algorithm';
import { labPoints, labRing, ringBytes } from './ringside';
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
class BoundedPlacement extends PointPlacement {
  private readonly loads: Float64Array;
  private readonly capacity: Float64Array;

  constructor(
    private readonly vnodeRing: Ring,
    toLab: Uint16Array,
    nodes: readonly LabNode[],
    settings: Settings,
  ) {
    const { points, length, lists } = labPoints(vnodeRing, toLab);
    const totalWeight = nodes.reduce((sum, n) => sum + n.weight, 0);
    const loads = new Float64Array(nodes.length);
    const capacity = Float64Array.from(nodes, (n) => Math.ceil((settings.capacityFactor * settings.totalLoad * n.weight) / totalWeight));
    super(points, length, lists, ringBytes(vnodeRing) + loads.byteLength + capacity.byteLength);
    this.loads = loads;
    this.capacity = capacity;
  }

  /**
   * The vnode whose node takes the key: the first clockwise with room, else (a key larger than any room) the one
   * with most. Its node's load grows by the key's; replicas are the next distinct nodes clockwise from that vnode
   * (capacity bounds primaries only).
   */
  entry(key: string): number {
    return keyPosition(key);
  }

  protected point(key: string, load: number): number {
    const owners = this.points.owners;
    const total = owners.length;
    const start = ownerVnode(this.vnodeRing, keyPosition(key));
    let taken = -1;
    let roomiest = start;
    let most = -Infinity;
    for (let step = 0, v = start; step < total; step++, v = v + 1 === total ? 0 : v + 1) {
      const room = this.capacity[owners[v]] - this.loads[owners[v]];
      if (room >= load) {
        taken = v;
        break;
      }
      if (room > most) {
        most = room;
        roomiest = v;
      }
    }
    if (taken < 0) taken = roomiest;
    this.loads[owners[taken]] += load;
    return taken;
  }

  reset(): void {
    this.loads.fill(0);
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
