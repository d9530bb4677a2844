import 'server-only';
// The one stateful module: membership, replicated reads and writes, planned moves, health probes and repair.
import { keyPosition, hashPart } from '../hash';
import { ringShares, spreadOf } from '../balance';
import { KeyLocks, Mutex } from '../concurrency';
import { planMoves, type DeleteStep, type Inventory, type KeyEntry } from '../plan';
import { buildRing, DEFAULT_REPLICAS, DEFAULT_VNODES, ownerVnode, preferenceList, type Ring } from '../ring';
import { checkKey, checkNodeId, checkTtl, checkValue, checkVnodes, DEFAULT_MAX_VALUE_BYTES, formatAddress, parseAddress } from '../validate';
import { NodeClient, NodeError } from '../memcached/node-client';
import { isRunningMemcached, localMemoryFromEnv, startLocalNode, stopLocalNode } from '../memcached/local-nodes';
import { allowedFromEnv, checkAllowedHost } from './allow-list';
import { EventLog } from './events';
import { NodePool } from './node-pool';
import { firstPlacements, keyViewOf, type KeyPlacement, type NodeKeyCounts } from './views';
import { previewOf, type MovePreview } from './preview';
import type { ChangeInFlight } from './replication';
import { densityOf, summariseStats, type ClusterSnapshot } from './snapshot';
import { claimDataDir, loadState, saveState, type ClusterState, type NodeRecord } from './state';
import { copyAll, deleteAll, dropStrays, settleSuspects, type TransferContext } from './transfer';
import {
  fail,
  type DeleteResult,
  type Failure,
  type GetResult,
  type LocateResult,
  type MembershipResult,
  type MoveSummary,
  type NodeStatus,
  type NodeView,
  type PutResult,
  type ReplicaOutcome,
  type Result,
} from './types';

export type MembershipChange = { type: 'add'; id?: string; vnodes?: number } | { type: 'remove'; id: string } | { type: 'vnodes'; id: string; vnodes: number };

/** What a preview may be asked about: a membership change, or a repair of the ring as it is. */
export type PlannedChange = MembershipChange | { type: 'repair' };

export interface ClusterOptions {
  dataDir: string;
  replicas?: number;
  /** Absolute deadline of each call to a node. */
  deadlineMs?: number;
  /** Background health probes; false for one-shot commands, which probe once on open. */
  probeIntervalMs?: number | false;
  maxValueBytes?: number;
  /** Copies and deletes in flight during a move or repair. */
  moveConcurrency?: number;
  allowedHosts?: readonly string[];
  /** Memory of each local memcached process, in MiB. */
  localMemoryMb?: number;
  /** Local nodes to start when the data directory holds no cluster yet (the embedded default). */
  bootstrapLocalNodes?: number;
}

/** A membership change in flight: writes reach both rings' lists, reads try both; snapshots judge keys against both. */
interface Transition extends ChangeInFlight {
  to: Ring;
  nodes: readonly NodeRecord[];
  /** Keys written or deleted since the change began: their copies are already in place. */
  dirty: Set<string>;
  /** Filled in once the change is planned. */
  unavailable: Set<string>;
  refills: Map<string, string[]>;
}

/** How long an unchanged snapshot is reused at least (longer when computing it took longer). */
const SNAPSHOT_REUSE_MS = 1000;

/** Room an item needs besides its value: header, key (up to 250 bytes), CAS and line ends. */
const ITEM_OVERHEAD_BYTES = 1024;

export class Cluster {
  readonly events = new EventLog();
  private ring: Ring;
  private transition: Transition | null = null;
  private readonly pool: NodePool;
  private readonly membership = new Mutex();
  private readonly keyLocks = new KeyLocks();
  private readonly transfer: TransferContext;
  /** Writes in progress; a membership change waits for them before reading what the nodes hold. */
  private readonly inflight = new Set<Promise<void>>();
  private probeTimer: NodeJS.Timeout | undefined;
  private probing = false;
  private closed = false;
  private release: () => Promise<void> = async () => undefined;
  private saving: Promise<void> = Promise.resolve();

  private constructor(
    private readonly options: Required<Omit<ClusterOptions, 'probeIntervalMs' | 'bootstrapLocalNodes'>> & { probeIntervalMs: number | false },
    private readonly state: ClusterState,
  ) {
    this.ring = this.buildRingOf(state.nodes);
    this.pool = new NodePool(
      options.deadlineMs,
      {
        down: (id, reason) => {
          const record = this.record(id);
          if (record) record.down = true;
          this.persist();
          this.events.emit({ type: 'node-down', node: id, reason });
        },
        suspectsChanged: () => this.persist(),
      },
      state.hints,
    );
    for (const record of state.nodes) this.pool.track(record.id, record, record.down ? 'down' : 'up');
    this.transfer = { pool: this.pool, keyLocks: this.keyLocks, events: this.events, concurrency: options.moveConcurrency };
    this.events.subscribe(() => this.changed());
  }

  private readonly changeListeners = new Set<() => void>();

  /** Called after anything that changes what the cluster holds or how it looks (writes included, which are not events). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  /** Counts changes, so a snapshot knows whether it still shows the latest. */
  private changeSeq = 0;

  private changed(): void {
    this.changeSeq++;
    for (const listener of this.changeListeners) listener();
  }

