import 'server-only';
// The data path: replicated puts and deletes under per-key locks, to both rings' lists during a change, and the gets of read-path.ts.
import { InFlight } from '../concurrency';
import { badLevel, isLevel, type Level } from '../consistency';
import { encodeTombstone, encodeValue, TOMBSTONE_RETENTION_SECONDS, writerHashOf, type ItemVersion } from '../envelope';
import type { NodeClient } from '../memcached/node-client';
import type { QuietConnection } from '../memcached/quiet';
import { preferenceList } from '../ring';
import { checkKey, checkTtl, checkValue } from '../validate';
import { encodeVersion, HybridClock } from '../version';
import type { ClusterContext } from './context';
import type { HotCounts } from './hot';
import { KEEPS_OLD_VALUE, PlainPut } from './plain-calls';
import { putOutcome } from './put-outcome';
import { describeOutcomes, listsOf, tooFewForWrite, writeMeets, writeTargets } from './quorum';
import { ReadPath } from './read-path';
import { fail, type DeleteResult, type Failure, type GetResult, type PutResult, type ReplicaOutcome, type Result } from './types';

/** Room an item needs besides its value: header, key (up to 250 bytes), CAS and line ends. */
const ITEM_OVERHEAD_BYTES = 1024;

/** Where each request served is counted (hot keys, load per node), once its outcome is known. */
export type RequestCounts = Pick<HotCounts, 'countPut' | 'countGet' | 'countDelete'>;

export class DataPath {
  /** Writes in progress; a membership change waits for them before reading what the nodes hold. */
  private readonly inflight = new InFlight();
  /** This process's write versions: every put and delete carries one, and every version read moves it on. */
  private readonly clock: HybridClock;
  /** The value limit and the node records it was computed from. */
  private limit: { records: readonly object[]; bytes: number } | null = null;
  /** The writer's id as the nodes store it (its hash), computed once rather than per write. */
  private readonly writerHash: number;
  /**
   * A plain put's links (one per target, in order; entries past its targets are stale) and its version as the nodes
   * store it: read at once by `PlainPut.send`, so one of each serves every put.
   */
  private readonly links: (QuietConnection | 'down')[] = [];
  private readonly sentVersion: ItemVersion;
  /** Key sets that every acknowledged write adds its key to, while someone watches (see watchWrites). */
  private readonly watchers = new Set<Set<string>>();

  /** Gets, at every level, with the read repair they share. */
  private readonly reads: ReadPath;

  constructor(
    private readonly ctx: ClusterContext,
    private readonly counts: RequestCounts,
  ) {
    this.clock = new HybridClock(ctx.state.store.writer, Date.now);
    this.writerHash = writerHashOf(this.clock.writer);
    this.sentVersion = { wall: 0, counter: 0, writerHash: this.writerHash };
    this.reads = new ReadPath(
      ctx,
      this.clock,
      (key, write) => this.tracked(key, write),
      (task) => this.untilSettled(task),
      counts,
    );
  }

  /**
   * Writes to every node of the key's preference list in parallel; the result says which acknowledged. It succeeds
   * when W did (the cluster's default level unless `w` names one), and fails naming them otherwise.
   */
  put(key: string, value: string | Uint8Array, options?: { ttl?: number; w?: Level }): Promise<Result<PutResult>> {
    const ttl = options?.ttl ?? 0;
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : value;
    const w = options?.w ?? this.ctx.state.consistency.w;
    // Refused input and an empty ring reach no node: nothing to count.
    const bad = checkLevel('w', w) ?? this.checkWritable(key) ?? checkPut(bytes, ttl, this.valueLimit());
    if (bad) return Promise.resolve(bad);
    if (!this.ctx.state.transition) {
      const plain = this.plainPut(key, bytes, ttl, w);
      if (plain) return plain;
    }
    // The write may wait for the key's lock: the caller's bytes are copied now, as they are.
    return this.lockedPut(key, typeof value === 'string' ? (bytes as Buffer) : Buffer.from(bytes), ttl, w, null).then((result) => this.countedPut(key, result));
  }

  private countedPut(key: string, result: Result<PutResult>): Result<PutResult> {
    this.counts.countPut(key, result);
    return result;
  }

