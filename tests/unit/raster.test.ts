// Stamped dots and rings: their coverage matches their area wherever the centre falls, and they blend as canvas source-over does.
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { parseHex, ringStamp, STEPS, stampInto, type Pixels } from '@/lib/raster';

const blank = (width: number, height: number): Pixels => ({ data: new Uint8ClampedArray(width * height * 4), width, height });
const pixel = (p: Pixels, x: number, y: number) => [...p.data.slice((y * p.width + x) * 4, (y * p.width + x) * 4 + 4)];
const sum = (mask: Float32Array) => mask.reduce((s, c) => s + c, 0);

describe('ringStamp', () => {
  it('covers the area of a disc, within a few percent, whichever quarter pixel the centre is in', () => {
    for (const radius of [2.4, 3.4, 4.8, 6.8]) {
      const stamp = ringStamp(0, radius);
      expect(stamp.masks).toHaveLength(STEPS * STEPS);
      for (const mask of stamp.masks) expect(Math.abs(sum(mask) / (Math.PI * radius ** 2) - 1)).toBeLessThan(0.03);
    }
  });

  it('covers the area of a ring, and nothing at its centre', () => {
    const stamp = ringStamp(2.5, 4.3);
    for (const mask of stamp.masks) {
      expect(Math.abs(sum(mask) / (Math.PI * (4.3 ** 2 - 2.5 ** 2)) - 1)).toBeLessThan(0.04);
      expect(mask[stamp.half * stamp.size + stamp.half]).toBe(0);
    }
  });

  it('keeps every coverage between 0 and 1, full inside and empty beyond the radius', () => {
    const stamp = ringStamp(0, 3.4);
    for (const mask of stamp.masks) {
      expect(mask.every((c) => c >= 0 && c <= 1)).toBe(true);
      expect(mask[stamp.half * stamp.size + stamp.half]).toBe(1);
      expect(mask[0]).toBe(0);
    }
  });
});

describe('stampInto', () => {
  const dot = ringStamp(0, 2.4);

  it('paints the colour opaque at the centre and leaves pixels beyond the radius alone', () => {
    const p = blank(20, 20);
    stampInto(p, dot, 10.5, 10.5, [78, 121, 167], 1);
    expect(pixel(p, 10, 10)).toEqual([78, 121, 167, 255]);
    expect(pixel(p, 14, 10)).toEqual([0, 0, 0, 0]);
    expect(pixel(p, 10, 5)).toEqual([0, 0, 0, 0]);
    // Antialiased: the edge is partly covered.
    const edge = pixel(p, 12, 12)[3];
    expect(edge).toBeGreaterThan(0);
    expect(edge).toBeLessThan(255);
  });

  it('blends over what is there as source-over does, colour not premultiplied', () => {
    const p = blank(20, 20);
    stampInto(p, dot, 10.5, 10.5, [0, 0, 255], 1);
    stampInto(p, dot, 10.5, 10.5, [255, 0, 0], 0.5);
    const [r, g, b, a] = pixel(p, 10, 10);
    expect(a).toBe(255);
    expect(Math.abs(r - 127.5)).toBeLessThanOrEqual(1);
    expect(g).toBe(0);
    expect(Math.abs(b - 127.5)).toBeLessThanOrEqual(1);
    // A faint dot over nothing keeps its colour, at its own opacity.
    const q = blank(20, 20);
    stampInto(q, dot, 10.5, 10.5, [220, 38, 38], 0.08);
    expect(pixel(q, 10, 10)).toEqual([220, 38, 38, Math.round(0.08 * 255)]);
  });

  it('moves with its centre: the coverage-weighted centre lands within a quarter pixel of it', () => {
    fc.assert(
      fc.property(fc.double({ min: 5, max: 15, noNaN: true }), fc.double({ min: 5, max: 15, noNaN: true }), (x, y) => {
        const p = blank(20, 20);
        stampInto(p, dot, x, y, [255, 255, 255], 1);
        let [total, sx, sy] = [0, 0, 0];
        for (let j = 0; j < 20; j++) {
          for (let i = 0; i < 20; i++) {
            const a = pixel(p, i, j)[3];
            [total, sx, sy] = [total + a, sx + a * (i + 0.5), sy + a * (j + 0.5)];
          }
        }
        expect(Math.abs(sx / total - x)).toBeLessThanOrEqual(1 / STEPS);
        expect(Math.abs(sy / total - y)).toBeLessThanOrEqual(1 / STEPS);
      }),
    );
  });

  it('clips at the edges of the buffer', () => {
    const p = blank(4, 4);
    stampInto(p, dot, 0.2, 3.9, [1, 2, 3], 1);
    stampInto(p, dot, -10, -10, [1, 2, 3], 1);
    expect(p.data.length).toBe(64);
    expect(pixel(p, 0, 3)).toEqual([1, 2, 3, 255]);
  });
});

describe('parseHex', () => {
  it('reads long and short hex colours, and nothing else', () => {
    expect(parseHex('#dc2626')).toEqual([220, 38, 38]);
    expect(parseHex('#9CA3AF')).toEqual([156, 163, 175]);
    expect(parseHex('#fff')).toEqual([255, 255, 255]);
    expect(parseHex('rgb(1, 2, 3)')).toBeNull();
    expect(parseHex('#12345')).toBeNull();
  });
});
