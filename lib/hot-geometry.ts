// Where the ring chart draws hot keys: a halo on each key's mark, its area proportional to the key's share of requests.
import { keyMark } from './geometry';
import type { HotKey } from './hot-view';

export interface Halo {
  key: string;
  x: number;
  y: number;
  radius: number;
  /** The key's share over the hottest key's, 0 to 1: how strongly it is drawn. */
  heat: number;
}

/**
 * Halos of the hot keys, hottest last (drawn on top). The radius grows with the square root of the share, so a
 * halo's area, what the eye compares, is proportional to the requests: a key with all of them gets `maxRadius`.
 */
export function hotHalos(keys: readonly HotKey[], band: { inner: number; outer: number }, minRadius: number, maxRadius: number): Halo[] {
  const hottest = keys.reduce((max, k) => Math.max(max, k.share), 0);
  return keys
    .map((k) => {
      const mark = keyMark(k.position, band.inner, band.outer);
      return { key: k.key, x: mark.x, y: mark.y, radius: minRadius + (maxRadius - minRadius) * Math.sqrt(k.share), heat: hottest > 0 ? k.share / hottest : 0 };
    })
    .sort((a, b) => a.heat - b.heat || (a.key < b.key ? -1 : a.key > b.key ? 1 : 0));
}
