// Opens a real cluster of local memcached processes in a throwaway data directory, and reads nodes directly.
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Cluster, type ClusterOptions } from '@/lib/cluster/cluster';
import type { Envelope } from '@/lib/envelope';
import { NodeClient, type VersionedItem } from '@/lib/memcached/node-client';
import { preferenceList } from '@/lib/ring';
import { parseAddress } from '@/lib/validate';

export interface Fixture {
  cluster: Cluster;
  dataDir: string;
  /** Reopens the cluster from its data directory, as a restarted Ringside would. */
  reopen(options?: Partial<ClusterOptions>): Promise<Cluster>;
  /** What each node really holds, read with a client of our own: node id -> sorted keys. */
  holdings(): Promise<Record<string, string[]>>;
  /** The user's bytes a node holds for a key, read directly (the envelope's header taken off; a tombstone reads as null). */
  rawGet(nodeId: string, key: string): Promise<Buffer | null>;
  /** The item a node holds for a key, read directly: kind, version, the user's bytes and the stored bytes whole. */
  rawItem(nodeId: string, key: string): Promise<VersionedItem | null>;
  /** Deletes a key from one node behind the cluster's back. */
  rawDelete(nodeId: string, key: string): Promise<boolean>;
  /** Stores an item on one node behind the cluster's back. */
  rawSet(nodeId: string, key: string, envelope: Envelope): Promise<void>;
  /** A key's remaining lifetime on one node, read directly: seconds, -1 for never, null when absent. */
  rawTtl(nodeId: string, key: string): Promise<number | null>;
  /** For every key: the nodes its preference list names, sorted, by node id. */
  expected(keys: Iterable<string>): Record<string, string[]>;
  teardown(): Promise<void>;
}

export async function openFixture(nodes = 3, options: Partial<ClusterOptions> = {}): Promise<Fixture> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'ringside-test-'));
  const open = (extra: Partial<ClusterOptions> = {}) => Cluster.open({ dataDir, probeIntervalMs: false, bootstrapLocalNodes: nodes, localMemoryMb: 16, ...options, ...extra });
  const fixture: Fixture = {
    cluster: await open(),
    dataDir,
    async reopen(extra) {
      await fixture.cluster.close();
      fixture.cluster = await open(extra);
      return fixture.cluster;
    },
    async holdings() {
      const result: Record<string, string[]> = {};
      await Promise.all(
        fixture.cluster.nodes().map(async (node) => {
          const client = directClient(node.address);
          try {
            result[node.id] = (await client.inventory()).map((item) => item.key).sort();
          } finally {
            client.close();
          }
        }),
      );
      return result;
    },
    rawGet: (nodeId, key) =>
      withNode(nodeId, async (client) => {
        const item = await client.getVersioned(key);
        return item && item.kind !== 'tombstone' ? item.bytes : null;
      }),
    rawItem: (nodeId, key) => withNode(nodeId, (client) => client.getVersioned(key)),
    rawDelete: (nodeId, key) => withNode(nodeId, (client) => client.delete(key)),
    rawSet: (nodeId, key, envelope) => withNode(nodeId, (client) => client.setVersioned(key, envelope)),
    rawTtl: (nodeId, key) => withNode(nodeId, (client) => client.ttl(key)),
    expected(keys) {
      const ring = fixture.cluster.currentRing;
      const result: Record<string, string[]> = Object.fromEntries(ring.nodes.map((n) => [n.id, [] as string[]]));
      for (const key of keys) for (const node of preferenceList(ring, key)) result[node].push(key);
      for (const list of Object.values(result)) list.sort();
      return result;
    },
    async teardown() {
      await fixture.cluster.stopLocalNodes();
      await fixture.cluster.close();
      await rm(dataDir, { recursive: true, force: true });
    },
  };
  async function withNode<T>(nodeId: string, task: (client: NodeClient) => Promise<T>): Promise<T> {
    const node = fixture.cluster.nodes().find((n) => n.id === nodeId);
    if (!node) throw new Error(`no node ${nodeId}`);
    const client = directClient(node.address);
    try {
      return await task(client);
    } finally {
      client.close();
    }
  }
  return fixture;
}

function directClient(address: string): NodeClient {
  const parsed = parseAddress(address);
  if (!parsed.ok) throw new Error(parsed.message);
  return new NodeClient(parsed.address, { deadlineMs: 2000 });
}
