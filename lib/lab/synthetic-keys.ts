// A deterministic key set for the lab: the shapes `fake` stores (users kept together by hash tags, sessions, products, pages), with sizes and a Zipf request mix.
import { seededRandom } from '../random';
import type { LabKey } from './types';

export { seededRandom };

/** Web caches see request popularity close to Zipf with an exponent of about 0.6 to 0.8 (Breslau et al., INFOCOM 1999). */
export const DEFAULT_ZIPF = 0.8;

const shapes: ((n: number, random: () => number) => { key: string; bytes: number })[] = [
  (n, random) => ({ key: `user:{${n}}:profile`, bytes: 80 + Math.floor(random() * 120) }),
  (n, random) => ({ key: `user:{${n}}:cart`, bytes: 40 + Math.floor(random() * 400) }),
  (n, random) => ({ key: `session:${n.toString(36)}${Math.floor(random() * 1e9).toString(36)}`, bytes: 48 }),
  (n, random) => ({ key: `product:${n.toString(36).toUpperCase().padStart(8, '0')}`, bytes: 60 + Math.floor(random() * 200) }),
  // Pages are few but large: sizes spread over two orders of magnitude, as rendered fragments are.
  (n, random) => ({ key: `page:/p/${n.toString(36)}`, bytes: Math.floor(500 * Math.exp(random() * 4.6)) }),
];

/**
 * `count` distinct keys with value sizes, and requests following Zipf's law with exponent `zipf` by key
 * number (key i gets about requests(0) / (i + 1)^zipf): key numbers have nothing to do with hash positions,
 * so the popular keys land anywhere on the ring.
 */
export function syntheticKeys(count: number, { zipf = DEFAULT_ZIPF, seed = 1 }: { zipf?: number; seed?: number } = {}): LabKey[] {
  const random = seededRandom(seed);
  const keys: LabKey[] = [];
  for (let i = 0; i < count; i++) {
    const { key, bytes } = shapes[i % shapes.length](Math.floor(i / shapes.length) + 1, random);
    keys.push({ key, bytes, requests: Math.max(1, Math.round(1e6 / (i + 1) ** zipf)) });
  }
  return keys;
}
