import 'server-only';
// Servers that misbehave the ways memcached and networks do, and how long each call of the node client takes to settle against them.
import net from 'node:net';
import { encodeValue } from '../envelope';
import { NodeClient, NodeError } from '../memcached/node-client';
import { startLocalNode, stopLocalNode } from '../memcached/local-nodes';
import { freeze, thaw } from './faults';

/** What a fake server does with each connection it accepts. */
export const BEHAVIOURS: Record<string, (socket: net.Socket) => void> = {
  'accepts and never answers': () => undefined,
  'answers an ASCII error line': (socket) => socket.on('data', () => socket.write('ERROR\r\n')),
  'closes at once': (socket) => socket.destroy(),
  'resets the connection': (socket) => socket.resetAndDestroy(),
  'closes in the middle of a reply': (socket) =>
    socket.on('data', () => {
      // A binary response header that promises a 100-byte body, then half of it, then the end.
      const header = Buffer.alloc(24);
      header.writeUInt8(0x81, 0);
      header.writeUInt32BE(100, 8);
      socket.end(Buffer.concat([header, Buffer.alloc(50)]));
    }),
  'answers garbage': (socket) => socket.on('data', () => socket.write(Buffer.alloc(64, 0x41))),
  'answers as if asked another command': (socket) =>
    socket.on('data', (chunk) => {
      // A well-formed reply header with the request's own opaque, for a no-op it was never asked.
      const header = Buffer.alloc(24);
      header[0] = 0x81;
      header[1] = 0x0a;
      if (chunk.length >= 16) chunk.copy(header, 12, 12, 16);
      socket.write(header);
    }),
  'trickles a byte at a time': (socket) => {
    const timer = setInterval(() => socket.writable && socket.write(Buffer.from([0x81])), 50);
    socket.on('close', () => clearInterval(timer));
  },
};

export interface SettleFigure {
  fault: string;
  /** Slowest settling of get, set, the versioned get, set and conditional write, stats and a key listing, ms. */
  maxMs: number;
  /** Error codes the calls settled with. */
  errors: string[];
}

type Call = (client: NodeClient) => Promise<unknown>;
const ENVELOPE = encodeValue({ wall: 1, counter: 0, writerHash: 0 }, Buffer.from('v'));
const CALLS: Call[] = [
  (c) => c.get('k'),
  (c) => c.set('k', Buffer.from('v')),
  (c) => c.getVersioned('k'),
  (c) => c.setVersioned('k', ENVELOPE),
  (c) => c.putIfNewer('k', ENVELOPE),
  (c) => c.stats(),
  (c) => c.listing(),
];

async function settle(call: Promise<unknown>): Promise<{ ms: number; error: string }> {
  const started = performance.now();
  try {
    await call;
    return { ms: performance.now() - started, error: 'none' };
  } catch (error) {
    return { ms: performance.now() - started, error: error instanceof NodeError ? error.code : String(error) };
  }
}

async function measure(fault: string, address: { host: string; port: number }, deadlineMs: number): Promise<SettleFigure> {
  const client = new NodeClient(address, { deadlineMs, inventoryDeadlineMs: deadlineMs });
  const results: { ms: number; error: string }[] = [];
  try {
    for (const call of CALLS) results.push(await settle(call(client)));
  } finally {
    client.close();
  }
  return { fault, maxMs: Math.round(Math.max(...results.map((r) => r.ms))), errors: [...new Set(results.map((r) => r.error))] };
}

async function fakeServer(behaviour: (socket: net.Socket) => void): Promise<net.Server> {
  const server = net.createServer((socket) => {
    socket.on('error', () => undefined); // the client hanging up on a misbehaving server is the point
    behaviour(socket);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return server;
}

/** Every fault in turn: the fake servers, then real memcached refused (killed), frozen, and at its connection limit. */
export async function measureSettling(deadlineMs = 1000): Promise<SettleFigure[]> {
  const figures: SettleFigure[] = [];
  for (const [fault, behaviour] of Object.entries(BEHAVIOURS)) {
    const server = await fakeServer(behaviour);
    try {
      figures.push(await measure(fault, { host: '127.0.0.1', port: (server.address() as net.AddressInfo).port }, deadlineMs));
    } finally {
      server.close();
    }
  }

  const killed = await startLocalNode({ memoryMb: 8 });
  await stopLocalNode(killed.pid, 'SIGKILL');
  figures.push(await measure('memcached killed (connection refused)', killed, deadlineMs));

  const frozen = await startLocalNode({ memoryMb: 8 });
  try {
    await freeze(frozen.pid);
    figures.push(await measure('memcached frozen (SIGSTOP)', frozen, deadlineMs));
  } finally {
    thaw(frozen.pid);
    await stopLocalNode(frozen.pid, 'SIGKILL');
  }

  figures.push(await atConnectionLimit(deadlineMs));
  return figures;
}

/** memcached with room for a few connections, all taken by idle sockets: it accepts a new one and closes it. */
async function atConnectionLimit(deadlineMs: number): Promise<SettleFigure> {
  const full = await startLocalNode({ memoryMb: 8, maxConnections: 32 });
  const hogs: net.Socket[] = [];
  try {
    for (let i = 0; i < 64; i++) {
      const socket = net.connect(full.port, full.host);
      socket.on('error', () => undefined);
      hogs.push(socket);
      await new Promise((resolve) => socket.once('connect', resolve));
    }
    return await measure('memcached at its connection limit', full, deadlineMs);
  } finally {
    for (const socket of hogs) socket.destroy();
    await stopLocalNode(full.pid, 'SIGKILL');
  }
}
