// The async building blocks the cluster relies on for ordering: bounded map, mutex, per-key locks.
import { describe, expect, it } from 'vitest';
import { KeyLocks, mapLimit, Mutex } from '@/lib/concurrency';
import { fakeEntries } from '@/lib/fake-data';
import { checkKey } from '@/lib/validate';

const tick = (ms = 1) => new Promise((resolve) => setTimeout(resolve, ms));

describe('mapLimit', () => {
  it('keeps order and never exceeds the limit', async () => {
    let running = 0;
    let peak = 0;
    const results = await mapLimit([5, 1, 4, 2, 3, 0], 2, async (n) => {
      peak = Math.max(peak, ++running);
      await tick(n);
      running--;
      return n * 10;
    });
    expect(results).toEqual([50, 10, 40, 20, 30, 0]);
    expect(peak).toBe(2);
  });
});

describe('Mutex', () => {
  it('runs sections one at a time and refuses tryRun while held or queued', async () => {
    const mutex = new Mutex();
    const order: string[] = [];
    const first = mutex.run(async () => {
      order.push('a start');
      await tick(5);
      order.push('a end');
    });
    const second = mutex.run(async () => void order.push('b'));
    expect(mutex.locked).toBe(true);
    expect(mutex.tryRun(async () => void order.push('never'))).toBeNull();
    await Promise.all([first, second]);
    expect(order).toEqual(['a start', 'a end', 'b']);
    expect(mutex.locked).toBe(false);
    await expect(mutex.run(async () => Promise.reject(new Error('boom')))).rejects.toThrow('boom');
    expect(await mutex.tryRun(async () => 'free again')).toBe('free again');
  });
});

describe('KeyLocks', () => {
  it('serialises one key, lets other keys pass, and survives a failing section', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    const slow = locks.run('k', async () => {
      await tick(10);
      order.push('k1');
    });
    const failing = locks.run('k', async () => {
      order.push('k2');
      throw new Error('expected');
    });
    const after = locks.run('k', async () => void order.push('k3'));
    const other = locks.run('other', async () => void order.push('other'));
    await Promise.allSettled([slow, failing, after, other]);
    expect(order).toEqual(['other', 'k1', 'k2', 'k3']);
    await expect(failing).rejects.toThrow('expected');
  });
});

describe('fake data', () => {
  it('makes distinct, valid keys, repeatably for a seed', () => {
    const entries = fakeEntries(500, 7);
    expect(new Set(entries.map((e) => e.key)).size).toBe(500);
    for (const { key } of entries) expect(checkKey(key)).toBeNull();
    expect(fakeEntries(20, 7)).toEqual(entries.slice(0, 20));
  });
});
