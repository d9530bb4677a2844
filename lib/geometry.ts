// Geometry of the ring chart: hash positions as angles (0 at the top, clockwise), vnode arcs, key marks and travel paths.
import { arc } from 'd3-shape';

export const RING_SIZE = 2 ** 32;
export const TAU = 2 * Math.PI;

export interface Point {
  x: number;
  y: number;
}

/** A vnode as the snapshot lists it. */
export interface VnodePoint {
  node: string;
  index: number;
  position: number;
}

export interface VnodeArc {
  /** `node#index`, the vnode's stable id. */
  id: string;
  node: string;
  index: number;
  position: number;
  /** The arc the vnode owns: after its predecessor, up to itself. `startAngle` is negative for the arc that wraps past the top. */
  startAngle: number;
  endAngle: number;
}

/** The angle of a ring position in radians: 0 at the top, growing clockwise, in [0, 2π). */
export function angleOf(position: number): number {
  return (position / RING_SIZE) * TAU;
}

/** The SVG point at `angle` (0 at the top, clockwise) and `radius` from the centre (0, 0): y grows downwards. */
export function pointAt(angle: number, radius: number): Point {
  return { x: radius * Math.sin(angle), y: -radius * Math.cos(angle) };
}

export function vnodeId(node: string, index: number): string {
  return `${node}#${index}`;
}

/** Ring order: by position, then node id, then index, as the ring itself breaks ties. */
export function compareVnodes(a: VnodePoint, b: VnodePoint): number {
  return a.position - b.position || (a.node < b.node ? -1 : a.node > b.node ? 1 : 0) || a.index - b.index;
}

function sorted(vnodes: readonly VnodePoint[]): readonly VnodePoint[] {
  for (let v = 1; v < vnodes.length; v++) if (compareVnodes(vnodes[v - 1], vnodes[v]) > 0) return [...vnodes].sort(compareVnodes);
  return vnodes;
}

/** Each vnode's arc; together they cover the circle exactly once (a lone vnode owns all of it). */
export function vnodeArcs(vnodes: readonly VnodePoint[]): VnodeArc[] {
  const ring = sorted(vnodes);
  return ring.map((vnode, v) => {
    const endAngle = angleOf(vnode.position);
    const startAngle = ring.length === 1 ? endAngle - TAU : v === 0 ? angleOf(ring[ring.length - 1].position) - TAU : angleOf(ring[v - 1].position);
    return { id: vnodeId(vnode.node, vnode.index), node: vnode.node, index: vnode.index, position: vnode.position, startAngle, endAngle };
  });
}

const band = arc<{ innerRadius: number; outerRadius: number; startAngle: number; endAngle: number }>();

/** The SVG path of a vnode: its owned arc as a band, and a tick at its own position that stands out of the band. */
export function vnodePath(vnodeArc: VnodeArc, inner: number, outer: number, tickOuter: number): string {
  const tickWidth = 1.2 / tickOuter;
  const owned = band({ innerRadius: inner, outerRadius: outer, startAngle: vnodeArc.startAngle, endAngle: vnodeArc.endAngle }) ?? '';
  const tick = band({ innerRadius: inner - (tickOuter - outer), outerRadius: tickOuter, startAngle: vnodeArc.endAngle - tickWidth, endAngle: vnodeArc.endAngle }) ?? '';
  return owned + tick;
}

/** An annular sector, for density bars and highlights. */
export function sectorPath(startAngle: number, endAngle: number, inner: number, outer: number): string {
  return band({ innerRadius: inner, outerRadius: outer, startAngle, endAngle }) ?? '';
}

/** Vnodes in ring order, ready for owner lookups by binary search. */
export interface RingLayout {
  readonly vnodes: readonly VnodePoint[];
}

export function layoutOf(vnodes: readonly VnodePoint[]): RingLayout {
  return { vnodes: sorted(vnodes) };
}

/** Index in the layout of the vnode owning `position`: the first at or after it, wrapping to 0; -1 on an empty ring. */
export function ownerIndex(layout: RingLayout, position: number): number {
  const { vnodes } = layout;
  let lo = 0;
  let hi = vnodes.length;
  if (hi === 0) return -1;
  while (lo < hi) {
    const mid = (lo + hi) >>> 1;
    if (vnodes[mid].position < position) lo = mid + 1;
    else hi = mid;
  }
  return lo === vnodes.length ? 0 : lo;
}

/**
 * The vnode through which each node of a key's preference list holds it: the primary's owning vnode, then
 * the first vnode of each further node met walking clockwise from there. Null for a node not on the ring.
 */
export function replicaVnodes(layout: RingLayout, position: number, preference: readonly string[]): (VnodePoint | null)[] {
  const start = ownerIndex(layout, position);
  const found = new Map<string, VnodePoint>();
  const total = layout.vnodes.length;
  for (let step = 0; start >= 0 && step < total && found.size < preference.length; step++) {
    const vnode = layout.vnodes[(start + step) % total];
    if (!found.has(vnode.node) && preference.includes(vnode.node)) found.set(vnode.node, vnode);
  }
  return preference.map((node) => found.get(node) ?? null);
}

