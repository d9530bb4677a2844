// The dashboard's picture of the cluster: one plain, serialisable object, and the small summaries it holds.
import type { StampedEvent } from './events';
import type { NodeView } from './types';
import type { KeyPlacement, NodeKeyCounts } from './views';

export interface NodeStats {
  items: number;
  bytes: number;
  limitBytes: number;
  hits: number;
  misses: number;
  evictions: number;
  connections: number;
  uptime: number;
}

export interface SnapshotNode extends NodeView {
  /** Share of the hash space the node owns as primary. */
  share: number;
  keys: NodeKeyCounts | null;
  stats: NodeStats | null;
}

export interface ClusterSnapshot {
  version: number;
  checksum: string;
  replicas: number;
  /** A membership change or repair is running. */
  busy: boolean;
  valueLimit: number;
  nodes: SnapshotNode[];
  /** Every vnode in ring order. */
  vnodes: { node: string; index: number; position: number }[];
  /** Keys with placement, at most the snapshot's limit; `keyCount` says how many there are. */
  keys: KeyPlacement[];
  keyCount: number;
  /** Keys, of all of them (not only those listed), missing a replica that nothing is copying to: red on the dashboard. */
  underReplicated: number;
  /** Keys, of all of them, that the membership change in flight moves (0 when none runs). */
  moving: number;
  /** Keys per equal slice of the ring, for drawing density when there are too many keys to draw. */
  density: number[];
  events: StampedEvent[];
}

export const DENSITY_BINS = 360;

export function densityOf(positions: ArrayLike<number>, bins = DENSITY_BINS): number[] {
  const counts = new Array<number>(bins).fill(0);
  for (let i = 0; i < positions.length; i++) counts[Math.min(bins - 1, Math.floor((positions[i] / 2 ** 32) * bins))]++;
  return counts;
}

export function summariseStats(stats: Record<string, string> | null | undefined): NodeStats | null {
  if (!stats) return null;
  const n = (name: string) => Number(stats[name] ?? 0);
  return {
    items: n('curr_items'),
    bytes: n('bytes'),
    limitBytes: n('limit_maxbytes'),
    hits: n('get_hits'),
    misses: n('get_misses'),
    evictions: n('evictions'),
    connections: n('curr_connections'),
    uptime: n('uptime'),
  };
}
