// The hot keys and per-node load as the API, the shell and the dashboard show them: merged counts placed on the ring.
import { keyPosition } from './hash';
import type { SketchEntry } from './hot-keys';
import type { HotReport, OpCounts } from './hot-window';
import { primaryOf, type Ring } from './ring';

export interface HotKey extends SketchEntry {
  /** count / total: the key's share of every request counted (an upper bound). */
  share: number;
  /** Ring position of the key, and its primary on the current ring (null on an empty ring). */
  position: number;
  primary: string | null;
}

export interface NodeLoad {
  id: string;
  /** Requests that reached the node, each replica a request touched counting once. */
  served: number;
  /** Requests for keys the node is the primary of (on the ring of the moment they were served). */
  primary: number;
}

export interface HotView {
  /** The span of wall time the counts cover (ms since the epoch), and how counts are windowed. */
  window: { since: number; until: number; ms: number; slotMs: number; spanMs: number };
  /** Requests counted, by kind. */
  total: number;
  ops: OpCounts;
  /** Counters each sketch keeps (k): every key requested more than total / k times is listed. */
  capacity: number;
  /** Any key not in `keys` was requested at most this many times. */
  unlisted: number;
  /** Hottest first. */
  keys: HotKey[];
  /** Every node of the ring and any other that served a request, by id. */
  nodes: NodeLoad[];
  /** The processes whose counts are merged here. */
  processes: string[];
}

export const DEFAULT_TOP = 20;

/** The view of merged reports: the `top` hottest keys placed on `ring`, and the load of each node. */
export function hotViewOf(merged: Omit<HotReport, 'writer'> & { writers: string[] }, ring: Ring, options: { top?: number; slotMs: number; spanMs: number }): HotView {
  const { sketch } = merged;
  const top = options.top ?? DEFAULT_TOP;
  const keys = sketch.entries.slice(0, top).map((entry): HotKey => ({
    ...entry,
    share: sketch.total ? entry.count / sketch.total : 0,
    position: keyPosition(entry.key),
    primary: primaryOf(ring, entry.key) ?? null,
  }));
  const ids = new Set([...ring.nodes.map((n) => n.id), ...Object.keys(merged.served), ...Object.keys(merged.primary)]);
  const nodes = [...ids].sort().map((id) => ({ id, served: merged.served[id] ?? 0, primary: merged.primary[id] ?? 0 }));
  return {
    window: { since: merged.since, until: merged.at, ms: Math.max(0, merged.at - merged.since), slotMs: options.slotMs, spanMs: options.spanMs },
    total: sketch.total,
    ops: merged.ops,
    capacity: sketch.capacity,
    unlisted: Math.max(sketch.floor, sketch.entries[top]?.count ?? 0),
    keys,
    nodes,
    processes: merged.writers,
  };
}

/** Each node's part of all the requests' node visits, for bars beside each other. */
export function loadShares(nodes: readonly NodeLoad[]): Record<string, number> {
  const total = nodes.reduce((sum, n) => sum + n.served, 0);
  return Object.fromEntries(nodes.map((n) => [n.id, total ? n.served / total : 0]));
}