/** Clockwise distance from one ring position to another, in [0, 2^32). */
export function clockwiseDistance(from: number, to: number): number {
  return (((to - from) % RING_SIZE) + RING_SIZE) % RING_SIZE;
}

/**
 * The angles a key travels between when its owner vnode changes: from the old owner's angle to the new
 * owner's, both reached clockwise from the key, so the path never crosses the key's own position the long way.
 */
export function travelAngles(position: number, fromVnode: number, toVnode: number): { from: number; to: number } {
  const base = angleOf(position);
  return { from: base + angleOf(clockwiseDistance(position, fromVnode)), to: base + angleOf(clockwiseDistance(position, toVnode)) };
}

/**
 * A key's mark: at its hash angle, at a radius inside [inner, outer] taken from the position's low bits,
 * so keys at nearby angles spread out instead of piling up (keys sharing a hash tag share a point).
 */
export function keyMark(position: number, inner: number, outer: number): Point & { angle: number; radius: number } {
  const angle = angleOf(position);
  const radius = inner + ((position & 0xff) / 0xff) * (outer - inner);
  return { angle, radius, ...pointAt(angle, radius) };
}

/** The point nearest `at` among those whose reach (their radius, say) covers it, or null; of two as near, the later (drawn over the other). */
export function nearestWithin<T extends Point>(points: Iterable<T>, at: Point, reach: (point: T) => number): T | null {
  let nearest: T | null = null;
  let best = Infinity;
  for (const point of points) {
    const distance = (point.x - at.x) ** 2 + (point.y - at.y) ** 2;
    if (distance <= reach(point) ** 2 && distance <= best) {
      nearest = point;
      best = distance;
    }
  }
  return nearest;
}

/** One bar per density bin, its length proportional to the bin's count over the largest. */
export function densityBars(density: readonly number[], inner: number, maxLength: number): { bin: number; count: number; startAngle: number; endAngle: number; inner: number; outer: number }[] {
  const max = Math.max(1, ...density);
  const width = TAU / Math.max(1, density.length);
  return density.map((count, bin) => ({ bin, count, startAngle: bin * width, endAngle: (bin + 1) * width, inner: inner - (count / max) * maxLength, outer: inner }));
}

export interface PlacedKey {
  key: string;
  position: number;
  preference: readonly string[];
}

export interface KeyTravel {
  key: string;
  fromNode: string;
  toNode: string;
  /** Angles to tween between (see travelAngles). */
  from: number;
  to: number;
}

/** Keys whose primary changed between two snapshots, each from its old owner vnode's angle to its new one's. */
export function keyTravels(before: { vnodes: readonly VnodePoint[]; keys: readonly PlacedKey[] }, after: { vnodes: readonly VnodePoint[]; keys: readonly PlacedKey[] }, limit = Infinity): KeyTravel[] {
  const oldLayout = layoutOf(before.vnodes);
  const newLayout = layoutOf(after.vnodes);
  const travels: KeyTravel[] = [];
  const earlier = before.keys;
  // Snapshots list their keys in one order, so the key before is usually at the cursor: a map of ten thousand keys
  // is built (in the frame the travel starts) only when the lists differ, and the cursor resumes after each match.
  let cursor = 0;
  let byKey: Map<string, number> | null = null;
  for (const placed of after.keys) {
    if (travels.length >= limit) break;
    let at = cursor < earlier.length && earlier[cursor].key === placed.key ? cursor : -1;
    if (at < 0) at = (byKey ??= new Map(earlier.map((k, i) => [k.key, i]))).get(placed.key) ?? -1;
    if (at < 0) continue;
    cursor = at + 1;
    const old = earlier[at];
    // A placement the snapshot kept as it was has kept its primary.
    if (old === placed) continue;
    const fromNode = old?.preference[0];
    const toNode = placed.preference[0];
    if (fromNode === undefined || toNode === undefined || fromNode === toNode) continue;
    const fromV = ownerIndex(oldLayout, placed.position);
    const toV = ownerIndex(newLayout, placed.position);
    if (fromV < 0 || toV < 0) continue;
    const { from, to } = travelAngles(placed.position, oldLayout.vnodes[fromV].position, newLayout.vnodes[toV].position);
    travels.push({ key: placed.key, fromNode, toNode, from, to });
  }
  return travels;
}

/**
 * Label angles for marks that may crowd together: the same order, each at least `minGap` clockwise after the
 * one before (angles are taken clockwise from the first, so a run that wraps past the top stays in order).
 */
export function spreadAngles(angles: readonly number[], minGap: number): number[] {
  const spread: number[] = [];
  for (const angle of angles) {
    if (spread.length === 0) {
      spread.push(angle);
      continue;
    }
    const last = spread[spread.length - 1];
    let unwrapped = angle;
    while (unwrapped < spread[0]) unwrapped += TAU;
    spread.push(Math.max(unwrapped, last + minGap));
  }
  return spread;
}
