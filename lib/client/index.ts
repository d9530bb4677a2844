import 'server-only';
// `ringside/client`: an application's connection to a Ringside cluster, straight to memcached on the servers' own data path.
import path from 'node:path';
import { z } from 'zod';
import { Cluster, type ConnectResult } from '../cluster/cluster';
import type { DeleteResult, GetResult, PutResult, Result } from '../cluster/types';
import { mapLimit } from '../concurrency';
import type { ConsistencyLevels, Level } from '../consistency';
import { clientWriter, DashboardStore } from '../store/dashboard-store';
import { reachDashboard } from './reach-dashboard';

/**
 * etcd as the servers reach it (RINGSIDE_ETCD, RINGSIDE_ETCD_PREFIX and the credentials and TLS variables): `ca`,
 * `cert` and `key` are paths to PEM files, for https:// members; `cert` and `key` go together.
 */
export interface EtcdOptions {
  etcd: string | readonly string[];
  prefix?: string;
  username?: string;
  password?: string;
  ca?: string;
  cert?: string;
  key?: string;
}

/**
 * Where the cluster's state lives: etcd, a data directory no other process drives, or a running dashboard's
 * address (`token`: its RINGSIDE_TOKEN, by default this process's).
 */
export type ConnectOptions = (EtcdOptions | { dataDir: string } | { url: string; token?: string }) & {
  /** Deadline of each call to a memcached node, in ms (1000 by default, as the servers). */
  deadlineMs?: number;
};

/** `unauthorized`: the dashboard wants its token; `not_a_dashboard`: something else answered at the url. */
export type ConnectErrorCode = 'invalid_options' | 'invalid_config' | 'no_cluster' | 'in_use' | 'unavailable' | 'unauthorized' | 'not_a_dashboard';

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
const text = z.string().min(1).optional();
const etcdSchema = z.strictObject({
  etcd: z.union([z.string().min(1), z.array(z.string().min(1)).min(1)]),
  prefix: text,
  username: text,
  password: text,
  ca: text,
  cert: text,
  key: text,
  ...common,
});
const dataDirSchema = z.strictObject({ dataDir: z.string().min(1), ...common });
const urlSchema = z.strictObject({ url: z.string().min(1), token: z.string().min(1).optional(), ...common });
type Chosen = z.infer<typeof etcdSchema> | z.infer<typeof dataDirSchema> | z.infer<typeof urlSchema>;

const GET_MULTI_PARALLEL = 32;

/**
 * Connects to the cluster: reads its ring, joins it as a writer (other processes then write conditionally, and a
 * membership change waits for this one to follow it) and follows every change without a restart. Rejects with a
 * ConnectError for bad options, a store that holds no cluster, a data directory another process drives, or a store
 * that does not answer.
 */
export async function connect(options: ConnectOptions): Promise<RingsideClient> {
  const chosen = parseOptions(options);
  const connected = 'url' in chosen ? await connectByUrl(chosen) : await connectTo(chosen);
  if (!connected.ok) throw new ConnectError(connected.error, connected.message);
  return clientOf(connected.cluster);
}

/** Each client joins under a writer id of its own: two in one process are two writers. */
function connectTo(chosen: Exclude<Chosen, { url: string }>): Promise<ConnectResult> {
  return 'etcd' in chosen
    ? Cluster.connect({ dataDir: '', deadlineMs: chosen.deadlineMs, writer: clientWriter(), env: etcdEnv(chosen) })
    : Cluster.connect({ dataDir: path.resolve(chosen.dataDir), deadlineMs: chosen.deadlineMs, env: {} });
}

/** The options as the variables the servers read (lib/store/config.ts checks them the same way for both). */
function etcdEnv(chosen: z.infer<typeof etcdSchema>): Record<string, string> {
  const named: Record<string, string | undefined> = {
    RINGSIDE_ETCD: [chosen.etcd].flat().join(','),
    RINGSIDE_ETCD_PREFIX: chosen.prefix,
    RINGSIDE_ETCD_USERNAME: chosen.username,
    RINGSIDE_ETCD_PASSWORD: chosen.password,
    RINGSIDE_ETCD_CA: chosen.ca,
    RINGSIDE_ETCD_CERT: chosen.cert,
    RINGSIDE_ETCD_KEY: chosen.key,
  };
  return Object.fromEntries(Object.entries(named).filter((entry): entry is [string, string] => entry[1] !== undefined));
}

/** Through a dashboard's API (its file store shared, lib/store/relay), or to the etcd it names when its state is there. */
async function connectByUrl(chosen: z.infer<typeof urlSchema>): Promise<ConnectResult | { ok: false; error: ConnectErrorCode; message: string }> {
  const reached = await reachDashboard(chosen.url, chosen.token ?? (process.env.RINGSIDE_TOKEN || undefined));
  if (!reached.ok) return reached;
  if ('etcd' in reached) return connectTo({ etcd: reached.etcd.endpoints, prefix: reached.etcd.prefix, deadlineMs: chosen.deadlineMs });
  const absent = { ok: false as const, error: 'no_cluster' as const, message: `the dashboard at ${chosen.url} holds no cluster yet: add a node there first` };
  return Cluster.attach(new DashboardStore(reached.target), { dataDir: '', deadlineMs: chosen.deadlineMs }, absent);
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
function parseOptions(options: unknown): Chosen {
  const bad = (message: string) => new ConnectError('invalid_options', message);
  const given = options && typeof options === 'object' && !Array.isArray(options) ? Object.keys(options) : null;
  const kinds = (given ?? []).filter((name) => name === 'etcd' || name === 'dataDir' || name === 'url');
  if (!given || kinds.length !== 1) {
    throw bad(
      `connect takes one of { etcd: "http://host:2379" | [...], prefix?, username?, password?, ca?, cert?, key? }, { dataDir: "path" } or { url: "http://dashboard:3000", token? } (got ${given === null ? JSON.stringify(options ?? null) : given.length ? given.join(', ') : 'no options'})`,
    );
  }
  const parsed = ({ etcd: etcdSchema, dataDir: dataDirSchema, url: urlSchema } as const)[kinds[0] as 'etcd' | 'dataDir' | 'url'].safeParse(options);
  if (parsed.success) return parsed.data;
  throw bad(`bad connect options: ${parsed.error.issues.map((issue) => `${issue.path.join('.') || 'options'}: ${issue.message}`).join('; ')}`);
}

export type { ConsistencyLevels, DeleteResult, GetResult, Level, PutResult, Result };