  /**
   * A put under the key's lock, on the general path. `shared` as `sharedWriters` found it, or null to ask it once
   * the lock is held: a plain SET must start while the permission it was decided under lasts.
   */
  private lockedPut(key: string, bytes: Buffer, ttl: number, w: Level, shared: boolean | null): Promise<Result<PutResult>> {
    return this.tracked(key, async () => {
      // Alone, this process's key lock orders every write of the key and its versions only grow: a plain SET is
      // always the newest. Beside other processes (a shared store), a SET could land over a newer write of theirs.
      const conditional = shared ?? this.sharedWriters();
      // Judged against the lists the write goes to, as they are when it is sent.
      const lists = listsOf(this.ctx, key);
      const version = this.clock.now();
      const envelope = encodeValue({ wall: version.wall, counter: version.counter, writerHash: this.writerHash }, bytes);
      const replicas = await this.onEachTarget(key, (client) => (conditional ? client.putIfNewer(key, envelope, ttl, { present: true }) : client.setVersioned(key, envelope, ttl)));
      this.ctx.changed();
      return putOutcome(this.ctx, key, bytes.length, ttl, w, lists, replicas, version);
    });
  }

  /**
   * The put of the common case, with one promise: outside a membership change, the key's lock free, every
   * target's quiet connection open for writes (none held by the fence) and this process alone, so its SETs go
   * out now, under the permission they were decided by. Null when it did nothing; the general path otherwise.
   */
  private plainPut(key: string, bytes: Uint8Array, ttl: number, w: Level): Promise<Result<PutResult>> | null {
    const { pool, state, keyLocks } = this.ctx;
    const targets = preferenceList(state.ring, key);
    const links = this.links;
    for (let i = 0; i < targets.length; i++) {
      const link = pool.quiet(targets[i], true);
      if (!link) return null;
      links[i] = link;
    }
    if (!keyLocks.tryTake(key)) return null;
    if (this.sharedWriters()) {
      keyLocks.release(key);
      return this.lockedPut(key, Buffer.from(bytes), ttl, w, true).then((result) => this.countedPut(key, result));
    }
    const version = this.clock.now();
    const put = new PlainPut(this.ctx, { key, targets, version, bytes: bytes.length, ttl, w }, this.inflight, this.plainPutDone);
    const sent = this.sentVersion;
    sent.wall = version.wall;
    sent.counter = version.counter;
    put.send(links, sent, bytes);
    return put.promise;
  }

  /** A plain put judged once every replica answered (still under the key's lock), and counted. */
  private readonly plainPutDone = ({ request, replicas, acknowledged }: PlainPut): Result<PutResult> | Promise<Result<PutResult>> => {
    const { key, targets, version, bytes, ttl, w } = request;
    if (acknowledged) this.noteWritten(key);
    this.ctx.changed();
    const outcome = putOutcome(this.ctx, key, bytes, ttl, w, { current: targets, next: null }, replicas, version);
    return outcome instanceof Promise ? outcome.then((failure) => this.countedPut(key, failure)) : this.countedPut(key, outcome);
  };

  /**
   * At R=one (the default unless the cluster's or `r` says otherwise), reads along the preference list; a replica found
   * missing the value is given it back. At majority or all, asks that many at once and returns the newest (quorum.ts).
   */
  get(key: string, options?: { r?: Level }): Promise<Result<GetResult>> {
    const r = options?.r ?? this.ctx.state.consistency.r;
    const refused = checkLevel('r', r);
    if (refused) return Promise.resolve(refused);
    const bad = checkKey(key);
    if (bad) return Promise.resolve(fail('invalid_key', bad));
    if (this.ctx.state.ring.nodes.length === 0) return Promise.resolve(fail('no_nodes', 'the ring has no nodes: add one with `add`'));
    return this.reads.read(key, r);
  }

  /**
   * Writes a tombstone to every node of the preference list, so older writes arriving later lose to it; `deleted`
   * says whether a replica held a value it replaced. A conditional write reads first, which is what tells.
   */
  async delete(key: string, options?: { w?: Level }): Promise<Result<DeleteResult>> {
    const w = options?.w ?? this.ctx.state.consistency.w;
    const bad = checkLevel('w', w) ?? this.checkWritable(key);
    if (bad) return bad;
    const result = await this.deleteOnTargets(key, w);
    this.counts.countDelete(key, result);
    return result;
  }

  private deleteOnTargets(key: string, w: Level): Promise<Result<DeleteResult>> {
    return this.tracked(key, async () => {
      const lists = listsOf(this.ctx, key);
      const version = this.clock.now();
      const tombstone = encodeTombstone({ wall: version.wall, counter: version.counter, writerHash: this.writerHash });
      let existed = false;
      const replicas = await this.onEachTarget(key, async (client) => {
        const { outcome, previous } = await client.storeIfNewer(key, tombstone, TOMBSTONE_RETENTION_SECONDS, { present: true });
        if (outcome === 'stored' && (previous === 'value' || previous === 'unversioned')) existed = true;
      });
      this.ctx.changed();
      if (replicas.some((r) => r.ok) && writeMeets(w, lists, replicas)) return { ok: true, key, deleted: existed, replicas, version: encodeVersion(version), w };
      if (replicas.some((r) => r.ok)) return tooFewForWrite('delete', key, w, lists, replicas);
      return fail('unavailable', `no replica acknowledged the delete of ${key}: ${describeOutcomes(replicas)}`);
    });
  }

