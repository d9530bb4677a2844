import 'server-only';
// The cluster's facade: opens the state store and wires the data path, changes, health, local processes, request counts and snapshots together.
import { KeyLocks } from '../concurrency';
import { badLevel, isLevel, type ConsistencyLevels, type Level } from '../consistency';
import { localMemoryFromEnv } from '../memcached/local-nodes';
import type { Inventory } from '../plan';
import { DEFAULT_REPLICAS, type Ring } from '../ring';
import { storeConfigFromEnv } from '../store/config';
import { EtcdStore } from '../store/etcd-store';
import { FileStore } from '../store/file-store';
import { openStore } from '../store/open-store';
import { StoreRelay } from '../store/relay';
import type { StateStore, StoreState } from '../store/types';
import { DEFAULT_MAX_VALUE_BYTES } from '../validate';
import { allowedFromEnv } from './allow-list';
import { Changes, nextNodeId } from './changes';
import { ClusterState } from './cluster-state';
import type { ClusterContext, ClusterOptions, ResolvedOptions } from './context';
import { DataPath } from './data-path';
import { EventLog, type ClusterEvent } from './events';
import { controlPlaneOf, type ControlPlaneStatus } from './control-plane';
import { applyStoreChange, type FollowHooks } from './follow';
import { ForeignChanges } from './foreign-change';
import { compareOnCluster, type LabQuery, type LiveLabResult } from './lab';
import { itemSizesOf } from './item-sizes';
import { LeaderDuty } from './leader';
import { KeyInventory } from './key-inventory';
import { Health } from './health';
import { DEFAULT_HOT_PUBLISH_MS, HotCounts } from './hot';
import type { HotView } from '../hot-view';
import { LocalProcesses } from './local-processes';
import { returnedNodes } from './move';
import { NodePool } from './node-pool';
import type { MovePreview } from './preview';
import * as queries from './queries';
import type { PlannedChange } from './queries';
import type { ChangeInFlight } from './replication';
import type { ClusterSnapshot } from './snapshot';
import { SnapshotCache } from './snapshot-cache';
import { SoleWriter } from './sole-writer';
import { clusterExists } from './state';
import { fail, type DeleteResult, type Failure, GetResult, LocateResult, MembershipResult, MoveSummary, NodeStatus, NodeView, PutResult, ReplicaOutcome, Result } from './types';
import type { KeyPlacement, NodeKeyCounts } from './views';

export class Cluster {
  readonly events = new EventLog();
  private readonly ctx: ClusterContext;
  private readonly data: DataPath;
  private readonly changes: Changes;
  private readonly health: Health;
  private readonly local: LocalProcesses;
  private readonly snapshots: SnapshotCache;
  private readonly foreign: ForeignChanges;
  private readonly leader: LeaderDuty;
  private readonly hot: HotCounts;
  private readonly changeListeners = new Set<() => void>();
  private unwatch: () => void = () => undefined;
  private unwatchReachability: () => void = () => undefined;
  private closed = false;
  private relay_: StoreRelay | null = null;

  private constructor(
    private readonly options: ResolvedOptions,
    private readonly store: StateStore,
    loaded: StoreState,
    replicas: number,
  ) {
    const state = new ClusterState(store, loaded, replicas, (event) => this.events.emit(event));
    const emit = (event: ClusterEvent) => {
      this.events.emit(event);
      state.appendEvent(event);
    };
    const pool = new NodePool(
      options.deadlineMs,
      {
        down: (id, reason) => {
          void state.markDown(id);
          emit({ type: 'node-down', node: id, reason });
        },
        suspectsChanged: (node, added, cleared) => state.noteSuspects(node, added, cleared),
      },
      loaded.suspects,
    );
    for (const record of state.nodes()) pool.track(record.id, record, record.down ? 'down' : 'up');
    state.markHeld = (node, key) => pool.isSuspect(node, key);
    const keyLocks = new KeyLocks();
    const transfer = { pool, keyLocks, events: { emit }, concurrency: options.moveConcurrency };
    const soleWriter = new SoleWriter(store, options.deadlineMs, () => this.data.settled());
    this.ctx = { options, state, pool, keys: new KeyInventory(pool), keyLocks, transfer, soleWriter, emit, changed: () => this.changed() };
    this.data = new DataPath(this.ctx);
    this.local = new LocalProcesses(this.ctx);
    this.foreign = new ForeignChanges(this.ctx, this.data);
    const hooks: FollowHooks = { leading: () => this.leader.leading, journal: (journal) => this.foreign.follow(journal), joined: (tag) => soleWriter.joined(tag) };
    this.changes = new Changes(this.ctx, this.data, this.local, () => this.refresh(hooks));
    this.health = new Health(this.ctx);
    this.hot = new HotCounts(this.ctx, options.hotPublishMs);
    this.leader = new LeaderDuty(
      store,
      typeof options.probeIntervalMs === 'number' ? options.probeIntervalMs : 1000,
      () => this.leaderWork(),
      () => this.changed(),
    );
    this.snapshots = new SnapshotCache(() =>
      queries.computeSnapshot(this.ctx, {
        busy: this.busy,
        valueLimit: this.valueLimit(),
        events: this.events.recent().slice(-100),
        controlPlane: this.controlPlane(),
        consistency: this.consistency(),
      }),
    );
    this.events.subscribe(() => this.changed());
    // A change another process was running when this one opened: followed from the first write on.
    this.foreign.follow(state.journal);
    // Other processes' changes (etcd); this process's own come back too and are skipped.
    this.unwatch = store.watch((change) => applyStoreChange(this.ctx, this.events, hooks, change));
    this.unwatchReachability = store.onReachability(() => this.changed());
    soleWriter.start();
  }

