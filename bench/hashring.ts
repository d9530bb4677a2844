// The npm `hashring` package (ketama, md5), the peer Ringside's lookups and movement are measured against.
import { createRequire } from 'node:module';

export interface HashRing {
  get(key: string): string | undefined;
  range(key: string, size?: number, unique?: boolean): string[];
}

// hashring ships no types; its constructor takes server strings (default: 40 vnodes x 4 points = 160 per server).
export const HashRing = createRequire(import.meta.url)('hashring') as new (servers: string[]) => HashRing;
