// Keys whose primary changed travel along the ring, old owner's vnode to new owner's: angles tweened on requestAnimationFrame.
import { easeCubicInOut } from 'd3-ease';
import { interpolateNumber } from 'd3-interpolate';
import { useEffect, useLayoutEffect, useRef, type RefObject } from 'react';
import type { ClusterSnapshot } from '@/lib/cluster/snapshot';
import { keyTravels, pointAt } from '@/lib/geometry';
import { clearCanvas, fitCanvas } from './canvas';
import { RADIUS } from './dimensions';

export const TRAVEL_MS = 800;
/** After arriving, travellers fade out over this long, so the eye can follow where they went. */
const SETTLE_MS = 400;
/** Beyond this many moving keys the rest move without a traveller: past that the ring is a blur of dots anyway. */
const MAX_TRAVELLERS = 600;
/** Trails (the arc covered so far) only while they are few enough to tell apart. */
const MAX_TRAILS = 250;
const DOT_RADIUS = 5;

interface Options {
  snapshot: ClusterSnapshot;
  color: (id: string) => string;
  reduced: boolean;
  /** Device pixels per CSS pixel (see usePixelRatio). */
  scale: number;
  /** The ring's <svg>: marked `data-animating` while keys travel. */
  svgRef: RefObject<SVGSVGElement | null>;
  /**
   * A <canvas> over the ring, its box the ring's view box: travellers are painted there frame by frame, one bitmap
   * rather than hundreds of SVG elements to restyle, lay out and repaint on every frame.
   */
  canvasRef: RefObject<HTMLCanvasElement | null>;
  /** A hidden element React leaves empty: one `data-travel` child per travelling key while they travel, for tests and tools. */
  listRef: RefObject<HTMLElement | null>;
}

interface Mover {
  from: number;
  angle: (t: number) => number;
  color: string;
  trail: boolean;
}

/** Canvas angles start at 3 o'clock; the ring's start at 12. */
const canvasAngle = (angle: number) => angle - Math.PI / 2;

function paint(context: CanvasRenderingContext2D, movers: readonly Mover[], eased: number, alpha: number, background: string): void {
  clearCanvas(context);
  // A veil over the resting keys, so the travellers stand out.
  context.fillStyle = background;
  context.globalAlpha = alpha * 0.6;
  context.beginPath();
  context.arc(0, 0, RADIUS.keyOuter + 4, 0, 2 * Math.PI);
  context.fill();
  context.globalAlpha = alpha * 0.7;
  for (const { from, angle, color, trail } of movers) {
    if (!trail) continue;
    const at = angle(eased);
    const [start, end] = at < from ? [at, from] : [from, at];
    context.fillStyle = color;
    context.beginPath();
    context.arc(0, 0, RADIUS.travel + 2.5, canvasAngle(start), canvasAngle(end));
    context.arc(0, 0, RADIUS.travel - 2.5, canvasAngle(end), canvasAngle(start), true);
    context.fill();
  }
  // Outlined in the page background so they read over the vnode ticks.
  context.globalAlpha = alpha;
  context.strokeStyle = background;
  context.lineWidth = 1.5;
  for (const { angle, color } of movers) {
    const { x, y } = pointAt(angle(eased), RADIUS.travel);
    context.fillStyle = color;
    context.beginPath();
    context.arc(x, y, DOT_RADIUS, 0, 2 * Math.PI);
    context.fill();
    context.stroke();
  }
}

export function useKeyTravel({ snapshot, color, reduced, scale, svgRef, canvasRef, listRef }: Options): void {
  // The snapshot the ring last showed: a key travels when its primary differs between it and the next.
  const previous = useRef(snapshot);
  const stop = useRef<() => void>(() => undefined);

  // Sized ahead, not in the frame the keys start travelling: sizing a canvas allocates its bitmap.
  useLayoutEffect(() => {
    if (canvasRef.current) fitCanvas(canvasRef.current, scale);
  }, [canvasRef, scale]);

  // Before paint, so the travellers appear in the very frame that shows the new ring.
  useLayoutEffect(() => {
    const before = previous.current;
    previous.current = snapshot;
    const context = canvasRef.current?.getContext('2d');
    if (before.checksum === snapshot.checksum || reduced || !context) return;
    const travels = keyTravels(before, snapshot, MAX_TRAVELLERS);
    if (travels.length === 0) return;

    stop.current();
    const trails = travels.length <= MAX_TRAILS;
    const movers = travels.map((travel): Mover => ({ from: travel.from, angle: interpolateNumber(travel.from, travel.to), color: color(travel.toNode), trail: trails }));
    const background = window.matchMedia('(prefers-color-scheme: dark)').matches ? '#18181b' : '#ffffff';
    // One element per traveller, in a hidden list (no style, layout or paint), made after this frame: it is not drawn.
    const listing = setTimeout(() =>
      listRef.current?.replaceChildren(
        ...travels.map((travel) => {
          const item = document.createElement('span');
          item.setAttribute('data-travel', travel.key);
          return item;
        }),
      ),
    );
    svgRef.current?.setAttribute('data-animating', 'true');
    let frame = 0;
    const started = performance.now();
    // performance.now() rather than the frame's timestamp: the two may come from different clocks.
    const draw = () => {
      const elapsed = performance.now() - started;
      const alpha = elapsed <= TRAVEL_MS ? 1 : Math.max(0, 1 - (elapsed - TRAVEL_MS) / SETTLE_MS);
      paint(context, movers, easeCubicInOut(Math.min(1, elapsed / TRAVEL_MS)), alpha, background);
      if (elapsed < TRAVEL_MS + SETTLE_MS) frame = requestAnimationFrame(draw);
      else stop.current();
    };
    stop.current = () => {
      cancelAnimationFrame(frame);
      clearTimeout(listing);
      clearCanvas(context);
      listRef.current?.replaceChildren();
      svgRef.current?.removeAttribute('data-animating');
      stop.current = () => undefined;
    };
    draw();
  }, [snapshot, color, reduced, svgRef, canvasRef, listRef]);

  useEffect(() => () => stop.current(), []);
}