  /** Loads the cluster saved in `dataDir` (or an empty one), restarts its local nodes and probes every node once. */
  static async open(options: ClusterOptions): Promise<Cluster> {
    const replicas = options.replicas ?? DEFAULT_REPLICAS;
    // Read before the data directory is claimed: a bad setting must not leave it claimed.
    const localMemoryMb = options.localMemoryMb ?? localMemoryFromEnv();
    const release = await claimDataDir(options.dataDir);
    const saved = await loadState(options.dataDir).catch(async (error: unknown) => {
      await release();
      throw error;
    });
    const state = saved ?? { version: 0, replicas, nodes: [], hints: {} };
    const cluster = new Cluster(
      {
        dataDir: options.dataDir,
        replicas: state.replicas,
        deadlineMs: options.deadlineMs ?? 1000,
        probeIntervalMs: options.probeIntervalMs ?? 1000,
        maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
        moveConcurrency: options.moveConcurrency ?? 32,
        allowedHosts: options.allowedHosts ?? allowedFromEnv(),
        localMemoryMb,
      },
      state,
    );
    cluster.release = release;
    await cluster.restartLostLocalNodes();
    await cluster.probe();
    if (!saved) {
      for (let n = 0; n < (options.bootstrapLocalNodes ?? 0); n++) {
        const added = await cluster.addNode();
        if (!added.ok) throw new Error(`could not start local node ${n + 1}: ${added.message}`);
      }
      cluster.persist();
    }
    if (cluster.options.probeIntervalMs !== false) {
      cluster.probeTimer = setInterval(() => void cluster.probe(), cluster.options.probeIntervalMs);
      cluster.probeTimer.unref();
    }
    return cluster;
  }

  /** Stops probing and closes every connection; local memcached processes keep running. */
  async close(): Promise<void> {
    this.closed = true;
    clearInterval(this.probeTimer);
    await this.membership.run(async () => undefined);
    this.pool.closeAll();
    this.persist();
    await this.saving;
    await this.release();
  }

  // ---- reading the cluster -------------------------------------------------------------------

  get version(): number {
    return this.state.version;
  }

  get currentRing(): Ring {
    return this.ring;
  }

  get busy(): boolean {
    return this.membership.locked;
  }

  /** Every node, the ring's and any joining one. */
  nodes(): NodeView[] {
    return this.records().map((record) => this.viewOf(record));
  }

  private records(): readonly NodeRecord[] {
    if (!this.transition) return this.state.nodes;
    const joining = this.transition.nodes.filter((n) => !this.state.nodes.some((m) => m.id === n.id));
    return [...this.state.nodes, ...joining];
  }

  private viewOf(record: NodeRecord): NodeView {
    const inTo = this.transition?.to.nodes.some((n) => n.id === record.id);
    const inRing = this.ring.nodes.some((n) => n.id === record.id);
    let status: NodeStatus = this.pool.status(record.id) ?? 'down';
    if (this.transition && status === 'up') status = inTo && !inRing ? 'joining' : !inTo && inRing ? 'leaving' : status;
    return {
      id: record.id,
      address: formatAddress(record),
      status,
      vnodes: record.vnodes,
      local: Boolean(record.local),
      pid: record.local?.pid ?? null,
      killed: record.local?.killed ?? false,
      suspectKeys: this.pool.suspectCount(record.id),
    };
  }

  /** The ring's identity and balance: checksum, vnodes and each node's share of the hash space. */
  ringSummary() {
    const shares = ringShares(this.ring);
    return {
      version: this.state.version,
      checksum: this.ring.checksum,
      replicas: this.state.replicas,
      /** A membership change or repair is running: another change now would be refused. */
      busy: this.busy,
      vnodes: this.ring.positions.length,
      nodes: this.ring.nodes.map((n) => ({ id: n.id, vnodes: n.vnodes, share: shares[n.id] })),
      shareSpread: spreadOf(Object.values(shares)),
    };
  }

  /** Every key each reachable node holds, read from memcached itself (so it survives a restart of Ringside); suspect copies left out. */
  async inventory(ids: readonly string[] = this.state.nodes.map((n) => n.id)): Promise<{ inventory: Inventory; unreachable: string[] }> {
    const inventory: Record<string, KeyEntry[]> = {};
    const unreachable: string[] = [];
    await Promise.all(
      ids.map(async (id) => {
        const outcome = await this.pool.call(id, (client) => client.inventory());
        if (!outcome.ok) return void unreachable.push(id);
        // A suspect copy is neither counted nor used as a source: it may be stale, or deleted elsewhere.
        inventory[id] = this.pool.suspectCount(id) === 0 ? outcome.value : outcome.value.filter(({ key }) => !this.pool.isSuspect(id, key));
      }),
    );
    return { inventory, unreachable: unreachable.sort() };
  }

  /**
   * Keys with where they should be and where they are, in key order: one node's when `nodeId` is given,
   * the first `limit` of them when there are more (`total` says how many there are).
   */
  async keys(nodeId?: string, limit = Infinity, { missing = false }: { missing?: boolean } = {}): Promise<Result<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>> {
    if (nodeId !== undefined && !this.record(nodeId)) return this.unknownNode(nodeId);
    const { ring, change } = this.placing();
    const { inventory, unreachable } = await this.inventory(this.records().map((n) => n.id));
    return { ok: true, ...firstPlacements(ring, inventory, { nodeId, limit, missing, change }), unreachable };
  }

  /** The ring keys are judged against, and the change in flight (read together, before the listings they judge). */
  private placing(): { ring: Ring; change: ChangeInFlight | null } {
    return { ring: this.ring, change: this.transition };
  }

  /** Per node: keys held as primary and as a further replica, by what each node really holds. */
  async keyCounts(): Promise<Record<string, NodeKeyCounts | null>> {
    const { inventory } = await this.inventory();
    return keyViewOf(this.ring, this.records().map((n) => n.id), inventory, 0).counts;
  }

  private snapshotJob: { seq: number; promise: Promise<ClusterSnapshot>; done: boolean; finishedAt: number; tookMs: number } | null = null;

