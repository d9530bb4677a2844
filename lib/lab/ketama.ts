// ketama (libketama, and the npm `hashring` package): MD5, 40 hashes x 4 points per server at equal weight.
import { hashPart } from '../hash';
import { PointPlacement, sortPoints, successor, walkPreferences, type Algorithm, type Placement, type RingPoints, type Settings } from './algorithm';
import { keyBytes } from './key-bytes';
import { md5Words } from './md5';
import type { LabNode } from './types';

/** Hashes per server at equal weight, and points per hash (the four little-endian words of an MD5 digest). */
export const KETAMA_HASHES = 40;
export const KETAMA_POINTS_PER_HASH = 4;

const digest = new Uint32Array(4);

/** A key's position: the first little-endian word of MD5 of its hashed part. */
export function ketamaPosition(key: string): number {
  md5Words(keyBytes(hashPart(key)), digest);
  return digest[0];
}

/**
 * The continuum as hashring 3.2 builds it: server i gets floor(w_i / W x 40 x servers) hashes of "<id>-<k>"
 * (the same expression, so the same rounding), four points each, sorted with ties in insertion order.
 */
export function ketamaPoints(nodes: readonly LabNode[]): RingPoints {
  const total = nodes.reduce((sum, n) => sum + n.weight, 0);
  const values: number[] = [];
  const owners: number[] = [];
  nodes.forEach((node, n) => {
    const percentage = node.weight / total;
    const hashes = Math.floor(percentage * KETAMA_HASHES * nodes.length);
    for (let k = 0; k < hashes; k++) {
      md5Words(keyBytes(`${node.id}-${k}`), digest);
      for (let j = 0; j < KETAMA_POINTS_PER_HASH; j++) {
        values.push(digest[j]);
        owners.push(n);
      }
    }
  });
  return sortPoints(values, owners);
}

class KetamaPlacement extends PointPlacement {
  protected point(key: string): number {
    return successor(this.points.positions, ketamaPosition(key));
  }

  entry(key: string): number {
    return ketamaPosition(key);
  }
}

export const ketama: Algorithm = {
  id: 'ketama',
  name: 'ketama (MD5, 160 points)',
  notes:
    'The npm hashring package (3.2) exactly: MD5 of "<id>-<k>", 4 points per digest, floor(weight share x 40 x servers) digests per server, MD5 of the hashed part for keys; replicas: the next distinct servers clockwise (hashring range()).',
  build(nodes: readonly LabNode[], settings: Settings): Placement {
    const points = ketamaPoints(nodes);
    // A server whose weight rounds to no hash has no point, so the distinct owners may be fewer than the servers.
    const length = Math.min(settings.replicas, nodes.length, new Set(points.owners).size);
    return new KetamaPlacement(points, length, walkPreferences(points.owners, length));
  },
};
