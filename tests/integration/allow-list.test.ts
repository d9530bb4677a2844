// Adding nodes by address: the allow-list after name resolution, errors that do not map ports, and no credentials sent to a node.
import net from 'node:net';
import { afterAll, afterEach, describe, expect, it } from 'vitest';
import { startLocalNode, stopLocalNode, type LocalProcess } from '@/lib/memcached/local-nodes';
import { openFixture, type Fixture } from '../support/cluster-fixture';

let fixture: Fixture | undefined;
const servers: net.Server[] = [];
const processes: LocalProcess[] = [];
afterEach(async () => {
  await fixture?.teardown();
  fixture = undefined;
});
afterAll(async () => {
  for (const server of servers) server.close();
  for (const p of processes) await stopLocalNode(p.pid, 'SIGKILL');
});

/** A loopback server that keeps every byte it is sent; `answer` decides what it does with a connection. */
async function listening(answer: (socket: net.Socket) => void): Promise<{ port: number; received: () => Buffer }> {
  const chunks: Buffer[] = [];
  const server = net.createServer((socket) => {
    socket.on('data', (chunk) => chunks.push(chunk));
    socket.on('error', () => undefined);
    answer(socket);
  });
  servers.push(server);
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { port: (server.address() as net.AddressInfo).port, received: () => Buffer.concat(chunks) };
}

async function closedPort(): Promise<number> {
  const { port } = await listening(() => undefined);
  await new Promise<void>((resolve) => servers.pop()!.close(() => resolve()));
  return port;
}

describe('adding a node by address', () => {
  it('resolves a name and stores the loopback address it resolved to, not the name', async () => {
    fixture = await openFixture(1);
    const memcached = await startLocalNode({ memoryMb: 8 });
    processes.push(memcached);
    const added = await fixture.cluster.addNode({ id: 'by-name', address: `localhost:${memcached.port}` });
    expect(added.ok).toBe(true);
    expect(fixture.cluster.nodes().find((n) => n.id === 'by-name')!.address).toBe(`127.0.0.1:${memcached.port}`);
  });

  it('refuses a name that does not resolve and addresses outside the list, changing nothing', async () => {
    fixture = await openFixture(1);
    const checksum = fixture.cluster.currentRing.checksum;
    for (const address of ['no-such-host.invalid:11211', '192.0.2.10:11211', '[2001:db8::1]:11211', '10.0.0.1:11211']) {
      const result = await fixture.cluster.addNode({ address });
      expect(!result.ok && result.error, address).toBe('address_not_allowed');
    }
    expect(fixture.cluster.nodes()).toHaveLength(1);
    expect(fixture.cluster.currentRing.checksum).toBe(checksum);
  });

  it('says the same of a closed port, a silent one and one that is not memcached, so the answer maps no ports', async () => {
    fixture = await openFixture(1, { deadlineMs: 300 });
    const closed = await closedPort();
    const silent = await listening(() => undefined);
    const http = await listening((socket) => socket.once('data', () => socket.end('HTTP/1.1 400 Bad Request\r\n\r\n')));
    const messages: string[] = [];
    for (const port of [closed, silent.port, http.port]) {
      const started = Date.now();
      const result = await fixture.cluster.addNode({ address: `127.0.0.1:${port}` });
      // Not sooner for a refused port than for a silent one: the time to answer maps nothing either.
      expect(Date.now() - started).toBeGreaterThanOrEqual(295);
      expect(!result.ok && result.error).toBe('node_unreachable');
      messages.push(result.ok ? '' : result.message.replace(String(port), 'PORT'));
    }
    expect(new Set(messages).size).toBe(1);
    expect(messages[0]).toBe('no memcached answered at 127.0.0.1:PORT');
    expect(fixture.cluster.nodes()).toHaveLength(1);
  });

  it('never sends MEMCACHE_* or MEMCACHIER_* credentials to a node it adds', async () => {
    const saved = { ...process.env };
    Object.assign(process.env, {
      MEMCACHE_USERNAME: 'leaky-user',
      MEMCACHE_PASSWORD: 'leaky-secret',
      MEMCACHIER_USERNAME: 'leaky-user2',
      MEMCACHIER_PASSWORD: 'leaky-secret2',
      MEMCACHE_SERVERS: '127.0.0.1:1',
    });
    try {
      fixture = await openFixture(1, { deadlineMs: 300 });
      const spy = await listening(() => undefined);
      await fixture.cluster.addNode({ address: `127.0.0.1:${spy.port}` });
      const bytes = spy.received();
      expect(bytes.length).toBeGreaterThan(0); // it was asked something: its stats
      expect(bytes.includes('leaky')).toBe(false);
      expect(bytes[1]).not.toBe(0x21); // no SASL authentication request
    } finally {
      process.env = saved;
    }
  });
});