  /**
   * Everything the dashboard draws, as plain data: ring, nodes with counts and stats, keys with placement,
   * recent events. Every open tab asks after every change, so callers share one computation, reused until
   * something changes (for a second at most); and since at a million keys one takes seconds (a listing of
   * every node), the next starts no sooner than the last one took after it ended: the server spends at most
   * half its time on them.
   */
  async snapshot(): Promise<ClusterSnapshot> {
    for (;;) {
      const job = this.snapshotJob;
      // Reused while nothing changed, and not for long: keys also expire, and other clients write.
      const fresh = job && (!job.done || Date.now() - job.finishedAt < Math.max(SNAPSHOT_REUSE_MS, job.tookMs));
      if (job && fresh && job.seq === this.changeSeq) return job.promise;
      if (job && !job.done) {
        await job.promise.catch(() => undefined);
        continue;
      }
      const delay = job ? Math.max(0, job.finishedAt + job.tookMs - Date.now()) : 0;
      const next = { seq: this.changeSeq, done: false, finishedAt: 0, tookMs: 0 } as NonNullable<typeof this.snapshotJob>;
      next.promise = (async () => {
        if (delay > 0) await new Promise((resolve) => setTimeout(resolve, delay));
        next.seq = this.changeSeq;
        const started = Date.now();
        try {
          return await this.computeSnapshot();
        } catch (error) {
          next.seq = -1; // never reused: the next caller tries again
          throw error;
        } finally {
          Object.assign(next, { done: true, finishedAt: Date.now(), tookMs: Date.now() - started });
        }
      })();
      this.snapshotJob = next;
    }
  }

  private async computeSnapshot(keyLimit = 10_000): Promise<ClusterSnapshot> {
    const ids = this.records().map((n) => n.id);
    // Taken before the listings: a ring switch while they are read must not judge copies not yet listed against the new ring.
    const { ring, change } = this.placing();
    const version = this.state.version;
    const [{ inventory }, stats] = await Promise.all([this.inventory(ids), this.stats()]);
    const view = keyViewOf(ring, ids, inventory, keyLimit, change);
    const counts = view.counts;
    const shares = ringShares(ring);
    return {
      version,
      checksum: ring.checksum,
      replicas: this.state.replicas,
      busy: this.busy,
      valueLimit: this.valueLimit(),
      nodes: this.nodes().map((node) => ({ ...node, share: shares[node.id] ?? 0, keys: counts[node.id] ?? null, stats: summariseStats(stats[node.id]) })),
      vnodes: Array.from(ring.positions, (position, v) => ({ node: ring.nodes[ring.owners[v]].id, index: ring.vnodeIndexes[v], position })),
      keys: view.placements,
      keyCount: view.keyCount,
      underReplicated: view.underReplicated,
      moving: view.moving,
      density: densityOf(view.positions),
      events: this.events.recent().slice(-100),
    };
  }

  /** What a membership change or a repair would copy and delete, planned from what the nodes hold now; nothing changes. */
  async preview(change: PlannedChange): Promise<Result<{ preview: MovePreview }>> {
    let next: NodeRecord[];
    if (change.type === 'repair') {
      next = this.state.nodes;
    } else if (change.type === 'add') {
      const id = change.id ?? this.nextNodeId();
      const vnodes = change.vnodes ?? DEFAULT_VNODES;
      if (checkNodeId(id)) return fail('invalid_id', checkNodeId(id)!);
      if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
      if (this.record(id)) return fail('node_exists', `a node named ${id} is already in the ring`);
      next = [...this.state.nodes, { id, host: 'preview', port: 1, vnodes }];
    } else {
      if (!this.record(change.id)) return this.unknownNode(change.id);
      if (change.type === 'remove') {
        if (this.state.nodes.length === 1) return fail('last_node', `${change.id} is the last node`);
        next = this.state.nodes.filter((n) => n.id !== change.id);
      } else {
        if (checkVnodes(change.vnodes)) return fail('invalid_vnodes', checkVnodes(change.vnodes)!);
        next = this.state.nodes.map((n) => (n.id === change.id ? { ...n, vnodes: change.vnodes } : n));
      }
    }
    const { inventory, unreachable } = await this.inventory();
    const to = change.type === 'repair' ? this.ring : this.buildRingOf(next);
    // As the change or repair will plan: unreachable nodes owed copies, suspect copies settled first, a repair's strays dropped.
    const returned = change.type === 'repair' ? this.returnedNodes().map((n) => n.id) : [];
    return { ok: true, preview: previewOf(this.ring, to, inventory, { unavailable: new Set(unreachable), suspects: this.pool.suspectsByNode(), returned }) };
  }

  /** Where a key lives: its hash, ring position, owner vnode and preference list, and whether each replica holds it. */
  async locate(key: string): Promise<Result<LocateResult>> {
    const bad = checkKey(key);
    if (bad) return fail('invalid_key', bad);
    const position = keyPosition(key);
    const v = ownerVnode(this.ring, position);
    if (v < 0) return fail('no_nodes', 'the ring has no nodes: add one with `add`');
    const replicas = await Promise.all(
      preferenceList(this.ring, key).map(async (node, rank) => {
        const outcome = await this.pool.call(node, (client) => client.get(key));
        return {
          node,
          role: rank === 0 ? ('primary' as const) : ('replica' as const),
          status: this.viewOf(this.record(node)!).status,
          holds: outcome.ok ? outcome.value !== null : null,
        };
      }),
    );
    return {
      ok: true,
      key,
      hashedPart: hashPart(key),
      position,
      vnode: { node: this.ring.nodes[this.ring.owners[v]].id, index: this.ring.vnodeIndexes[v], position: this.ring.positions[v] },
      replicas,
    };
  }