  /** Reads the whole state from the store and applies it, as the watch does after a stall. */
  private async refresh(hooks: FollowHooks): Promise<{ ok: true } | { ok: false; message: string }> {
    const loaded = await this.store.load();
    if (!loaded.ok) return loaded;
    applyStoreChange(this.ctx, this.events, hooks, { type: 'reloaded', state: loaded.state });
    return { ok: true };
  }

  /**
   * Opens the cluster kept in the state store (`dataDir`'s file, or etcd when RINGSIDE_ETCD is set): restarts
   * its lost local nodes, probes every node once, and finishes or rolls back a change a crash interrupted.
   */
  static async open(options: ClusterOptions): Promise<Cluster> {
    // Read before the store is opened: a bad setting must not leave the data directory claimed.
    const localMemoryMb = options.localMemoryMb ?? localMemoryFromEnv();
    const opened = await openStore(options.dataDir, options.env ?? process.env, { replicas: options.replicas ?? DEFAULT_REPLICAS, writer: options.writer });
    if (!opened.ok) throw new Error(opened.message);
    const { store } = opened;
    // Live before it reads: a change announced from now on waits for this process to follow it.
    const joined = await store.join();
    const loaded = joined.ok ? await store.load() : joined;
    if (!loaded.ok) {
      await store.close();
      throw new Error(`could not read the cluster state: ${loaded.message}`);
    }
    const resolved: ResolvedOptions = {
      dataDir: options.dataDir,
      deadlineMs: options.deadlineMs ?? 1000,
      probeIntervalMs: options.probeIntervalMs ?? 1000,
      maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
      moveConcurrency: options.moveConcurrency ?? 32,
      allowedHosts: options.allowedHosts ?? allowedFromEnv(),
      localMemoryMb,
      hotPublishMs: options.hotPublishMs ?? DEFAULT_HOT_PUBLISH_MS,
    };
    const cluster = new Cluster(resolved, store, loaded.state, options.replicas ?? DEFAULT_REPLICAS);
    // No write before the processes already live write conditionally (they acknowledge this join, and ones joining
    // now acknowledge each other's while they wait), or their permission to write alone has lapsed.
    if (joined.ok) await cluster.ctx.soleWriter.admit(joined.tag);
    await cluster.start(loaded.state.ring === null ? (options.bootstrapLocalNodes ?? 0) : 0);
    return cluster;
  }

  /**
   * Connects as a client (an application's process, lib/client): the same data path and follower as a server, and a
   * writer like any other (it joins, acknowledges, writes conditionally beside others), but no background work: no
   * leader campaign, probes, repairs, published request counts or local processes. It never creates a cluster.
   */
  static async connect(options: ClusterOptions): Promise<ConnectResult> {
    const env = options.env ?? process.env;
    const configured = storeConfigFromEnv(env);
    if (!configured.ok) return configured;
    const { config } = configured;
    const etcd = config.kind === 'etcd';
    const where = config.kind === 'etcd' ? `etcd (${config.endpoints.join(',')}, prefix ${config.prefix})` : options.dataDir;
    const absent: ConnectFailure = { ok: false, error: 'no_cluster', message: `no Ringside cluster in ${where}: start one first (npm start, or the shell's \`add\`)` };
    const claimed = await (async () => {
      // Looked at before the data directory is claimed: a client must not leave one behind where there was none.
      if (!etcd && !(await clusterExists(options.dataDir))) return absent;
      const opened = await openStore(options.dataDir, env, { replicas: options.replicas ?? DEFAULT_REPLICAS, writer: options.writer });
      return opened.ok ? opened : { ok: false as const, error: 'invalid_config' as const, message: opened.message };
    })().catch((error: Error): ConnectFailure => ({ ok: false, error: 'in_use', message: error.message }));
    if (!claimed.ok) return claimed;
    return Cluster.attach(claimed.store, options, absent);
  }

