// The dashboard's picture of the cluster: one plain, serialisable object, and the small summaries it holds.
import type { ConsistencyLevels } from '../consistency';
import type { ControlPlaneStatus } from './control-plane';
import type { StampedEvent } from './events';
import type { NodeView } from './types';
import type { KeyPlacement, NodeKeyCounts } from './views';

/** A slab class that has no free chunk while its node can take no more memory: values of its sizes are refused. */
export interface FullSlabClass {
  /** memcached's slab class number. */
  id: number;
  /** Bytes per chunk: the class holds items up to this size, header and key included. */
  chunkSize: number;
  /** Writes this class refused for want of memory since the node started. */
  refused: number;
}

export interface NodeStats {
  items: number;
  /** Bytes of the items stored. */
  bytes: number;
  /** memcached's memory limit (`-m`, `limit_maxbytes`). */
  limitBytes: number;
  /** Memory handed out to slab pages, what the limit is measured against (`total_malloced`). */
  usedBytes: number;
  /** Writes refused for want of memory since the node started (every class's `outofmemory`). */
  refused: number;
  /** No more memory can be given to a slab class, and some class is out of chunks: the node refuses writes. */
  full: boolean;
  /** The classes that refuse, most refusals first; empty unless `full`. */
  fullSlabs: FullSlabClass[];
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
  /** Where the cluster's state is kept (file or etcd), whether it answers, and who leads. */
  controlPlane: ControlPlaneStatus;
  /** The write and read levels calls use when they name none. */
  consistency: ConsistencyLevels;
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

/** memcached 1.6 carves every slab class out of pages of 1 MiB. */
const SLAB_PAGE_BYTES = 1024 * 1024;

/**
 * The card's figures from a node's `stats`, merged with its `stats slabs` (`<class>:<field>`) and
 * `stats items` (`items:<class>:<field>`). memcached gives a class a new page while its memory is under the
 * limit (or a freed page waits in the global pool); past that, a class with no free chunk refuses.
 */
export function summariseStats(stats: Record<string, string> | null | undefined): NodeStats | null {
  if (!stats) return null;
  const n = (name: string) => Number(stats[name] ?? 0);
  const limitBytes = n('limit_maxbytes');
  const usedBytes = n('total_malloced');
  const noPageLeft = limitBytes > 0 && usedBytes + SLAB_PAGE_BYTES > limitBytes && n('slab_global_page_pool') === 0;
  const fullSlabs: FullSlabClass[] = [];
  // Per class, because the binary protocol's refusals do not count in the general `store_no_memory`.
  let refused = 0;
  for (const name of Object.keys(stats)) if (/^items:\d+:outofmemory$/.test(name)) refused += n(name);
  if (noPageLeft) {
    for (const name of Object.keys(stats)) {
      const slab = /^(\d+):chunk_size$/.exec(name);
      if (!slab || n(`${slab[1]}:free_chunks`) + n(`${slab[1]}:free_chunks_end`) > 0) continue;
      fullSlabs.push({ id: Number(slab[1]), chunkSize: n(name), refused: n(`items:${slab[1]}:outofmemory`) });
    }
    fullSlabs.sort((a, b) => b.refused - a.refused || a.id - b.id);
  }
  return {
    items: n('curr_items'),
    bytes: n('bytes'),
    limitBytes,
    usedBytes,
    refused,
    full: fullSlabs.length > 0,
    fullSlabs,
    hits: n('get_hits'),
    misses: n('get_misses'),
    evictions: n('evictions'),
    connections: n('curr_connections'),
    uptime: n('uptime'),
  };
}