  /**
   * memcached's own statistics of each node (null for a node that does not answer): `stats`, `stats slabs`
   * and `stats items` in one record (their names do not collide), so a full slab class can be named.
   */
  async stats(): Promise<Record<string, Record<string, string> | null>> {
    const entries = await Promise.all(
      this.records().map(async ({ id }) => {
        const outcome = await this.pool.call(id, async (client) => ({ ...(await client.stats()), ...(await client.stats('slabs')), ...(await client.stats('items')) }));
        return [id, outcome.ok ? outcome.value : null] as const;
      }),
    );
    return Object.fromEntries(entries);
  }

  // ---- keys -----------------------------------------------------------------------------------

  /** Writes to every node of the key's preference list in parallel; the result says which acknowledged. */
  async put(key: string, value: string | Uint8Array, options: { ttl?: number } = {}): Promise<Result<PutResult>> {
    const ttl = options.ttl ?? 0;
    const bytes = typeof value === 'string' ? Buffer.from(value, 'utf8') : Buffer.from(value);
    const bad = this.checkWritable(key) ?? checkPut(bytes, ttl, this.valueLimit());
    if (bad) return bad;
    return this.tracked(key, async () => {
      const replicas = await this.onEachTarget(key, (client) => client.set(key, bytes, ttl));
      const acknowledged = replicas.filter((r) => r.ok).length;
      this.changed();
      if (acknowledged > 0) return { ok: true, key, bytes: bytes.length, ttl, acknowledged, replicas };
      if (replicas.every((r) => r.error === 'too_large')) return fail('invalid_value', `the value of ${key} is larger than the nodes' item size`);
      if (refusedForMemory(replicas)) return this.outOfMemory(key, replicas);
      return fail('unavailable', `no replica acknowledged the write of ${key}: ${describeOutcomes(replicas)}`);
    });
  }

  /** Names the full nodes with their memory limit, and the ways to make room. */
  private async outOfMemory(key: string, replicas: readonly ReplicaOutcome[]): Promise<Failure> {
    const full = replicas.filter((r) => r.error === 'out_of_memory').map((r) => r.node);
    const limits = await Promise.all(full.map((node) => this.pool.call(node, (client) => client.stats())));
    const named = full.map((node, i) => {
      const limit = limits[i].ok ? Number(limits[i].value.limit_maxbytes) : NaN;
      return limit > 0 ? `${node} (limit ${formatMiB(limit)})` : node;
    });
    const local = full.some((node) => this.record(node)?.local);
    const suggestedMb = Math.max(256, this.options.localMemoryMb * 4);
    const more = local ? `start local nodes with more memory (RINGSIDE_NODE_MEMORY_MB=${suggestedMb})` : 'give the servers more memory (memcached -m)';
    const others = replicas.filter((r) => r.error !== 'out_of_memory');
    return fail(
      'out_of_memory',
      `no replica acknowledged the write of ${key}: ${listOf(named)} ${full.length === 1 ? 'is' : 'are'} out of memory` +
        `${others.length ? ` (${describeOutcomes(others)})` : ''}. ` +
        `Add a node, delete keys, or ${more}. Nodes refuse writes when full rather than evict, and a refused write also drops the key's previous value there.`,
    );
  }

  /** Reads along the preference list; a replica found missing the value is given it back. */
  async get(key: string): Promise<Result<GetResult>> {
    const bad = checkKey(key);
    if (bad) return fail('invalid_key', bad);
    if (this.state.nodes.length === 0) return fail('no_nodes', 'the ring has no nodes: add one with `add`');
    const tried: ReplicaOutcome[] = [];
    const missing: string[] = [];
    // Reads try the same nodes writes reach: during a move, the new list first, then the old.
    for (const node of this.writeTargets(key)) {
      if (this.pool.isSuspect(node, key)) {
        tried.push({ node, ok: false, error: 'suspect' });
        continue;
      }
      const outcome = await this.pool.call(node, (client) => client.get(key));
      if (!outcome.ok) tried.push({ node, ok: false, error: outcome.error });
      else if (!outcome.value) {
        tried.push({ node, ok: false, error: 'miss' });
        missing.push(node);
      } else {
        tried.push({ node, ok: true });
        const repaired = missing.length > 0 && !this.transition ? await this.readRepair(key, node, missing) : [];
        return { ok: true, key, value: outcome.value.value, servedBy: node, tried, repaired };
      }
    }
    // A miss is only believed from a majority of the current list: one empty newcomer proves nothing.
    const authoritative = preferenceList(this.ring, key);
    const misses = missing.filter((node) => authoritative.includes(node)).length;
    if (misses > 0 && misses * 2 > authoritative.length) return fail('not_found', `no key ${key} is stored`);
    return fail('unavailable', `no replica of ${key} could be read: ${describeOutcomes(tried)}`);
  }

  /** Deletes from every node of the preference list; `deleted` says whether any held it. */
  async delete(key: string): Promise<Result<DeleteResult>> {
    const bad = this.checkWritable(key);
    if (bad) return bad;
    return this.tracked(key, async () => {
      let existed = false;
      const replicas = await this.onEachTarget(key, async (client) => {
        existed = (await client.delete(key)) || existed;
      });
      this.changed();
      if (replicas.some((r) => r.ok)) return { ok: true, key, deleted: existed, replicas };
      return fail('unavailable', `no replica acknowledged the delete of ${key}: ${describeOutcomes(replicas)}`);
    });
  }

  /**
   * The largest value every node takes. It must be enforced before sending: memcached answers a set
   * that is too large by deleting the value the key had, on every replica.
   */
  valueLimit(): number {
    const items = this.records().map((n) => n.itemSizeMax).filter((size): size is number => size !== undefined);
    return Math.min(this.options.maxValueBytes, ...items.map((size) => size - ITEM_OVERHEAD_BYTES));
  }

  private checkWritable(key: string): Failure | null {
    const bad = checkKey(key);
    if (bad) return fail('invalid_key', bad);
    if (this.state.nodes.length === 0) return fail('no_nodes', 'the ring has no nodes: add one with `add`');
    return null;
  }

