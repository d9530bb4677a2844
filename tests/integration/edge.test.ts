// The memcached edge against real memcached and misbehaving fake servers: every call settles within its deadline.
import { describe, expect, it } from 'vitest';
import { NodeClient, NodeError } from '@/lib/memcached/node-client';
import { isAlive, startLocalNode, stopLocalNode } from '@/lib/memcached/local-nodes';
import { freeze, thaw } from '@/lib/drill/faults';
import { BEHAVIOURS, measureSettling } from '@/lib/drill/misbehaving';
import { oneNode } from '../support/one-node';

const DEADLINE = 400;
const one = oneNode(DEADLINE);

/** Milliseconds a promise takes to settle, and the error it rejected with. */
async function settle(promise: Promise<unknown>): Promise<{ ms: number; error: unknown }> {
  const started = Date.now();
  try {
    await promise;
    return { ms: Date.now() - started, error: null };
  } catch (error) {
    return { ms: Date.now() - started, error };
  }
}

describe('on a healthy memcached', () => {
  it('round-trips binary values and flags, and reports misses', async () => {
    const bytes = Buffer.from([0, 1, 2, 255, 13, 10, 32]);
    await one.client.set('bin', bytes, 0, 0xdeadbeef);
    expect(await one.client.get('bin')).toEqual({ value: bytes, flags: 0xdeadbeef });
    expect(await one.client.get('absent')).toBeNull();
    expect(await one.client.add('bin', Buffer.from('x'))).toBe(false);
    expect(await one.client.add('fresh', Buffer.from('x'))).toBe(true);
    expect(await one.client.delete('fresh')).toBe(true);
    expect(await one.client.delete('fresh')).toBe(false);
  });

  it('lists keys with special characters and absolute expiries', async () => {
    await one.client.flush();
    const now = Date.now() / 1000;
    await one.client.set('plain', Buffer.from('1'));
    await one.client.set('ü%:{tag}/x', Buffer.from('2'), 300);
    const items = await one.client.inventory();
    const byKey = Object.fromEntries(items.map((item) => [item.key, item]));
    expect(Object.keys(byKey).sort()).toEqual(['plain', 'ü%:{tag}/x']);
    expect(byKey.plain.exp).toBe(-1);
    expect(byKey['ü%:{tag}/x'].exp).toBeGreaterThan(now + 295);
    expect(byKey['ü%:{tag}/x'].exp).toBeLessThan(now + 305);
    expect(await one.client.ttl('ü%:{tag}/x')).toBeGreaterThan(295);
    expect(await one.client.ttl('plain')).toBe(-1);
    expect(await one.client.ttl('absent')).toBeNull();
  });

  it('reports stats', async () => {
    const stats = await one.client.stats();
    expect(Number(stats.pid)).toBe(one.node.pid);
    expect(Number(stats.uptime)).toBeGreaterThanOrEqual(0);
    expect(stats).toHaveProperty('curr_items');
  });

  it('refuses a value over the item size as too_large and keeps working', async () => {
    const { error } = await settle(one.client.set('huge', Buffer.alloc(2 * 1024 * 1024)));
    expect(error).toBeInstanceOf(NodeError);
    expect((error as NodeError).code).toBe('too_large');
    await one.client.set('after', Buffer.from('ok'));
    expect((await one.client.get('after'))?.value.toString()).toBe('ok');
  });

  it('carries 500 concurrent calls on one client', async () => {
    await Promise.all(Array.from({ length: 500 }, (_, i) => one.client.set(`many:${i}`, Buffer.from(String(i)))));
    const values = await Promise.all(Array.from({ length: 500 }, (_, i) => one.client.get(`many:${i}`)));
    expect(values.map((v) => v?.value.toString())).toEqual(Array.from({ length: 500 }, (_, i) => String(i)));
  });

  it('never sends MEMCACHE_* credentials from the environment', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, { MEMCACHE_USERNAME: 'leak', MEMCACHE_PASSWORD: 'leak', MEMCACHIER_USERNAME: 'leak', MEMCACHIER_PASSWORD: 'leak', MEMCACHE_SERVERS: '127.0.0.2:1' });
    try {
      // memcached without SASL would refuse an authentication attempt, so a working call proves none was made.
      const fresh = new NodeClient(one.node, { deadlineMs: DEADLINE });
      await fresh.set('env', Buffer.from('safe'));
      expect((await fresh.get('env'))?.value.toString()).toBe('safe');
      fresh.close();
    } finally {
      for (const name of ['MEMCACHE_USERNAME', 'MEMCACHE_PASSWORD', 'MEMCACHIER_USERNAME', 'MEMCACHIER_PASSWORD', 'MEMCACHE_SERVERS']) {
        if (saved[name] === undefined) delete process.env[name];
        else process.env[name] = saved[name];
      }
    }
  });
});

