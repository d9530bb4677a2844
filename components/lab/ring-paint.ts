// Painting the lab's ring on a canvas: two bands of points (before outside, after inside), keys where they enter the ring, movers on a track between.
import { angleOf, pointAt, TAU } from '@/lib/geometry';
import type { MotionKey, RingPoints } from '@/lib/lab-view/motion';

/** The canvas's user space spans -VIEW..VIEW on both axes, the centre at 0. */
export const VIEW = 300;
const BEFORE = { inner: 272, outer: 284 };
const AFTER = { inner: 254, outer: 266 };
export const TRACK = 244;
const KEYS = { inner: 130, outer: 228 };

/** Canvas angles start at 3 o'clock; the ring's at 12. */
const canvasAngle = (angle: number) => angle - Math.PI / 2;

function band(context: CanvasRenderingContext2D, points: RingPoints, nodes: readonly string[], color: (id: string) => string, radii: { inner: number; outer: number }): void {
  const { positions, owners } = points;
  for (let p = 0; p < positions.length; p++) {
    // A point owns the arc after its predecessor, up to itself: the successor rule.
    const end = angleOf(positions[p]);
    const start = positions.length === 1 ? end - TAU : p === 0 ? angleOf(positions[positions.length - 1]) - TAU : angleOf(positions[p - 1]);
    context.fillStyle = color(nodes[owners[p]]);
    context.beginPath();
    context.arc(0, 0, radii.outer, canvasAngle(start), canvasAngle(end));
    context.arc(0, 0, radii.inner, canvasAngle(end), canvasAngle(start), true);
    context.fill();
  }
}

/** A key's resting radius: spread over the key band by its position's low bits, so dense arcs read as clouds, not lines. */
export function restingRadius(position: number): number {
  return KEYS.inner + ((position % 1009) / 1009) * (KEYS.outer - KEYS.inner);
}

function dot(context: CanvasRenderingContext2D, angle: number, radius: number, size: number): void {
  const { x, y } = pointAt(angle, radius);
  context.moveTo(x + size, y);
  context.arc(x, y, size, 0, TAU);
}

/** Dots of keys where they stand before (`from`) or after (`to`) the change, in their node's colour, one path per colour. */
export function paintKeys(context: CanvasRenderingContext2D, keys: readonly MotionKey[], nodes: readonly string[], color: (id: string) => string, side: 'from' | 'to'): void {
  const byNode = new Map<number, MotionKey[]>();
  for (const key of keys) byNode.set(key[side], [...(byNode.get(key[side]) ?? []), key]);
  for (const [node, group] of byNode) {
    context.fillStyle = color(nodes[node]);
    context.beginPath();
    for (const key of group) {
      const at = side === 'from' ? key.position : key.positionAfter;
      dot(context, angleOf(at), restingRadius(at), 2);
    }
    context.fill();
  }
}

/** The parts that do not move: both bands and the keys that stay. */
export function paintStatic(context: CanvasRenderingContext2D, before: RingPoints, after: RingPoints, nodes: readonly string[], staying: readonly MotionKey[], color: (id: string) => string): void {
  context.clearRect(-VIEW, -VIEW, 2 * VIEW, 2 * VIEW);
  band(context, before, nodes, color, BEFORE);
  band(context, after, nodes, color, AFTER);
  paintKeys(context, staying, nodes, color, 'to');
}

/** The angle a mover reaches at `t` (0..1): from the point that held it to the one that takes it, the short way round. */
export function travelAngle(key: MotionKey, t: number): number {
  const from = angleOf(key.fromPoint);
  let delta = angleOf(key.toPoint) - from;
  if (delta > Math.PI) delta -= TAU;
  if (delta < -Math.PI) delta += TAU;
  return from + delta * t;
}

/** Movers on the track at `t`, coloured by the node they leave until halfway, then by the node they join. */
export function paintMovers(context: CanvasRenderingContext2D, movers: readonly MotionKey[], nodes: readonly string[], color: (id: string) => string, t: number, outline: string): void {
  context.strokeStyle = outline;
  context.lineWidth = 1;
  for (const key of movers) {
    context.fillStyle = color(nodes[t < 0.5 ? key.from : key.to]);
    context.beginPath();
    dot(context, travelAngle(key, t), TRACK, 3.5);
    context.fill();
    context.stroke();
  }
}