  /**
   * Runs a write on every target of the key (call under the key's lock). When another node acknowledged it,
   * a node that may have missed it has its copy marked suspect; a node that refused it as too large or for a
   * server error kept its old value. A node out of memory dropped its old value (memcached unlinks the key when
   * it refuses a set): suspect, so a repair copies the new value once there is room.
   *
   * A write no node acknowledged marks no copy suspect: every copy then holds what it held or this write, either
   * of which reads may return until the next acknowledged write. Marking them all suspect would leave a repair no
   * copy to trust, and it would keep them as they are and settle the key from one that had missed an earlier
   * acknowledged write, over the replica that held it: node-3 acknowledges v2 alone while node-1 and node-2 are
   * frozen, a write none can take marks node-3 too, and repair copies node-1's v1 onto node-3.
   */
  private async onEachTarget(key: string, write: (client: NodeClient) => Promise<unknown>): Promise<ReplicaOutcome[]> {
    const transition = this.transition;
    const targets = this.writeTargets(key);
    const outcomes = await Promise.all(
      targets.map(async (node): Promise<ReplicaOutcome> => {
        const outcome = await this.pool.call(node, write);
        if (outcome.ok) this.pool.clearSuspect(node, key);
        return outcome.ok ? { node, ok: true } : { node, ok: false, error: outcome.error };
      }),
    );
    const acknowledged = outcomes.some((o) => o.ok);
    if (acknowledged) for (const o of outcomes) if (!o.ok && o.error !== 'too_large' && o.error !== 'server_error') this.pool.markSuspect(o.node, key);
    // Its copies may differ meanwhile, each holding one of the two: the next repair aligns them on one.
    if (acknowledged) this.pool.clearUndecided(key);
    else this.pool.markUndecided(key);
    // During a move the write reached both lists, so the move's own copy of this key would be older.
    if (acknowledged) transition?.dirty.add(key);
    return outcomes;
  }

  /** A write under the key's lock, tracked so a membership change can wait for those that began before it. */
  private tracked<T>(key: string, write: () => Promise<T>): Promise<T> {
    const running = this.keyLocks.run(key, write);
    const settled = running.then(
      () => undefined,
      () => undefined,
    );
    this.inflight.add(settled);
    void settled.then(() => this.inflight.delete(settled));
    return running;
  }

  private writeTargets(key: string): readonly string[] {
    const current = preferenceList(this.ring, key);
    if (!this.transition) return current;
    return [...new Set([...preferenceList(this.transition.to, key), ...current])];
  }

  /** Gives `missing` nodes the value `source` holds, with its remaining TTL; `add` never overwrites a newer write. */
  private readRepair(key: string, source: string, missing: readonly string[]): Promise<string[]> {
    return this.tracked(key, async () => {
      if (this.transition) return [];
      const read = await this.pool.call(source, async (client) => ({ stored: await client.get(key), ttl: await client.ttl(key) }));
      if (!read.ok || !read.value.stored || read.value.ttl === null) return [];
      const { stored, ttl } = read.value;
      const repaired: string[] = [];
      for (const node of missing) {
        const outcome = await this.pool.call(node, (client) => client.add(key, stored.value, ttl < 0 ? 0 : ttl, stored.flags));
        if (outcome.ok && outcome.value) repaired.push(node);
      }
      if (repaired.length > 0) this.changed();
      return repaired;
    });
  }

  // ---- membership -----------------------------------------------------------------------------

  /** Adds a node: a new local memcached process, or an existing server at `address`; then moves its keys onto it. */
  async addNode(request: { id?: string; address?: string; vnodes?: number } = {}): Promise<Result<MembershipResult>> {
    const id = request.id ?? this.nextNodeId();
    const vnodes = request.vnodes ?? DEFAULT_VNODES;
    const badId = checkNodeId(id);
    if (badId) return fail('invalid_id', badId);
    if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
    if (this.record(id)) return fail('node_exists', `a node named ${id} is already in the ring`);
    let address: { host: string; port: number } | undefined;
    if (request.address !== undefined) {
      const parsed = parseAddress(request.address);
      if (!parsed.ok) return fail('invalid_address', parsed.message);
      const allowed = await checkAllowedHost(parsed.address.host, this.options.allowedHosts);
      if (!allowed.ok) return fail('address_not_allowed', allowed.message);
      address = { host: allowed.host, port: parsed.address.port };
      const taken = this.state.nodes.find((n) => n.host === address!.host && n.port === address!.port);
      if (taken) return fail('node_exists', `${request.address} is already in the ring as ${taken.id}`);
    }
    return this.exclusive(async () => {
      const record = address ? await this.joinExternal(id, address, vnodes) : await this.startLocal(id, vnodes);
      if ('ok' in record) return record;
      this.pool.track(id, record, 'up');
      // Remember which process answers, so a restart behind Ringside's back is noticed even by a later process.
      const stats = await this.pool.call(id, async (client) => ({ general: await client.stats(), settings: await client.stats('settings') }));
      if (!stats.ok) {
        this.pool.forget(id);
        if (record.local?.pid) await stopLocalNode(record.local.pid, 'SIGKILL');
        return fail('node_unreachable', `${id} stopped answering as it joined (${stats.error})`);
      }
      record.instance = instanceOf(stats.value.general);
      record.itemSizeMax = Number(stats.value.settings.item_size_max) || undefined;
      const summary = await this.changeMembership([...this.state.nodes, record], `add ${id}`);
      this.events.emit({ type: 'node-added', node: id, address: formatAddress(record), local: Boolean(record.local) });
      return { ok: true, node: this.viewOf(record), ...summary };
    });
  }

