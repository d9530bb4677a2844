// The node client's quiet batches (versioned set and get) against real memcached: answers, refusals, a frozen node, a node killed mid-batch, a lying server.
import net from 'node:net';
import { describe, expect, it } from 'vitest';
import { encodeValue } from '@/lib/envelope';
import { crash, freeze, thaw } from '@/lib/drill/faults';
import { mapLimit } from '@/lib/concurrency';
import { NodeClient, NodeError } from '@/lib/memcached/node-client';
import { startLocalNode, stopLocalNode } from '@/lib/memcached/local-nodes';
import { oneNode } from '../support/one-node';

const DEADLINE = 400;
const one = oneNode(DEADLINE);

const envelope = (text: string, wall = Date.now()) => encodeValue({ wall, counter: 0, writerHash: 7 }, Buffer.from(text));

/** Settles a call: its time in ms, the error code it failed with ('none' when it did not), and whether that was collateral. */
async function settle(call: Promise<unknown>): Promise<{ ms: number; code: string; collateral: boolean }> {
  const started = performance.now();
  try {
    await call;
    return { ms: performance.now() - started, code: 'none', collateral: false };
  } catch (error) {
    const failure = error instanceof NodeError ? error : null;
    return { ms: performance.now() - started, code: failure?.code ?? String(error), collateral: failure?.collateral ?? false };
  }
}

describe('quiet batches on a healthy memcached', () => {
  it('stores and reads back hundreds of keys issued at once, misses included, with the CAS memjs reads', async () => {
    const keys = Array.from({ length: 500 }, (_, i) => `quiet:${i}`);
    await Promise.all(keys.map((key, i) => one.client.setVersioned(key, envelope(`value ${i}`, 1000 + i))));
    const read = await Promise.all([...keys, 'quiet:absent'].map((key) => one.client.getVersioned(key)));
    expect(read.pop()).toBeNull();
    expect(read.map((item) => item?.bytes.toString())).toEqual(keys.map((_, i) => `value ${i}`));
    expect(read.map((item) => item?.version?.wall)).toEqual(keys.map((_, i) => 1000 + i));
    // The same items through memjs (a read with a deadline of its own): same flags, bytes and CAS.
    const viaMemjs = await one.client.getVersioned(keys[3], Date.now() + DEADLINE);
    expect(viaMemjs).toEqual(read[3]);
    expect(read[3]!.cas).toBeGreaterThan(BigInt(0));
  });

  it('refuses one value over the item size as too_large and settles the rest of its batch', async () => {
    const calls = [
      one.client.setVersioned('quiet:before', envelope('a')),
      one.client.setVersioned('quiet:huge', encodeValue({ wall: 1, counter: 0, writerHash: 7 }, Buffer.alloc(2 * 1024 * 1024))),
      one.client.setVersioned('quiet:after', envelope('b')),
      one.client.getVersioned('quiet:before'),
    ];
    const settled = await Promise.all(calls.map(settle));
    expect(settled.map((s) => s.code)).toEqual(['none', 'too_large', 'none', 'none']);
    expect((await one.client.getVersioned('quiet:after'))?.bytes.toString()).toBe('b');
  });
});

describe('quiet batches under faults', () => {
  it('fails a frozen node’s calls at their deadline, refuses writes while the old ones may land, and keeps the newest write after the thaw', async () => {
    const frozen = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(frozen, { deadlineMs: DEADLINE });
    try {
      await c.setVersioned('k', envelope('first', 1));
      await freeze(frozen.pid);
      const stuck = await Promise.all([c.setVersioned('k', envelope('older', 2)), c.getVersioned('k'), c.getVersioned('other')].map(settle));
      expect(stuck.map((s) => s.code)).toEqual(['timeout', 'timeout', 'timeout']);
      // One batch missed its deadline: the node is charged one failure, as for one call, not one per call in it.
      expect(stuck.filter((s) => !s.collateral)).toHaveLength(1);
      for (const s of stuck) expect(s.ms).toBeLessThan(DEADLINE + 300);
      // The timed-out write may still be applied: a newer one waits, and is refused at its deadline.
      const refused = await settle(c.setVersioned('k', envelope('new', 3)));
      expect(refused.code).toBe('draining');
      expect(refused.ms).toBeLessThan(DEADLINE + 300);
      const next = c.setVersioned('k', envelope('newest', 4));
      await new Promise((resolve) => setTimeout(resolve, 20));
      thaw(frozen.pid);
      await next;
      await new Promise((resolve) => setTimeout(resolve, 30));
      expect((await c.getVersioned('k'))?.bytes.toString()).toBe('newest');
    } finally {
      thaw(frozen.pid);
      c.close();
      await stopLocalNode(frozen.pid, 'SIGKILL');
    }
  });

  it('fails every call at once when the node is killed mid-batch, and works again when it restarts', async () => {
    const victim = await startLocalNode({ memoryMb: 8 });
    const c = new NodeClient(victim, { deadlineMs: 5000 });
    try {
      const keys = Array.from({ length: 20_000 }, (_, i) => `k${i}`);
      let killedAt = Infinity;
      const ends: { at: number; code: string }[] = [];
      const killer = new Promise<void>((resolve) =>
        setTimeout(() => {
          killedAt = performance.now();
          void crash(victim.pid).then(resolve);
        }, 50),
      );
      await mapLimit(keys, 64, async (key) => {
        const i = Number(key.slice(1));
        const { code } = await settle(i % 2 ? c.setVersioned(key, envelope('v')) : c.getVersioned(key));
        ends.push({ at: performance.now(), code });
      });
      await killer;
      const failed = ends.filter((e) => e.code !== 'none');
      // Calls were answered before the kill; those in flight failed with the connection, the later ones were refused,
      // all long before the 5 s deadline.
      expect(ends.length - failed.length).toBeGreaterThan(0);
      expect(failed.filter((e) => e.code === 'closed').length).toBeGreaterThan(0);
      expect(failed.filter((e) => e.code !== 'closed' && e.code !== 'unreachable')).toEqual([]);
      expect(Math.max(...failed.map((e) => e.at)) - killedAt).toBeLessThan(2000);
      const again = await startLocalNode({ port: victim.port, memoryMb: 8 });
      victim.pid = again.pid;
      await c.setVersioned('back', envelope('yes'));
      expect((await c.getVersioned('back'))?.bytes.toString()).toBe('yes');
    } finally {
      c.close();
      await stopLocalNode(victim.pid, 'SIGKILL');
    }
  });

  it('drops the connection on a reply that answers no request, without waiting for the deadline', async () => {
    // A server that answers each write with a reply for an opaque never sent.
    const server = net.createServer((socket) =>
      socket.on('data', () => {
        const header = Buffer.alloc(24);
        header[0] = 0x81;
        header[1] = 0x09;
        header.writeUInt32BE(0xfffffff0, 12);
        socket.write(header);
      }),
    );
    await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
    const c = new NodeClient({ host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, { deadlineMs: DEADLINE });
    try {
      const settled = await Promise.all([c.getVersioned('a'), c.setVersioned('b', envelope('v'))].map(settle));
      expect(settled.map((s) => s.code)).toEqual(['protocol', 'closed']);
      expect(settled.map((s) => s.collateral)).toEqual([false, true]);
      for (const s of settled) expect(s.ms).toBeLessThan(DEADLINE / 2);
    } finally {
      c.close();
      server.close();
    }
  });
});