  /**
   * Joins the cluster kept in `store` as a client (see `connect`); the store is closed again when it cannot. The
   * store may be one `connect` opened, or a dashboard's reached through its API (lib/store/dashboard-store).
   */
  static async attach(store: StateStore, options: ClusterOptions, absent: ConnectFailure): Promise<ConnectResult> {
    const refuse = async (failure: ConnectFailure) => (await store.close(), failure);
    // Read before joining: a client on an empty prefix leaves nothing there.
    const seen = await store.load();
    if (!seen.ok) return refuse({ ok: false, error: 'unavailable', message: `could not read the cluster state: ${seen.message}` });
    if (seen.state.ring === null) return refuse(absent);
    const joined = await store.join();
    const loaded = joined.ok ? await store.load() : joined;
    if (!loaded.ok) return refuse({ ok: false, error: 'unavailable', message: `could not read the cluster state: ${loaded.message}` });
    const resolved: ResolvedOptions = {
      dataDir: options.dataDir,
      deadlineMs: options.deadlineMs ?? 1000,
      probeIntervalMs: false,
      maxValueBytes: options.maxValueBytes ?? DEFAULT_MAX_VALUE_BYTES,
      moveConcurrency: options.moveConcurrency ?? 32,
      allowedHosts: [],
      localMemoryMb: 0,
      hotPublishMs: DEFAULT_HOT_PUBLISH_MS,
    };
    const cluster = new Cluster(resolved, store, loaded.state, options.replicas ?? DEFAULT_REPLICAS);
    if (joined.ok) await cluster.ctx.soleWriter.admit(joined.tag);
    return { ok: true, cluster };
  }

  private async start(bootstrap: number): Promise<void> {
    const restarted = await this.changes.restartLost();
    if (!restarted.ok && !quiet(restarted.error)) this.events.emit({ type: 'error', message: `could not restart the lost local nodes: ${restarted.message}` });
    const repairNeeded = await this.health.check();
    const recovered = await this.changes.recover();
    if (!recovered.ok) {
      if (!quiet(recovered.error)) this.events.emit({ type: 'error', message: `could not recover the last change: ${recovered.message}` });
    } else if (!recovered.recovery && repairNeeded) await this.repairQuietly();
    await this.bootstrap(bootstrap);
    this.hot.start();
    // Long-running processes campaign; the leader probes, repairs and resolves changes whose process died.
    if (this.options.probeIntervalMs !== false) this.leader.start();
  }

  /** Local nodes for a new cluster; another process starting the same new cluster on etcd at once is left to do it. */
  private async bootstrap(count: number): Promise<void> {
    for (let added = 0; added < count;) {
      const done = await this.addNode();
      if (done.ok) added++;
      else if (done.error !== 'busy' && done.error !== 'node_exists') throw new Error(`could not start local node ${added + 1}: ${done.message}`);
      else if (added === 0 && this.ctx.state.ring.nodes.length > 0) return;
      else await new Promise((resolve) => setTimeout(resolve, 250));
    }
  }

  /** The leader's round: probe every node, repair those back, resolve a change left by a process that died. */
  private async leaderWork(): Promise<void> {
    if (this.closed) return;
    const { state, pool } = this.ctx;
    // A node back, or suspect copies on a node that answers (marked by any process): settled by a repair.
    const marked = state.nodes().some((node) => pool.suspectCount(node.id) > 0 && pool.isUp(node.id));
    if ((await this.health.check()) || (marked && !this.changes.busy && !this.closed)) await this.repairQuietly();
    const leftBehind = state.journal !== null || state.outsiders().some((id) => this.local.isRunning(state.healthOf(id)?.local));
    if (this.closed || this.changes.busy || !leftBehind) return;
    const recovered = await this.changes.recover();
    if (!recovered.ok && !quiet(recovered.error)) this.events.emit({ type: 'error', message: `could not recover the last change: ${recovered.message}` });
  }