  /** Removes a node gracefully: its keys move to their new owners first (from surviving copies if it is down). */
  async removeNode(id: string): Promise<Result<MembershipResult>> {
    const record = this.record(id);
    if (!record) return this.unknownNode(id);
    if (this.state.nodes.length === 1) return fail('last_node', `${id} is the last node: the ring would hold no keys; add another node first`);
    return this.exclusive(async () => {
      const summary = await this.changeMembership(
        this.state.nodes.filter((n) => n.id !== id),
        `remove ${id}`,
        // A local process is stopped afterwards, so deleting its keys one by one would be wasted work.
        record.local ? id : undefined,
      );
      if (record.local?.pid) await stopLocalNode(record.local.pid, 'SIGTERM');
      this.pool.forget(id);
      this.persist();
      this.events.emit({ type: 'node-removed', node: id });
      return { ok: true, node: { ...this.viewOf(record), status: 'down' as const }, ...summary };
    });
  }

  /** Changes a node's weight; keys move as for an add or remove, only between it and its neighbours. */
  async setVnodes(id: string, vnodes: number): Promise<Result<MembershipResult>> {
    const record = this.record(id);
    if (!record) return this.unknownNode(id);
    if (checkVnodes(vnodes)) return fail('invalid_vnodes', checkVnodes(vnodes)!);
    return this.exclusive(async () => {
      const next = this.state.nodes.map((n) => (n.id === id ? { ...n, vnodes } : n));
      const summary = await this.changeMembership(next, `vnodes ${id} ${vnodes}`);
      this.events.emit({ type: 'node-vnodes', node: id, vnodes });
      return { ok: true, node: this.viewOf(this.record(id)!), ...summary };
    });
  }

  /** Failure drill: SIGKILLs a local node. It stays in the ring, marked down, until revived or removed. */
  async killNode(id: string): Promise<Result<{ node: NodeView }>> {
    const record = this.record(id);
    if (!record) return this.unknownNode(id);
    if (!record.local) return fail('not_local', `${id} is not a local node: Ringside only kills processes it started`);
    if (record.local.killed || !record.local.pid) return fail('node_down', `${id} is not running; use \`revive ${id}\``);
    return this.exclusive(async () => {
      const pid = record.local!.pid!;
      await stopLocalNode(pid, 'SIGKILL');
      record.local = { pid: null, killed: true };
      this.pool.markDown(id, 'killed');
      this.events.emit({ type: 'node-killed', node: id, pid });
      return { ok: true, node: this.viewOf(record) };
    });
  }

  /** Restarts a killed local node (empty, on its old port when free) and refills it from the replicas. */
  async reviveNode(id: string): Promise<Result<{ node: NodeView; repair: MoveSummary }>> {
    const record = this.record(id);
    if (!record) return this.unknownNode(id);
    if (!record.local) return fail('not_local', `${id} is not a local node: restart that server yourself, Ringside notices it return`);
    if (record.local.pid && isRunningMemcached(record.local.pid)) return fail('node_alive', `${id} is running (pid ${record.local.pid})`);
    return this.exclusive(async () => {
      await this.relaunch(record);
      // Marked up here rather than by a probe: the probe would queue its repair behind this very change.
      this.pool.markUp(id);
      record.down = false;
      this.events.emit({ type: 'node-revived', node: id, pid: record.local!.pid!, address: formatAddress(record) });
      this.events.emit({ type: 'node-up', node: id, restarted: true });
      const repair = await this.runRepair();
      return { ok: true, node: this.viewOf(record), repair };
    });
  }

  /** Stops every local memcached process (their keys are gone; the next start brings the nodes back empty). */
  async stopLocalNodes(): Promise<Result<{ stopped: string[] }>> {
    return this.exclusive(async () => {
      const stopped: string[] = [];
      for (const record of this.state.nodes) {
        if (!record.local?.pid) continue;
        await stopLocalNode(record.local.pid, 'SIGTERM');
        record.local = { pid: null, killed: false };
        this.pool.markDown(record.id, 'stopped');
        stopped.push(record.id);
      }
      this.persist();
      return { ok: true, stopped };
    });
  }

  /** Brings every key back to its full preference list and removes copies that do not belong. */
  async repair(): Promise<Result<{ repair: MoveSummary }>> {
    const repair = await this.membership.run(() => this.runRepair()).finally(() => this.changed());
    return { ok: true, repair };
  }

  private exclusive<T extends object>(work: () => Promise<Result<T>>): Promise<Result<T>> {
    const running = this.membership.tryRun(work);
    if (!running) return Promise.resolve(fail('busy', 'another membership change is running; try again when it has finished'));
    // The end of a change is a change too: snapshots show whether one is running.
    return running.finally(() => this.changed());
  }

  private async startLocal(id: string, vnodes: number): Promise<NodeRecord | Failure> {
    try {
      const started = await startLocalNode({ memoryMb: this.options.localMemoryMb });
      return { id, host: started.host, port: started.port, vnodes, local: { pid: started.pid, killed: false } };
    } catch (error) {
      return fail('local_start_failed', (error as Error).message);
    }
  }

  /** An existing server joins empty: it must hold only what the ring places on it. */
  private async joinExternal(id: string, address: { host: string; port: number }, vnodes: number): Promise<NodeRecord | Failure> {
    const record: NodeRecord = { id, ...address, vnodes };
    const client = new NodeClient(address, { deadlineMs: this.options.deadlineMs });
    const asked = Date.now();
    try {
      const stats = await client.stats();
      const instance = instanceOf(stats);
      const same = this.state.nodes.find((n) => n.instance !== undefined && sameInstance(n.instance, instance));
      if (same) return fail('node_exists', `${formatAddress(address)} is the same memcached as ${same.id} (${formatAddress(same)})`);
      const items = Number(stats.curr_items ?? 0);
      if (items > 0) {
        await client.flush();
        this.events.emit({ type: 'node-flushed', node: id, items });
      }
      return record;
    } catch {
      // One message, after one delay, for refused, filtered and silent ports alike: the answer must not map the network.
      await new Promise((resolve) => setTimeout(resolve, Math.max(0, asked + this.options.deadlineMs - Date.now())));
      return fail('node_unreachable', `no memcached answered at ${formatAddress(address)}`);
    } finally {
      client.close();
    }
  }