  /**
   * The largest value every node takes. It must be enforced before sending: memcached answers a set
   * that is too large by deleting the value the key had, on every replica.
   */
  valueLimit(): number {
    // The state keeps its node records until they change: the limit is computed once per list of them.
    const records = this.ctx.state.records();
    if (this.limit?.records === records) return this.limit.bytes;
    const items = records.map((n) => n.itemSizeMax).filter((size): size is number => size !== undefined);
    const bytes = Math.min(this.ctx.options.maxValueBytes, ...items.map((size) => size - ITEM_OVERHEAD_BYTES));
    this.limit = { records, bytes };
    return bytes;
  }

  /**
   * Collects the keys of the writes acknowledged from now until `stop`: a membership change spares the copies
   * such writes put on a key's new list, which its plan, made from listings, may have taken for stale ones.
   */
  watchWrites(): { written: ReadonlySet<string>; stop(): void } {
    const written = new Set<string>();
    this.watchers.add(written);
    return { written, stop: () => void this.watchers.delete(written) };
  }

  /** Resolves once every write that began before the call has settled: they chose their targets from the old ring alone. */
  settled(): Promise<void> {
    return this.inflight.settled();
  }

  private checkWritable(key: string): Failure | null {
    const bad = checkKey(key);
    if (bad) return fail('invalid_key', bad);
    if (this.ctx.state.ring.nodes.length === 0) return fail('no_nodes', 'the ring has no nodes: add one with `add`');
    return null;
  }

  /**
   * Runs a write on every target of the key (call under the key's lock). A node that may have missed it
   * has its copy marked suspect; a node that refused it as too large or for a server error kept its old value.
   * A node out of memory dropped its old value (memcached unlinks the key when it refuses a set): suspect
   * when another acknowledged, so a repair copies the new value once there is room; in line otherwise.
   */
  private async onEachTarget(key: string, write: (client: NodeClient) => Promise<unknown>): Promise<ReplicaOutcome[]> {
    const { pool } = this.ctx;
    const transition = this.ctx.state.transition;
    const targets = writeTargets(this.ctx, key);
    const outcomes = await Promise.all(
      targets.map(async (node): Promise<ReplicaOutcome> => {
        const outcome = await pool.call(node, write);
        if (outcome.ok) pool.clearSuspect(node, key);
        else if (!KEEPS_OLD_VALUE.has(outcome.error) && outcome.error !== 'out_of_memory') pool.markSuspect(node, key);
        return outcome.ok ? { node, ok: true } : { node, ok: false, error: outcome.error };
      }),
    );
    const acknowledged = outcomes.some((o) => o.ok);
    if (acknowledged) for (const o of outcomes) if (o.error === 'out_of_memory') pool.markSuspect(o.node, key);
    // During a move the write reached both lists, so the move's own copy of this key would be older.
    if (acknowledged) transition?.dirty.add(key);
    if (acknowledged) this.noteWritten(key);
    return outcomes;
  }

  /** An acknowledged write of `key`, for the changes watching (call under the key's lock, which their deletes take). */
  private noteWritten(key: string): void {
    if (this.watchers.size > 0) for (const written of this.watchers) written.add(key);
  }

  /** A write under the key's lock, tracked so a membership change can wait for those that began before it. */
  private tracked<T>(key: string, write: () => Promise<T>): Promise<T> {
    const cohort = this.inflight.begin();
    const running = this.ctx.keyLocks.run(key, write);
    const end = () => this.inflight.end(cohort);
    running.then(end, end);
    return running;
  }

  /** Work begun by a call that has returned (a majority read's late answers and their repair), waited for as writes in flight are. */
  private untilSettled(task: Promise<unknown>): void {
    const cohort = this.inflight.begin();
    const end = () => this.inflight.end(cohort);
    task.then(end, end);
  }

  /** Other processes may write the same keys (another is live, or this one cannot prove it is not): writes must then be conditional. */
  private sharedWriters(): boolean {
    return !this.ctx.soleWriter.plainPut();
  }
}

function checkPut(bytes: Uint8Array, ttl: number, maxValueBytes: number): Failure | null {
  const badValue = checkValue(bytes, maxValueBytes);
  if (badValue) return fail('invalid_value', badValue);
  const badTtl = checkTtl(ttl);
  return badTtl ? fail('invalid_ttl', badTtl) : null;
}

/** A level from outside (the API, the shell, an action) that is not one of the three changes nothing. */
function checkLevel(name: 'w' | 'r', level: unknown): Failure | null {
  return isLevel(level) ? null : fail('invalid_level', badLevel(name, level));
}
