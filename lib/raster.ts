// Small round shapes stamped into an RGBA pixel buffer: ten thousand antialiased dots in a few milliseconds, where a canvas path per dot costs a frame.

/** Sub-pixel positions of a shape's centre per axis: a mask for each, so a dot lands within a quarter pixel of where it should. */
export const STEPS = 4;
/** Samples per pixel per axis when measuring coverage. */
const SAMPLES = 4;

/** A shape's coverage (0 to 1) of each pixel of a square around its centre, for each sub-pixel offset of the centre. */
export interface Stamp {
  /** The square's side, in pixels; the centre's pixel sits at (half, half). */
  size: number;
  half: number;
  /** Indexed by `qy * STEPS + qx`, the centre's quarter pixel: `size * size` coverages, row by row. */
  masks: Float32Array[];
}

/** Pixels between `inner` and `outer` pixels from the centre: a ring, or a disc when `inner` is 0. */
export function ringStamp(inner: number, outer: number): Stamp {
  const half = Math.ceil(outer) + 1;
  const size = 2 * half + 1;
  const masks: Float32Array[] = [];
  for (let qy = 0; qy < STEPS; qy++) {
    for (let qx = 0; qx < STEPS; qx++) {
      const mask = new Float32Array(size * size);
      // The centre's offset inside its pixel: the middle of its quarter.
      const [cx, cy] = [(qx + 0.5) / STEPS, (qy + 0.5) / STEPS];
      for (let j = 0; j < size; j++) {
        for (let i = 0; i < size; i++) {
          let inside = 0;
          for (let sy = 0; sy < SAMPLES; sy++) {
            for (let sx = 0; sx < SAMPLES; sx++) {
              const d2 = (i - half + (sx + 0.5) / SAMPLES - cx) ** 2 + (j - half + (sy + 0.5) / SAMPLES - cy) ** 2;
              if (d2 <= outer * outer && d2 >= inner * inner) inside++;
            }
          }
          mask[j * size + i] = inside / (SAMPLES * SAMPLES);
        }
      }
      masks.push(mask);
    }
  }
  return { size, half, masks };
}

export type Rgb = readonly [number, number, number];

/** `#rgb` or `#rrggbb` as numbers; null for anything else. */
export function parseHex(color: string): Rgb | null {
  const long = /^#([\da-f]{2})([\da-f]{2})([\da-f]{2})$/i.exec(color);
  if (long) return [parseInt(long[1], 16), parseInt(long[2], 16), parseInt(long[3], 16)];
  const short = /^#([\da-f])([\da-f])([\da-f])$/i.exec(color);
  return short ? [parseInt(short[1] + short[1], 16), parseInt(short[2] + short[2], 16), parseInt(short[3] + short[3], 16)] : null;
}

/** An RGBA buffer as ImageData holds it: not premultiplied, row by row. */
export interface Pixels {
  data: Uint8ClampedArray;
  width: number;
  height: number;
}

/**
 * Draws `stamp` centred at (`x`, `y`) (in pixels) in `color` at `alpha`, over what the buffer holds (source-over), and
 * clipped to it. Returns nothing: the caller knows the box it touched (`x`, `y` plus or minus `stamp.half` + 1).
 */
export function stampInto(pixels: Pixels, stamp: Stamp, x: number, y: number, color: Rgb, alpha: number): void {
  // Called ten thousand times a paint: plain numbers and indexing, no destructuring, so nothing is allocated.
  const data = pixels.data;
  const width = pixels.width;
  const height = pixels.height;
  const r = color[0];
  const g = color[1];
  const b = color[2];
  const px = Math.floor(x);
  const py = Math.floor(y);
  const mask = stamp.masks[Math.min(STEPS - 1, Math.floor((y - py) * STEPS)) * STEPS + Math.min(STEPS - 1, Math.floor((x - px) * STEPS))];
  const size = stamp.size;
  const half = stamp.half;
  for (let j = 0; j < size; j++) {
    const row = py - half + j;
    if (row < 0 || row >= height) continue;
    for (let i = 0; i < size; i++) {
      const column = px - half + i;
      const a = mask[j * size + i] * alpha;
      if (a === 0 || column < 0 || column >= width) continue;
      const at = (row * width + column) * 4;
      const below = (data[at + 3] / 255) * (1 - a);
      const out = a + below;
      data[at] = (r * a + data[at] * below) / out;
      data[at + 1] = (g * a + data[at + 1] * below) / out;
      data[at + 2] = (b * a + data[at + 2] * below) / out;
      data[at + 3] = out * 255;
    }
  }
}