  /**
   * Moves the cluster to `nodes`: plans from what every node holds, copies (writes meanwhile reach both
   * rings' lists), switches the ring, then deletes what no longer belongs. Copies that failed keep their
   * old holders, so a failure never drops a replica.
   */
  private async changeMembership(nodes: NodeRecord[], reason: string, skipDeletesOn?: string): Promise<MoveSummary> {
    const settled = await settleSuspects(this.transfer, this.ring);
    const from = this.ring;
    const to = this.buildRingOf(nodes);
    const transition: Transition = { to, nodes, dirty: new Set(), unavailable: new Set(), refills: new Map() };
    this.transition = transition;
    try {
      // Writes that began before the change chose their targets from the old ring alone; the plan must see them.
      await Promise.all([...this.inflight]);
      const ids = [...new Set([...from.nodes, ...to.nodes].map((n) => n.id))];
      const { inventory, unreachable } = await this.inventory(ids);
      for (const id of unreachable) {
        const record = nodes.find((n) => n.id === id);
        if (record) record.missedMove = true;
      }
      const plan = planMoves(from, to, inventory, { unavailable: new Set(unreachable) });
      for (const id of unreachable) transition.unavailable.add(id);
      for (const copy of plan.copies) if (copy.refill) transition.refills.set(copy.key, [...(transition.refills.get(copy.key) ?? []), copy.to]);
      this.events.emit({ type: 'move-planned', reason, keys: plan.keys, copies: plan.copies.length, deletes: plan.deletes.length, primariesMoved: plan.primariesMoved, deferred: plan.deferred });
      const started = Date.now();
      const copies = await copyAll(this.transfer, plan.copies, reason, transition.dirty);

      this.ring = to;
      this.transition = null;
      this.state.nodes = nodes;
      this.state.version++;
      // The new ring must be on disk before old copies go: a restart must not find the old ring over moved keys.
      await this.saved();
      this.events.emit({ type: 'ring-changed', version: this.state.version, checksum: to.checksum });

      const leftovers: DeleteStep[] = [];
      for (const key of transition.dirty) {
        const keep = preferenceList(to, key);
        for (const node of preferenceList(from, key)) if (!keep.includes(node)) leftovers.push({ key, from: node });
      }
      const deletes = [...plan.deletes, ...leftovers].filter((d) => d.from !== skipDeletesOn && !copies.failedKeys.has(d.key));
      const deleted = await deleteAll(this.transfer, deletes);
      const summary = { ...planFigures(plan), copied: copies.copied, skipped: copies.skipped, failed: copies.failedKeys.size, deleted, settled, ms: Date.now() - started };
      this.events.emit({ type: 'move-done', reason, copied: summary.copied, deleted, settled, skipped: summary.skipped, failed: summary.failed, ms: summary.ms });
      return summary;
    } finally {
      this.transition = null;
    }
  }

  private async runRepair(): Promise<MoveSummary> {
    const started = Date.now();
    const settled = (await settleSuspects(this.transfer, this.ring)) + (await this.dropStraysOfReturnedNodes());
    const { inventory, unreachable } = await this.inventory();
    const plan = planMoves(this.ring, this.ring, inventory, { unavailable: new Set(unreachable) });
    this.events.emit({ type: 'move-planned', reason: 'repair', keys: plan.keys, copies: plan.copies.length, deletes: plan.deletes.length, primariesMoved: 0, deferred: plan.deferred });
    const copies = await copyAll(this.transfer, plan.copies, 'repair', null);
    const deleted = await deleteAll(this.transfer, plan.deletes.filter((d) => !copies.failedKeys.has(d.key)));
    const summary = { ...planFigures(plan), copied: copies.copied, skipped: copies.skipped, failed: copies.failedKeys.size, deleted, settled, ms: Date.now() - started };
    this.events.emit({ type: 'move-done', reason: 'repair', copied: summary.copied, deleted, settled, skipped: summary.skipped, failed: summary.failed, ms: summary.ms });
    return summary;
  }

  /** Nodes unreachable during a membership change may hold keys the ring moved away: delete them, never copy from them. */
  private async dropStraysOfReturnedNodes(): Promise<number> {
    let dropped = 0;
    for (const record of this.returnedNodes()) {
      const count = await dropStrays(this.transfer, this.ring, record.id);
      if (count === null) continue;
      dropped += count;
      record.missedMove = false;
      this.persist();
    }
    return dropped;
  }

  /** Nodes back from an absence during a membership change: they may hold keys the ring moved away. */
  private returnedNodes(): NodeRecord[] {
    return this.state.nodes.filter((record) => record.missedMove && this.pool.isUp(record.id));
  }

  // ---- health ---------------------------------------------------------------------------------

