// Painting the resting key marks: discs in their primary's colour stamped into one canvas's pixels, the red rings of under-replicated keys into another's (which pulses).
import { ALERT_COLOR } from '@/lib/colors';
import { parseHex, ringStamp, stampInto, type Rgb, type Stamp } from '@/lib/raster';
import { fitCanvas } from './canvas';
import { VIEW } from './dimensions';

export const DOT_RADIUS = 2.4;
/** Under-replicated keys are drawn bigger, and ringed. */
export const UNDER_RADIUS = 3.4;
const RING_WIDTH = 1.8;
/** The opacity of the keys a hovered node does not hold. */
export const DIMMED = 0.08;

export interface PaintedMark {
  /** The centre, in view-box units. */
  x: number;
  y: number;
  fill: string;
  under: boolean;
  dim: boolean;
}

interface Layer {
  context: CanvasRenderingContext2D;
  image: ImageData;
}

/** Both canvases at one pixel density, with their pixel buffers and the shapes stamped into them at that density. */
export interface MarkSurfaces {
  scale: number;
  dots: Layer;
  rings: Layer;
  stamps: { dot: Stamp; under: Stamp; ring: Stamp };
}

/** Sized to `scale`, or `current` while the scale and the canvases hold: sizing a canvas and its buffer allocates both. */
export function markSurfaces(dots: HTMLCanvasElement, rings: HTMLCanvasElement, scale: number, current: MarkSurfaces | null): MarkSurfaces | null {
  if (current && current.scale === scale && current.dots.context.canvas === dots && current.rings.context.canvas === rings) return current;
  const layer = (surface: HTMLCanvasElement): Layer | null => {
    const context = fitCanvas(surface, scale);
    return context && { context, image: context.createImageData(surface.width, surface.height) };
  };
  const [dotLayer, ringLayer] = [layer(dots), layer(rings)];
  if (!dotLayer || !ringLayer) return null;
  const stamps = {
    dot: ringStamp(0, DOT_RADIUS * scale),
    under: ringStamp(0, UNDER_RADIUS * scale),
    ring: ringStamp((UNDER_RADIUS - RING_WIDTH / 2) * scale, (UNDER_RADIUS + RING_WIDTH / 2) * scale),
  };
  return { scale, dots: dotLayer, rings: ringLayer, stamps };
}

const colors = new Map<string, Rgb>();
const ALERT = parseHex(ALERT_COLOR)!;

/** A CSS colour as numbers; anything but hex is read back through a canvas, which says opaque colours as hex. */
function rgbOf(color: string, context: CanvasRenderingContext2D): Rgb {
  let rgb = colors.get(color);
  if (!rgb) {
    context.fillStyle = color;
    rgb = parseHex(color) ?? parseHex(String(context.fillStyle)) ?? [156, 163, 175];
    colors.set(color, rgb);
  }
  return rgb;
}

/**
 * Stamps `marks` into the buffers, over what they hold unless `clear`, and puts back the pixels touched. Dimmed
 * marks go below lit ones, and under-replicated keys over the rest, as the eye should find them.
 */
export function paintMarks(surfaces: MarkSurfaces, marks: readonly PaintedMark[], clear: boolean): void {
  const { scale, dots, rings, stamps } = surfaces;
  if (clear) {
    dots.image.data.fill(0);
    rings.image.data.fill(0);
  }
  let left = Infinity;
  let top = Infinity;
  let right = -Infinity;
  let bottom = -Infinity;
  let ringed = false;
  // Dimmed healthy, dimmed under-replicated, lit healthy, lit under-replicated. Plain loops: this runs over ten
  // thousand marks in the frame after a new ring, and must allocate nothing per mark.
  for (let layer = 0; layer < 4; layer++) {
    const dim = layer < 2;
    const under = layer % 2 === 1;
    const alpha = dim ? DIMMED : 1;
    const stamp = under ? stamps.under : stamps.dot;
    for (let m = 0; m < marks.length; m++) {
      const mark = marks[m];
      if (mark.dim !== dim || mark.under !== under) continue;
      const x = (mark.x + VIEW) * scale;
      const y = (mark.y + VIEW) * scale;
      stampInto(dots.image, stamp, x, y, rgbOf(mark.fill, dots.context), alpha);
      if (under) {
        stampInto(rings.image, stamps.ring, x, y, ALERT, alpha);
        ringed = true;
      }
      if (x < left) left = x;
      if (x > right) right = x;
      if (y < top) top = y;
      if (y > bottom) bottom = y;
    }
  }
  if (clear) {
    dots.context.putImageData(dots.image, 0, 0);
    rings.context.putImageData(rings.image, 0, 0);
    return;
  }
  if (left > right) return;
  // Only the box the new marks cover goes back to the canvas.
  const size = dots.image.width;
  const reach = stamps.ring.half + 1;
  const x0 = Math.max(0, Math.floor(left) - reach);
  const y0 = Math.max(0, Math.floor(top) - reach);
  const x1 = Math.min(size, Math.ceil(right) + reach);
  const y1 = Math.min(size, Math.ceil(bottom) + reach);
  dots.context.putImageData(dots.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
  if (ringed) rings.context.putImageData(rings.image, 0, 0, x0, y0, x1 - x0, y1 - y0);
}
