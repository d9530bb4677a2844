import 'server-only';
// The cluster's facade: opens the state store and wires the data path, changes, health, local processes, request counts and snapshots together.
import { KeyLocks } from '../concurrency';
import { badLevel, isLevel, type ConsistencyLevels, type Level } from '../consistency';
import type { Inventory } from '../plan';
import type { Ring } from '../ring';
import { EtcdStore } from '../store/etcd-store';
import { FileStore } from '../store/file-store';
import { StoreRelay } from '../store/relay';
import type { StateStore, StoreState } from '../store/types';
import { Changes, nextNodeId } from './changes';
import { ClusterState } from './cluster-state';
import type { ClusterContext, ClusterOptions, ResolvedOptions } from './context';
import { DataPath } from './data-path';
import { EventLog, type ClusterEvent } from './events';
import { controlPlaneOf, type ControlPlaneStatus } from './control-plane';
import { applyStoreChange, reloadState, type FollowHooks } from './follow';
import { ForeignChanges } from './foreign-change';
import { compareOnCluster, type LabQuery, type LiveLabResult } from './lab';
import { itemSizesOf } from './item-sizes';
import { LeaderDuty } from './leader';
import { KeyInventory } from './key-inventory';
import { Health } from './health';
import { HotCounts } from './hot';
import type { HotView } from '../hot-view';
import { LocalProcesses } from './local-processes';
import { returnedNodes } from './move';
import { NodePool } from './node-pool';
import { claimClientStore, joinAsClient, leaderRound, openServerStore, repairQuietly, startDuties, type ConnectFailure, type Duties, type Opened } from './opening';
import type { MovePreview } from './preview';
import * as queries from './queries';
import type { PlannedChange } from './queries';
import type { ChangeInFlight } from './replication';
import type { ClusterSnapshot } from './snapshot';
import { SnapshotCache } from './snapshot-cache';
import { SoleWriter } from './sole-writer';
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
  private readonly duties: Duties;
  private readonly changeListeners = new Set<() => void>();
  private unwatch: () => void = () => undefined;
  private unwatchReachability: () => void = () => undefined;
  private closed = false;
  private relay_: StoreRelay | null = null;

  private constructor(
    options: ResolvedOptions,
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
    this.hot = new HotCounts(this.ctx, options.hotPublishMs);
    this.data = new DataPath(this.ctx, this.hot);
    this.local = new LocalProcesses(this.ctx);
    this.foreign = new ForeignChanges(this.ctx, this.data);
    const hooks: FollowHooks = { leading: () => this.leader.leading, journal: (journal) => this.foreign.follow(journal), joined: (tag) => soleWriter.joined(tag) };
    this.changes = new Changes(this.ctx, this.data, this.local, () => reloadState(this.ctx, this.events, hooks));
    this.health = new Health(this.ctx);
    this.leader = new LeaderDuty(
      store,
      typeof options.probeIntervalMs === 'number' ? options.probeIntervalMs : 1000,
      () => leaderRound(this.duties),
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
    this.duties = { ctx: this.ctx, events: this.events, changes: this.changes, health: this.health, local: this.local, hot: this.hot, leader: this.leader, closed: () => this.closed };
    this.events.subscribe(() => this.changed());
    // A change another process was running when this one opened: followed from the first write on.
    this.foreign.follow(state.journal);
    // Other processes' changes (etcd); this process's own come back too and are skipped.
    this.unwatch = store.watch((change) => applyStoreChange(this.ctx, this.events, hooks, change));
    this.unwatchReachability = store.onReachability(() => this.changed());
    soleWriter.start();
  }

  /**
   * Opens the cluster kept in the state store (`dataDir`'s file, or etcd when RINGSIDE_ETCD is set): restarts
   * its lost local nodes, probes every node once, and finishes or rolls back a change a crash interrupted.
   */
  static async open(options: ClusterOptions): Promise<Cluster> {
    const opened = await openServerStore(options);
    const cluster = await Cluster.admitted(opened);
    await startDuties(cluster.duties, opened.bootstrap);
    return cluster;
  }

  /**
   * Connects as a client (an application's process, lib/client): the same data path and follower as a server, and a
   * writer like any other (it joins, acknowledges, writes conditionally beside others), but no background work: no
   * leader campaign, probes, repairs, published request counts or local processes. It never creates a cluster.
   */
  static async connect(options: ClusterOptions): Promise<ConnectResult> {
    const claimed = await claimClientStore(options);
    return claimed.ok ? Cluster.attach(claimed.store, options, claimed.absent) : claimed;
  }

  /**
   * Joins the cluster kept in `store` as a client (see `connect`); the store is closed again when it cannot. The
   * store may be one `connect` opened, or a dashboard's reached through its API (lib/store/dashboard-store).
   */
  static async attach(store: StateStore, options: ClusterOptions, absent: ConnectFailure): Promise<ConnectResult> {
    const opened = await joinAsClient(store, options, absent);
    return opened.ok ? { ok: true, cluster: await Cluster.admitted(opened) } : opened;
  }

  private static async admitted(opened: Opened): Promise<Cluster> {
    const cluster = new Cluster(opened.resolved, opened.store, opened.state, opened.replicas);
    // No write before the processes already live write conditionally (they acknowledge this join, and ones joining
    // now acknowledge each other's while they wait), or their permission to write alone has lapsed.
    await cluster.ctx.soleWriter.admit(opened.tag);
    return cluster;
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

  // Each request is counted once served (see hot.ts), by the data path: which replicas it reached is known only then.

  /** `w`: how many replicas must acknowledge (lib/consistency); the cluster's default level when absent. */
  put(key: string, value: string | Uint8Array, options?: { ttl?: number; w?: Level }): Promise<Result<PutResult>> {
    return this.data.put(key, value, options);
  }

  /** `r`: how many replicas must answer; the cluster's default level when absent. */
  get(key: string, options?: { r?: Level }): Promise<Result<GetResult>> {
    return this.data.get(key, options);
  }

  delete(key: string, options?: { w?: Level }): Promise<Result<DeleteResult>> {
    return this.data.delete(key, options);
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
    if (!this.closed && (await this.health.check()) && !this.closed) await repairQuietly(this.duties);
  }
}

/** Why clients cannot share this process's store; with etcd, where they find it instead. */
export type NotShared = Failure & { etcd?: { endpoints: string[]; prefix: string; credentials: boolean } };

export type ConnectResult = { ok: true; cluster: Cluster } | ConnectFailure;

export type { ClusterOptions, ConnectFailure, ControlPlaneStatus, PlannedChange };
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