  /**
   * Asks every node for its stats. A node that fails twice in a row is marked down; one that answers
   * again, or answers from a new process (restarted, probably empty), is repaired.
   */
  async probe(): Promise<void> {
    if (this.probing || this.closed) return;
    this.probing = true;
    let repairNeeded = false;
    try {
      await Promise.all(
        this.state.nodes.map(async (record) => {
          if (record.local?.killed) return;
          try {
            const stats = await this.pool.probeCall(record.id, (client) => client.stats());
            const instance = instanceOf(stats);
            const restarted = record.instance !== undefined && !sameInstance(record.instance, instance);
            const returned = this.pool.status(record.id) === 'down' || record.down === true;
            // Back from a freeze, a node may still apply writes it was sent before it stopped answering, over a
            // repair's (see WriteFence): it is trusted, and repaired, at the first probe after it has finished with them.
            if (returned && this.pool.unsettled(record.id)) return;
            this.pool.markUp(record.id);
            if (restarted || returned || record.instance === undefined) {
              record.instance = instance;
              record.down = false;
              this.persist();
            }
            if (restarted || returned) {
              repairNeeded = true;
              this.events.emit({ type: 'node-up', node: record.id, restarted });
            }
          } catch (error) {
            this.pool.noteFailure(record.id, error instanceof NodeError ? error.code : String(error));
          }
        }),
      );
    } finally {
      this.probing = false;
    }
    if (repairNeeded && !this.closed) await this.membership.run(() => this.runRepair()).finally(() => this.changed()).catch((error) => this.events.emit({ type: 'error', message: `repair failed: ${(error as Error).message}` }));
  }

  /** A local node whose process is gone (not killed on purpose) is started again on its port. */
  private async restartLostLocalNodes(): Promise<void> {
    for (const record of this.state.nodes) {
      if (!record.local || record.local.killed || (record.local.pid && isRunningMemcached(record.local.pid))) continue;
      await this.relaunch(record);
    }
  }

  private async relaunch(record: NodeRecord): Promise<void> {
    let started;
    try {
      started = await startLocalNode({ port: record.port, memoryMb: this.options.localMemoryMb });
    } catch {
      // The old port is taken by now: the node keeps its id, and so its place on the ring, at a new port.
      started = await startLocalNode({ memoryMb: this.options.localMemoryMb });
    }
    record.host = started.host;
    record.port = started.port;
    record.local = { pid: started.pid, killed: false };
    // A relaunched node is empty: marked as down, the next probe sees it return and repairs it.
    record.down = true;
    record.instance = undefined;
    this.pool.track(record.id, record, 'down');
    this.persist();
  }

  // ---- plumbing -------------------------------------------------------------------------------

  private record(id: string): NodeRecord | undefined {
    return this.records().find((n) => n.id === id);
  }

  private unknownNode(id: string): Failure {
    const known = this.state.nodes.map((n) => n.id).join(', ') || 'none';
    return fail('unknown_node', `no node ${JSON.stringify(id)} in the ring (nodes: ${known})`);
  }

  private nextNodeId(): string {
    const used = new Set(this.state.nodes.map((n) => n.id));
    let n = 1;
    while (used.has(`node-${n}`)) n++;
    return `node-${n}`;
  }

  private buildRingOf(nodes: readonly NodeRecord[]): Ring {
    return buildRing(nodes.map(({ id, vnodes }) => ({ id, vnodes })), this.state.replicas);
  }

  /** Saves state at most once at a time; a save requested meanwhile writes the latest state after it. */
  private persistQueued = false;
  private saveError: Error | null = null;
  persist(): void {
    if (this.persistQueued) return;
    this.persistQueued = true;
    this.saving = this.saving.then(async () => {
      this.persistQueued = false;
      this.state.hints = this.pool.suspectsByNode();
      try {
        await saveState(this.options.dataDir, this.state);
        this.saveError = null;
      } catch (error) {
        this.saveError = error as Error;
        this.events.emit({ type: 'error', message: `could not save the cluster state: ${this.saveError.message}` });
      }
    });
  }

  /** Persists now and waits; throws when the state could not be written. */
  private async saved(): Promise<void> {
    this.persist();
    await this.saving;
    if (this.saveError) throw new Error(`could not save the cluster state in ${this.options.dataDir}: ${this.saveError.message}`);
  }
}

function checkPut(bytes: Uint8Array, ttl: number, maxValueBytes: number): Failure | null {
  const badValue = checkValue(bytes, maxValueBytes);
  if (badValue) return fail('invalid_value', badValue);
  const badTtl = checkTtl(ttl);
  return badTtl ? fail('invalid_ttl', badTtl) : null;
}

function instanceOf(stats: Record<string, string>): string {
  return `${stats.pid}:${Number(stats.time) - Number(stats.uptime)}`;
}

function sameInstance(a: string, b: string): boolean {
  const [pidA, startA] = a.split(':').map(Number);
  const [pidB, startB] = b.split(':').map(Number);
  // The start time is derived from two clock readings, so it may wobble by a second.
  return pidA === pidB && Math.abs(startA - startB) <= 2;
}

function describeOutcomes(outcomes: readonly ReplicaOutcome[]): string {
  return outcomes.map((o) => `${o.node} ${o.ok ? 'ok' : o.error}`).join(', ') || 'no replicas';
}

/** Every replica that answered refused for want of memory (the others did not answer at all). */
function refusedForMemory(outcomes: readonly ReplicaOutcome[]): boolean {
  const unanswered = new Set(['down', 'timeout', 'unreachable', 'closed']);
  return outcomes.some((o) => o.error === 'out_of_memory') && outcomes.every((o) => o.error === 'out_of_memory' || unanswered.has(o.error ?? ''));
}

function formatMiB(bytes: number): string {
  const mib = bytes / 2 ** 20;
  return `${Number.isInteger(mib) ? mib : mib.toFixed(1)} MiB`;
}

function listOf(items: readonly string[]): string {
  return items.length < 2 ? items.join('') : `${items.slice(0, -1).join(', ')} and ${items[items.length - 1]}`;
}

function planFigures(plan: ReturnType<typeof planMoves>) {
  return { keys: plan.keys, planned: plan.copies.length, plannedDeletes: plan.deletes.length, primariesMoved: plan.primariesMoved, deferred: plan.deferred };
}

export type { ClusterSnapshot, ChangeInFlight, MovePreview, DeleteResult, Failure, GetResult, KeyPlacement, LocateResult, MembershipResult, MoveSummary, NodeStatus, NodeView, PutResult, ReplicaOutcome, Result };