  /**
   * This process's file store as the clients that connect by URL share it (lib/store/relay). With the state in etcd
   * they connect to etcd themselves: the refusal names where it is (never its credentials).
   */
  relay(): { ok: true; relay: StoreRelay } | NotShared {
    if (this.store instanceof EtcdStore) {
      const etcd = this.store.where();
      return { ok: false, error: 'not_shared', message: `this dashboard keeps the cluster's state in etcd (${etcd.endpoints.join(',')}, prefix ${etcd.prefix}): connect with { etcd, prefix }`, etcd };
    }
    if (this.closed || !(this.store instanceof FileStore)) return fail('unavailable', 'the dashboard is closing');
    this.relay_ ??= new StoreRelay(this.store);
    return { ok: true, relay: this.relay_ };
  }

  /** Stops probing and closes every connection and the store; local memcached processes keep running. */
  async close(): Promise<void> {
    if (this.closed) return;
    this.closed = true;
    this.relay_?.close();
    this.health.stop();
    this.hot.stop();
    // Its plain SETs land before its heartbeat goes: another process may write alone as soon as it has.
    this.ctx.soleWriter.stop();
    await this.data.settled();
    await this.leader.stop();
    this.unwatch();
    this.unwatchReachability();
    await this.changes.idle();
    this.ctx.pool.closeAll();
    await this.ctx.state.flushed();
    this.ctx.state.close();
    await this.store.close();
  }

  /** Called after anything that changes what the cluster holds or how it looks (writes included, which are not events). */
  onChange(listener: () => void): () => void {
    this.changeListeners.add(listener);
    return () => this.changeListeners.delete(listener);
  }

  private changed(): void {
    this.snapshots.invalidate();
    for (const listener of this.changeListeners) listener();
  }

  // ---- reading the cluster -------------------------------------------------------------------

  get version(): number {
    return this.ctx.state.version;
  }

  get currentRing(): Ring {
    return this.ctx.state.ring;
  }

  /** A change runs: in this process, or in another (its journal is in the store). */
  get busy(): boolean {
    return this.changes.busy || this.ctx.state.journal !== null;
  }

  /** Whether this process leads (probes, repairs, resolves changes left behind). */
  get leading(): boolean {
    return this.leader.leading;
  }

  controlPlane(): ControlPlaneStatus {
    return controlPlaneOf(this.store, this.ctx.soleWriter.status());
  }

  /** Every node, the ring's and any joining one. */
  nodes(): NodeView[] {
    return this.ctx.state.records().map((record) => queries.viewOf(this.ctx, record));
  }

  ringSummary() {
    return { ...queries.ringSummaryOf(this.ctx, this.busy), controlPlane: this.controlPlane(), consistency: this.consistency() };
  }

  inventory(ids?: readonly string[]): Promise<{ inventory: Inventory; unreachable: string[] }> {
    return queries.inventoryOf(this.ctx, ids);
  }

  /** Keys with where they should be and where they are, in key order: one node's, the first `limit`, or only under-replicated ones. */
  keys(nodeId?: string, limit = Infinity, { missing = false }: { missing?: boolean } = {}): Promise<Result<{ keys: KeyPlacement[]; total: number; unreachable: string[] }>> {
    return queries.keysOf(this.ctx, nodeId, limit, missing);
  }

  keyCounts(): Promise<Record<string, NodeKeyCounts | null>> {
    return queries.keyCountsOf(this.ctx);
  }

  /** Everything the dashboard draws, as plain data, shared between callers (see SnapshotCache). */
  snapshot(): Promise<ClusterSnapshot> {
    return this.snapshots.get();
  }

  preview(change: PlannedChange): Promise<Result<{ preview: MovePreview }>> {
    return queries.previewChange(
      this.ctx,
      change,
      () => nextNodeId(this.ctx.state.ring.nodes),
      () => returnedNodes(this.ctx),
    );
  }

  /** The algorithm lab on this cluster's nodes and keys, or on those the query gives (docs/lab.md); nothing changes. */
  compare(query: LabQuery): Promise<LiveLabResult> {
    return compareOnCluster(this, query);
  }

  /** Each listed key's item size as its node stores it (the lab's balance by bytes on live keys). */
  itemSizes(): Promise<{ sizes: Map<string, number>; unreachable: string[] }> {
    return itemSizesOf(this.ctx);
  }

  locate(key: string): Promise<Result<LocateResult>> {
    return queries.locateKey(this.ctx, key);
  }

  stats(): Promise<Record<string, Record<string, string> | null>> {
    return queries.statsOf(this.ctx);
  }

  valueLimit(): number {
    return this.data.valueLimit();
  }

  // ---- keys -----------------------------------------------------------------------------------

  // Each request is counted once served (see hot.ts): which replicas it reached is known only then.

