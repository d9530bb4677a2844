import 'server-only';
// `ringside/client`: an application's connection to a Ringside cluster, straight to memcached on the servers' own data path.
import path from 'node:path';
import { z } from 'zod';
import { Cluster } from '../cluster/cluster';
import type { DeleteResult, GetResult, PutResult, Result } from '../cluster/types';
import { mapLimit } from '../concurrency';
import type { ConsistencyLevels, Level } from '../consistency';

/** Where the cluster's state lives: etcd (as RINGSIDE_ETCD and RINGSIDE_ETCD_PREFIX name it), or a data directory no other process drives. */
export type ConnectOptions = ({ etcd: string | readonly string[]; prefix?: string } | { dataDir: string }) & {
  /** Deadline of each call to a memcached node, in ms (1000 by default, as the servers). */
  deadlineMs?: number;
};

export type ConnectErrorCode = 'invalid_options' | 'invalid_config' | 'no_cluster' | 'in_use' | 'unavailable';

/** Why `connect` could not connect; nothing was created or left behind. */
export class ConnectError extends Error {
  constructor(
    readonly code: ConnectErrorCode,
    message: string,
  ) {
    super(message);
    this.name = 'ConnectError';
  }
}

/** The ring the client follows, as plain data. */
export interface ClientRing {
  version: number;
  checksum: string;
  nodes: { id: string; address: string; status: 'up' | 'down' | 'joining' | 'leaving' }[];
  /** A membership change runs: writes reach both rings' lists, reads try both. */
  changing: boolean;
}

export interface RingsideClient {
  /** `r`: how many replicas must answer (one, majority, all); the cluster's default level when absent. */
  get(key: string, options?: { r?: Level }): Promise<Result<GetResult>>;
  /** `w`: how many replicas must acknowledge; `ttl` in seconds (0: none). */
  set(key: string, value: string | Uint8Array, options?: { ttl?: number; w?: Level }): Promise<Result<PutResult>>;
  delete(key: string, options?: { w?: Level }): Promise<Result<DeleteResult>>;
  /** Each distinct key's result, read in parallel (32 at a time). */
  getMulti(keys: readonly string[], options?: { r?: Level }): Promise<Map<string, Result<GetResult>>>;
  ring(): ClientRing;
  /** The cluster's default levels, followed as they change. */
  consistency(): ConsistencyLevels;
  /** Called when the ring switches or a change begins or ends; returns the unsubscribe. */
  onRingChange(listener: (ring: ClientRing) => void): () => void;
  /** Waits for the writes in flight, leaves the cluster and closes every connection. */
  close(): Promise<void>;
}

const common = { deadlineMs: z.number().int().positive().max(60_000).optional() };
const etcdSchema = z.strictObject({ etcd: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]), prefix: z.string().min(1).optional(), ...common });
const dataDirSchema = z.strictObject({ dataDir: z.string().min(1), ...common });

const GET_MULTI_PARALLEL = 32;

/**
 * Connects to the cluster: reads its ring, joins it as a writer (other processes then write conditionally, and a
 * membership change waits for this one to follow it) and follows every change without a restart. Rejects with a
 * ConnectError for bad options, a store that holds no cluster, a data directory another process drives, or a store
 * that does not answer.
 */
export async function connect(options: ConnectOptions): Promise<RingsideClient> {
  const chosen = parseOptions(options);
  const connected =
    'etcd' in chosen
      ? await Cluster.connect({
          dataDir: '',
          deadlineMs: chosen.deadlineMs,
          env: { RINGSIDE_ETCD: [chosen.etcd].flat().join(','), ...(chosen.prefix ? { RINGSIDE_ETCD_PREFIX: chosen.prefix } : {}) },
        })
      : await Cluster.connect({ dataDir: path.resolve(chosen.dataDir), deadlineMs: chosen.deadlineMs, env: {} });
  if (!connected.ok) throw new ConnectError(connected.error, connected.message);
  return clientOf(connected.cluster);
}

function clientOf(cluster: Cluster): RingsideClient {
  let closed = false;
  const closedFailure = { ok: false as const, error: 'unavailable' as const, message: 'the Ringside client is closed' };
  const ring = (): ClientRing => ({
    version: cluster.version,
    checksum: cluster.currentRing.checksum,
    nodes: cluster.nodes().map(({ id, address, status }) => ({ id, address, status })),
    changing: cluster.busy,
  });
  const get = (key: string, options: { r?: Level } = {}) => (closed ? Promise.resolve(closedFailure) : cluster.get(key, options));
  return {
    get,
    set: (key, value, options = {}) => (closed ? Promise.resolve(closedFailure) : cluster.put(key, value, options)),
    delete: (key, options = {}) => (closed ? Promise.resolve(closedFailure) : cluster.delete(key, options)),
    async getMulti(keys, options = {}) {
      const distinct = [...new Set(keys)];
      const results = await mapLimit(distinct, GET_MULTI_PARALLEL, (key) => get(key, options));
      return new Map(distinct.map((key, i) => [key, results[i]]));
    },
    ring,
    consistency: () => cluster.consistency(),
    onRingChange(listener) {
      // The cluster reports every write too: only a new ring, or a change beginning or ending, is passed on.
      let seen = `${cluster.version}|${cluster.busy}`;
      return cluster.onChange(() => {
        const now = `${cluster.version}|${cluster.busy}`;
        if (now === seen) return;
        seen = now;
        listener(ring());
      });
    },
    async close() {
      if (closed) return;
      closed = true;
      await cluster.close();
    },
  };
}

/** Exactly one way to reach the cluster's state, and nothing unknown beside it. */
function parseOptions(options: unknown): z.infer<typeof etcdSchema> | z.infer<typeof dataDirSchema> {
  const bad = (message: string) => new ConnectError('invalid_options', message);
  const given = options && typeof options === 'object' && !Array.isArray(options) ? Object.keys(options) : null;
  if (given?.includes('url')) throw bad('connect({ url }) is not available yet: connect with { etcd } or { dataDir }');
  const kinds = (given ?? []).filter((name) => name === 'etcd' || name === 'dataDir');
  if (!given || kinds.length !== 1) {
    throw bad(
      `connect takes one of { etcd: "http://host:2379" | [...], prefix? } or { dataDir: "path" } (got ${given === null ? JSON.stringify(options ?? null) : given.length ? given.join(', ') : 'no options'})`,
    );
  }
  const parsed = (kinds[0] === 'etcd' ? etcdSchema : dataDirSchema).safeParse(options);
  if (parsed.success) return parsed.data;
  throw bad(`bad connect options: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ')}`);
}

export type { ConsistencyLevels, DeleteResult, GetResult, Level, PutResult, Result };
