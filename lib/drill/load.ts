// A steady mix of puts, gets and deletes over a key space, at most one operation per key in flight, recorded as a history.
import type { Level } from '../consistency';
import { seededRandom } from '../random';
import type { Op, WriteOutcome } from './history';

/** The part of the cluster the load drives; `Cluster` and the REST client both fit. */
type Failed = { ok: false; error: string; message: string };
/** What each replica did, when the store says (the cluster does). */
type Replicas = { replicas?: readonly { node: string; ok: boolean; error?: string }[] };

export interface KeyStore {
  put(key: string, value: string, options?: { ttl?: number; w?: Level }): Promise<({ ok: true } & Replicas) | Failed>;
  get(key: string, options?: { r?: Level }): Promise<{ ok: true; value: Uint8Array; servedBy?: string; tried?: Replicas['replicas'] } | Failed>;
  delete(key: string, options?: { w?: Level }): Promise<({ ok: true } & Replicas) | Failed>;
}

const describe = (replicas: Replicas['replicas']) => replicas?.map((r) => `${r.node} ${r.ok ? 'ok' : r.error}`).join(', ');
/** A failure's message names each replica's outcome after its colon (`no replica acknowledged ...: node-1 timeout, ...`). */
const replicasOf = (result: ({ ok: true } & Replicas) | Failed) => (result.ok ? describe(result.replicas) : /: (.*)$/.exec(result.message)?.[1]);

export interface LoadOptions {
  keys?: number;
  /** Operations in flight. */
  concurrency?: number;
  /** Shares of puts and deletes; the rest are gets. */
  putShare?: number;
  deleteShare?: number;
  /** Every tenth put carries this TTL (seconds), so moves and repairs carry expiring keys too. */
  ttl?: number;
  prefix?: string;
  seed?: number;
  /** Levels the writes (puts and deletes) and the reads name in turn; none: the cluster's default. */
  writes?: readonly Level[];
  reads?: readonly Level[];
}

export interface RunningLoad {
  readonly ops: Op[];
  /** Failures by error code, e.g. `unavailable`, and the first message of each. */
  readonly errors: Map<string, number>;
  readonly messages: Map<string, string>;
  /** Milliseconds since the load began, on the clock the history uses. */
  now(): number;
  /** Stops issuing operations and waits for those in flight. */
  stop(): Promise<void>;
}

/** Error codes that mean the request was refused before anything was sent. */
const REFUSED = new Set(['invalid_key', 'invalid_value', 'invalid_ttl', 'no_nodes']);

export function startLoad(store: KeyStore, options: LoadOptions = {}): RunningLoad {
  const { keys = 500, concurrency = 32, putShare = 0.55, deleteShare = 0.1, ttl = 3600, prefix = 'drill:', seed = 1, writes = [], reads = [] } = options;
  let turn = 0;
  /** The next level in turn; none when the list is empty (the cluster's default). */
  const levelFrom = (levels: readonly Level[]) => (levels.length ? levels[turn++ % levels.length] : undefined);
  const next = seededRandom(seed);
  const names = Array.from({ length: keys }, (_, i) => `${prefix}${i}`);
  const busy = new Set<number>();
  const ops: Op[] = [];
  const errors = new Map<string, number>();
  const messages = new Map<string, string>();
  const began = performance.now();
  const now = () => performance.now() - began;
  let stopped = false;
  let written = 0;

  const failed = ({ error, message }: Failed) => {
    errors.set(error, (errors.get(error) ?? 0) + 1);
    if (!messages.has(error)) messages.set(error, message);
  };
  const outcomeOf = (result: { ok: true } | Failed): WriteOutcome => {
    if (result.ok) return 'ok';
    failed(result);
    return REFUSED.has(result.error) ? 'refused' : 'unknown';
  };

  async function one(index: number): Promise<void> {
    const key = names[index];
    const start = now();
    const roll = next();
    if (roll < putShare) {
      const value = `${key}=${++written}`;
      const level = levelFrom(writes);
      const result = await store.put(key, value, { ...(written % 10 === 0 ? { ttl } : {}), ...(level ? { w: level } : {}) });
      ops.push({ kind: 'put', key, value, outcome: outcomeOf(result), start, end: now(), replicas: replicasOf(result), ...(level ? { level } : {}) });
    } else if (roll < putShare + deleteShare) {
      const level = levelFrom(writes);
      const result = await store.delete(key, level ? { w: level } : {});
      ops.push({ kind: 'delete', key, outcome: outcomeOf(result), start, end: now(), replicas: replicasOf(result), ...(level ? { level } : {}) });
    } else {
      const level = levelFrom(reads);
      const tag = level ? { level } : {};
      const result = await store.get(key, level ? { r: level } : {});
      if (result.ok) ops.push({ kind: 'get', key, value: Buffer.from(result.value).toString('utf8'), outcome: 'ok', start, end: now(), replicas: describe(result.tried), ...tag });
      else if (result.error === 'not_found') ops.push({ kind: 'get', key, value: null, outcome: 'ok', start, end: now(), ...tag });
      else {
        failed(result);
        ops.push({ kind: 'get', key, value: null, outcome: 'failed', start, end: now(), replicas: replicasOf(result), ...tag });
      }
    }
  }

  async function worker(): Promise<void> {
    while (!stopped) {
      let index = Math.floor(next() * keys);
      while (busy.has(index)) index = (index + 1) % keys;
      busy.add(index);
      try {
        await one(index);
      } finally {
        busy.delete(index);
      }
      // Yield to timers and sockets even when every call is answered from a fast path.
      await new Promise((resolve) => setImmediate(resolve));
    }
  }

  const workers = Array.from({ length: Math.min(concurrency, keys) }, worker);
  return {
    ops,
    errors,
    messages,
    now,
    async stop() {
      stopped = true;
      await Promise.all(workers);
    },
  };
}