  /** `w`: how many replicas must acknowledge (lib/consistency); the cluster's default level when absent. */
  async put(key: string, value: string | Uint8Array, options: { ttl?: number; w?: Level } = {}): Promise<Result<PutResult>> {
    const result = await this.data.put(key, value, options);
    this.hot.countPut(key, result);
    return result;
  }

  /** `r`: how many replicas must answer; the cluster's default level when absent. */
  async get(key: string, options: { r?: Level } = {}): Promise<Result<GetResult>> {
    const result = await this.data.get(key, options);
    this.hot.countGet(key, result);
    return result;
  }

  async delete(key: string, options: { w?: Level } = {}): Promise<Result<DeleteResult>> {
    const result = await this.data.delete(key, options);
    this.hot.countDelete(key, result);
    return result;
  }

  /** Hot keys (the `top` hottest) and each node's load over the recent window, merged across every live process. */
  hotKeys(top?: number): Promise<HotView> {
    return this.hot.view(top);
  }

  /** The write and read levels calls use when they name none, shared by every process of the cluster. */
  consistency(): ConsistencyLevels {
    return { ...this.ctx.state.consistency };
  }

  /** Sets the default levels (either or both); saved in the state store before any call uses them. */
  async setConsistency(levels: { w?: unknown; r?: unknown }): Promise<Result<{ consistency: ConsistencyLevels }>> {
    const { w = this.ctx.state.consistency.w, r = this.ctx.state.consistency.r } = levels;
    if (!isLevel(w)) return fail('invalid_level', badLevel('w', w));
    if (!isLevel(r)) return fail('invalid_level', badLevel('r', r));
    const saved = await this.ctx.state.setConsistency({ w, r });
    if (!saved.ok) return fail('control_plane_unavailable', `could not save the consistency levels: ${saved.message}`);
    this.changed();
    return { ok: true, consistency: this.consistency() };
  }

  // ---- membership and health ------------------------------------------------------------------

  addNode(request: { id?: string; address?: string; vnodes?: number } = {}): Promise<Result<MembershipResult>> {
    return this.changes.addNode(request);
  }

  removeNode(id: string): Promise<Result<MembershipResult>> {
    return this.changes.removeNode(id);
  }

  setVnodes(id: string, vnodes: number): Promise<Result<MembershipResult>> {
    return this.changes.setVnodes(id, vnodes);
  }

  killNode(id: string): Promise<Result<{ node: NodeView }>> {
    return this.changes.killNode(id);
  }

  reviveNode(id: string): Promise<Result<{ node: NodeView; repair: MoveSummary }>> {
    return this.changes.reviveNode(id);
  }

  stopLocalNodes(): Promise<Result<{ stopped: string[] }>> {
    return this.changes.stopLocalNodes();
  }

  /** The explicit repair: besides presence, it reads every copy and brings each key's copies to its newest version. */
  repair(): Promise<Result<{ repair: MoveSummary }>> {
    return this.changes.repair({ versions: true });
  }

  /** Probes every node once; a node back from down or restarted is repaired. */
  async probe(): Promise<void> {
    if (!this.closed && (await this.health.check()) && !this.closed) await this.repairQuietly();
  }

  private async repairQuietly(): Promise<void> {
    const done = await this.changes.repair().catch((error: Error) => ({ ok: false as const, error: 'failed', message: error.message }));
    // Busy: another process holds the change lock (etcd); its change repairs too, and the next probe asks again.
    if (!done.ok && !quiet(done.error)) this.events.emit({ type: 'error', message: `repair failed: ${done.message}` });
  }
}

/** Why clients cannot share this process's store; with etcd, where they find it instead. */
export type NotShared = Failure & { etcd?: { endpoints: string[]; prefix: string; credentials: boolean } };

export type ConnectFailure = { ok: false; error: 'invalid_config' | 'no_cluster' | 'in_use' | 'unavailable'; message: string };
export type ConnectResult = { ok: true; cluster: Cluster } | ConnectFailure;

/** Background work that meets another process's change, or etcd away, waits for the next round without a word. */
function quiet(error: string): boolean {
  return error === 'busy' || error === 'control_plane_unavailable';
}

export type { ClusterOptions, ControlPlaneStatus, PlannedChange };
export type { MembershipChange } from './queries';
export type {
  ClusterSnapshot,
  ChangeInFlight,
  MovePreview,
  DeleteResult,
  Failure,
  GetResult,
  KeyPlacement,
  LocateResult,
  MembershipResult,
  MoveSummary,
  NodeStatus,
  NodeView,
  PutResult,
  ReplicaOutcome,
  Result,
};
