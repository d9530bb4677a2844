// The async building blocks the cluster relies on for ordering: bounded map, mutex, per-key locks.
import { describe, expect, it } from 'vitest';
import { InFlight, KeyLocks, mapLimit, Mutex } from '@/lib/concurrency';
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

describe('KeyLocks taken without a promise', () => {
  it('takes a free key at once, queues sections behind a taken one, and frees the key after the last', async () => {
    const locks = new KeyLocks();
    const order: string[] = [];
    expect(locks.tryTake('k')).toBe(true);
    expect(locks.tryTake('k')).toBe(false);
    expect(locks.tryTake('other')).toBe(true);
    const queued = locks.run('k', async () => void order.push('queued'));
    const next = locks.run('k', async () => void order.push('next'));
    await tick();
    expect(order).toEqual([]);
    locks.release('k');
    await Promise.all([queued, next]);
    expect(order).toEqual(['queued', 'next']);
    expect(locks.tryTake('k')).toBe(true);
    locks.release('k');
    locks.release('other');
    // A section that throws before returning a promise releases the key too.
    await expect(
      locks.run('k', () => {
        throw new Error('sync');
      }),
    ).rejects.toThrow('sync');
    expect(locks.tryTake('k')).toBe(true);
  });
});

describe('InFlight', () => {
  it('waits for the operations begun before, not for those begun after', async () => {
    const inflight = new InFlight();
    await inflight.settled(); // nothing in flight
    const early = inflight.begin();
    const other = inflight.begin();
    let settled = false;
    const waiting = inflight.settled().then(() => (settled = true));
    const late = inflight.begin();
    inflight.end(early);
    await tick();
    expect(settled).toBe(false);
    inflight.end(other);
    await waiting;
    expect(settled).toBe(true);
    // The late one is still open: a second wait covers it, and the first wait's cohort is gone.
    let second = false;
    const again = inflight.settled().then(() => (second = true));
    await tick();
    expect(second).toBe(false);
    inflight.end(late);
    await again;
    expect(second).toBe(true);
  });

  it('a later wait also waits for what an earlier wait waits for', async () => {
    const inflight = new InFlight();
    const first = inflight.begin();
    const one = inflight.settled();
    const second = inflight.begin();
    let both = false;
    const two = inflight.settled().then(() => (both = true));
    inflight.end(second);
    await tick();
    expect(both).toBe(false);
    inflight.end(first);
    await Promise.all([one, two]);
    expect(both).toBe(true);
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