describe('under faults', () => {
  it('times out on a frozen (SIGSTOP) node within the deadline, then works after SIGCONT', async () => {
    const frozen = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(frozen, { deadlineMs: DEADLINE });
    try {
      await c.set('k', Buffer.from('v'));
      await freeze(frozen.pid);
      const { ms, error } = await settle(c.get('k'));
      expect((error as NodeError).code).toBe('timeout');
      expect(ms).toBeLessThan(DEADLINE + 500);
      const inventory = await settle(new NodeClient(frozen, { deadlineMs: DEADLINE, inventoryDeadlineMs: DEADLINE }).inventory());
      expect((inventory.error as NodeError).code).toBe('timeout');
      process.kill(frozen.pid, 'SIGCONT');
      expect((await c.get('k'))?.value.toString()).toBe('v');
    } finally {
      process.kill(frozen.pid, 'SIGCONT');
      c.close();
      await stopLocalNode(frozen.pid, 'SIGKILL');
    }
  });

  it('never applies a write that timed out on a frozen node after a later acknowledged one', async () => {
    const frozen = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(frozen, { deadlineMs: 150 });
    try {
      for (let round = 0; round < 12; round++) {
        await freeze(frozen.pid);
        expect(((await settle(c.set('k', Buffer.from(`older ${round}`)))).error as NodeError).code).toBe('timeout');
        // Were it sent, it would go on a connection opened while the server is frozen.
        expect(['timeout', 'draining']).toContain(((await settle(c.set('k', Buffer.from(`old ${round}`)))).error as NodeError).code);
        // Asked for before the thaw, so every connection reaches the server as it wakes, and a thawed memcached
        // serves them in no set order: the new write must wait until the server is done with the old ones.
        const next = c.set('k', Buffer.from(`new ${round}`));
        await new Promise((resolve) => setTimeout(resolve, 20));
        thaw(frozen.pid);
        await next;
        await new Promise((resolve) => setTimeout(resolve, 30));
        expect((await c.get('k'))?.value.toString()).toBe(`new ${round}`);
      }
    } finally {
      thaw(frozen.pid);
      c.close();
      await stopLocalNode(frozen.pid, 'SIGKILL');
    }
  });

  it('refuses a write, within its deadline, while an older one may still be applied', async () => {
    const frozen = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(frozen, { deadlineMs: DEADLINE });
    try {
      await freeze(frozen.pid);
      expect(((await settle(c.set('k', Buffer.from('old')))).error as NodeError).code).toBe('timeout');
      const refused = await settle(c.set('k', Buffer.from('new')));
      expect((refused.error as NodeError).code).toBe('draining');
      expect(refused.ms).toBeLessThan(DEADLINE + 200);
      expect(((await settle(c.get('k'))).error as NodeError).code).toBe('timeout'); // reads are not held back
      thaw(frozen.pid);
      await c.set('k', Buffer.from('new'));
      expect((await c.get('k'))?.value.toString()).toBe('new');
    } finally {
      thaw(frozen.pid);
      c.close();
      await stopLocalNode(frozen.pid, 'SIGKILL');
    }
  });

  it('fails fast on a killed node and works again when it restarts on the same port', async () => {
    const victim = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(victim, { deadlineMs: DEADLINE });
    try {
      await c.set('k', Buffer.from('v'));
      await stopLocalNode(victim.pid, 'SIGKILL');
      expect(isAlive(victim.pid)).toBe(false);
      const { ms, error } = await settle(c.get('k'));
      expect(['unreachable', 'closed']).toContain((error as NodeError).code);
      expect(ms).toBeLessThan(DEADLINE + 100);
      const again = await startLocalNode({ port: victim.port, memoryMb: 8 });
      victim.pid = again.pid;
      expect(await c.get('k')).toBeNull(); // restarted empty, same client object
      await c.set('k', Buffer.from('v2'));
      expect((await c.get('k'))?.value.toString()).toBe('v2');
    } finally {
      c.close();
      await stopLocalNode(victim.pid, 'SIGKILL');
    }
  });

  it('refuses to start a local node on a port another memcached already serves', async () => {
    await expect(startLocalNode({ port: one.node.port, memoryMb: 8 })).rejects.toThrow(/did not start/);
    expect(Number((await one.client.stats()).pid)).toBe(one.node.pid);
  });

  it('stops a frozen node with SIGTERM promptly', async () => {
    const frozen = await startLocalNode({ memoryMb: 8 });
    await freeze(frozen.pid);
    const started = Date.now();
    await stopLocalNode(frozen.pid, 'SIGTERM');
    expect(isAlive(frozen.pid)).toBe(false);
    expect(Date.now() - started).toBeLessThan(2000);
  });

  it('settles every call within its deadline, with an error, whatever the server does', async () => {
    const figures = await measureSettling(DEADLINE);
    expect(figures.map((f) => f.fault)).toEqual([...Object.keys(BEHAVIOURS), 'memcached killed (connection refused)', 'memcached frozen (SIGSTOP)', 'memcached at its connection limit']);
    for (const figure of figures) {
      expect(figure.maxMs, figure.fault).toBeLessThan(DEADLINE + 300);
      expect(figure.errors, figure.fault).not.toContain('none');
    }
  });
});
