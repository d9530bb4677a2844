// A node's memory figures from memcached's stats, slabs and items, and the local nodes' memory setting.
import { describe, expect, it } from 'vitest';
import { summariseStats } from '@/lib/cluster/snapshot';
import { localMemoryFromEnv } from '@/lib/memcached/local-nodes';

const MiB = 1024 * 1024;

/** `stats` + `stats slabs` + `stats items` of an 8 MiB node: class 1 holds small values, class 32 the big ones. */
function stats(overrides: Record<string, number> = {}): Record<string, string> {
  const figures: Record<string, number> = {
    limit_maxbytes: 8 * MiB,
    total_malloced: 8 * MiB,
    slab_global_page_pool: 0,
    curr_items: 71,
    bytes: 7_005_259,
    '1:chunk_size': 96,
    '1:free_chunks': 10_921,
    '1:free_chunks_end': 0,
    '32:chunk_size': 103_496,
    '32:free_chunks': 0,
    '32:free_chunks_end': 0,
    'items:1:outofmemory': 0,
    'items:32:outofmemory': 12,
    ...overrides,
  };
  return Object.fromEntries(Object.entries(figures).map(([name, value]) => [name, String(value)]));
}

describe('summariseStats', () => {
  it('shows a node whose memory is spent, with the class that has no free chunk, as full', () => {
    expect(summariseStats(stats())).toMatchObject({ limitBytes: 8 * MiB, usedBytes: 8 * MiB, refused: 12, full: true, fullSlabs: [{ id: 32, chunkSize: 103_496, refused: 12 }] });
  });

  it('is not full while a page can still be given to a class', () => {
    expect(summariseStats(stats({ total_malloced: 6 * MiB }))).toMatchObject({ full: false, fullSlabs: [] });
    expect(summariseStats(stats({ slab_global_page_pool: 1 }))).toMatchObject({ full: false, fullSlabs: [] });
  });

  it('is not full once the class has free chunks again, although its pages stay allocated', () => {
    expect(summariseStats(stats({ '32:free_chunks': 3 }))).toMatchObject({ usedBytes: 8 * MiB, full: false, fullSlabs: [] });
  });

  it('lists every class without a free chunk, the most refused first', () => {
    const summary = summariseStats(stats({ '1:free_chunks': 0, 'items:1:outofmemory': 40 }));
    expect(summary?.fullSlabs.map((s) => s.id)).toEqual([1, 32]);
    expect(summary?.refused).toBe(52);
  });

  it('leaves a node that does not answer without figures', () => {
    expect(summariseStats(null)).toBeNull();
  });
});

describe('localMemoryFromEnv', () => {
  it('is 64 MiB unless RINGSIDE_NODE_MEMORY_MB says otherwise', () => {
    expect(localMemoryFromEnv({})).toBe(64);
    expect(localMemoryFromEnv({ RINGSIDE_NODE_MEMORY_MB: ' 256 ' })).toBe(256);
  });

  it('refuses a value that is not a whole number of MiB from 8', () => {
    for (const bad of ['abc', '1.5', '-1', '4', '64m']) expect(() => localMemoryFromEnv({ RINGSIDE_NODE_MEMORY_MB: bad })).toThrow(/RINGSIDE_NODE_MEMORY_MB must be a whole number of MiB/);
  });
});
