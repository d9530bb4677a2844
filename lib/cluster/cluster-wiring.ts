import 'server-only';
// How a Cluster's parts are built and joined: its state, node pool, data path, changes, health, leadership, request counts and snapshots, and the order they stop in.
import { KeyLocks } from '../concurrency';
import type { ConsistencyLevels } from '../consistency';
import type { StoreRelay } from '../store/relay';
import type { StateStore, StoreState } from '../store/types';
import { Changes } from './changes';
import { ClusterState } from './cluster-state';
import type { ClusterContext, ResolvedOptions } from './context';
import { DataPath } from './data-path';
import { EventLog, type ClusterEvent } from './events';
import { controlPlaneOf, type ControlPlaneStatus } from './control-plane';
import { applyStoreChange, reloadState, type FollowHooks } from './follow';
import { ForeignChanges } from './foreign-change';
import { LeaderDuty } from './leader';
import { KeyInventory } from './key-inventory';
import { Health } from './health';
import { HotCounts } from './hot';
import { LocalProcesses } from './local-processes';
import { NodePool } from './node-pool';
import { leaderRound, type Duties } from './opening';
import * as queries from './queries';
import { SnapshotCache } from './snapshot-cache';
import { SoleWriter } from './sole-writer';

/** The parts the Cluster facade calls into (see ./cluster, ./cluster-reads), and what its snapshots are computed from. */
export class ClusterWiring {
  readonly events = new EventLog();
  protected readonly ctx: ClusterContext;
  protected readonly data: DataPath;
  protected readonly changes: Changes;
  protected readonly health: Health;
  private readonly local: LocalProcesses;
  protected readonly snapshots: SnapshotCache;
  private readonly foreign: ForeignChanges;
  protected readonly leader: LeaderDuty;
  protected readonly hot: HotCounts;
  protected readonly duties: Duties;
  private readonly changeListeners = new Set<() => void>();
  private unwatch: () => void = () => undefined;
  private unwatchReachability: () => void = () => undefined;
  protected closed = false;
  protected relay_: StoreRelay | null = null;

  protected constructor(
    options: ResolvedOptions,
    protected readonly store: StateStore,
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

  protected changed(): void {
    this.snapshots.invalidate();
    for (const listener of this.changeListeners) listener();
  }

  /** A change runs: in this process, or in another (its journal is in the store). */
  get busy(): boolean {
    return this.changes.busy || this.ctx.state.journal !== null;
  }

  controlPlane(): ControlPlaneStatus {
    return controlPlaneOf(this.store, this.ctx.soleWriter.status());
  }

  valueLimit(): number {
    return this.data.valueLimit();
  }

  /** The write and read levels calls use when they name none, shared by every process of the cluster. */
  consistency(): ConsistencyLevels {
    return { ...this.ctx.state.consistency };
  }
}
